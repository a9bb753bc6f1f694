#!/usr/bin/env bash
# Create (or reuse) the inference core's virtualenv with the exact pins of
# inference/requirements.txt, and link it at .venv/inference. Cached across clones: the venv
# lives in $SOVREN_CACHE_DIR (default ~/.cache/sovren) under the hash of the requirements and
# the interpreter, so a fresh clone (as CI makes) links the built one in 0.1 s.
#
# Env: SOVREN_PYTHON     interpreter to build the venv from (default: pyenv 3.11.7 if present,
#                        else python3.11, else python3)
#      SOVREN_CACHE_DIR  where built venvs are kept
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
LINK="$ROOT/.venv/inference"
REQ="$ROOT/inference/requirements.txt"
CONSTRAINTS="$ROOT/inference/constraints.txt"

pick_python() {
  if [ -n "${SOVREN_PYTHON:-}" ]; then echo "$SOVREN_PYTHON"; return; fi
  local pyenv_root="${PYENV_ROOT:-$HOME/.pyenv}"
  if [ -x "$pyenv_root/versions/3.11.7/bin/python3.11" ]; then
    echo "$pyenv_root/versions/3.11.7/bin/python3.11"; return
  fi
  for c in python3.11 python3; do
    if command -v "$c" >/dev/null 2>&1; then command -v "$c"; return; fi
  done
  echo "setup-python.sh: no python3.11 found (set SOVREN_PYTHON)" >&2
  exit 1
}

PY="$(pick_python)"
WANT="$( (cat "$REQ" "$CONSTRAINTS" | sha256sum | cut -d' ' -f1; "$PY" -c 'import sys;print(sys.version)') | sha256sum | cut -d' ' -f1)"
CACHE="${SOVREN_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/sovren}"
VENV="$CACHE/venv-inference-${WANT:0:16}"
STAMP="$VENV/.sovren-requirements.sha256"

link() {
  mkdir -p "$(dirname "$LINK")"
  if [ -e "$LINK" ] && [ ! -L "$LINK" ]; then rm -rf "$LINK"; fi
  ln -sfn "$VENV" "$LINK"
}

if [ -x "$VENV/bin/python" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$WANT" ]; then
  link
  echo "setup-python.sh: $VENV is up to date (requirements hash ${WANT:0:12}); linked at .venv/inference"
  exit 0
fi

start=$(date +%s)
echo "setup-python.sh: building $VENV with $PY ($("$PY" -V 2>&1))"
rm -rf "$VENV"
mkdir -p "$(dirname "$VENV")"
"$PY" -m venv "$VENV"
# This machine's pip config adds file:// extra indexes that may not exist; drop that noise only.
quiet_pip() { "$VENV/bin/python" -m pip "$@" 2> >(grep -v "is ignored: it is neither a file nor a directory" >&2); }
quiet_pip install --quiet --upgrade pip==24.3.1
quiet_pip install --quiet -r "$REQ" -c "$CONSTRAINTS"
echo "$WANT" > "$STAMP"
link
echo "setup-python.sh: done in $(( $(date +%s) - start ))s"
