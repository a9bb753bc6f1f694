# Sourced by the scripts that need a pinned Python virtualenv (the inference
# core, schemathesis, the optional grpcio check): one way to build and cache it.
# shellcheck shell=bash
#
#   cached_venv <name> <link or ""> <requirements.txt> [constraints.txt]
#
# Builds (or reuses) $SOVREN_CACHE_DIR/venv-<name>-<hash> (default cache
# ~/.cache/sovren), keyed by the hash of the requirement files and the
# interpreter's version, so a fresh clone (as CI makes) reuses a built one at
# once; links it at <link> when given; sets CACHED_VENV to its path.
# Env: SOVREN_PYTHON  interpreter (default: pyenv 3.11.7 if present, else
#                     python3.11, else python3)
#      SOVREN_CACHE_DIR  where built venvs are kept

sovren_pick_python() {
  if [ -n "${SOVREN_PYTHON:-}" ]; then echo "$SOVREN_PYTHON"; return; fi
  local pyenv_root="${PYENV_ROOT:-$HOME/.pyenv}"
  if [ -x "$pyenv_root/versions/3.11.7/bin/python3.11" ]; then
    echo "$pyenv_root/versions/3.11.7/bin/python3.11"; return
  fi
  local c
  for c in python3.11 python3; do
    if command -v "$c" >/dev/null 2>&1; then command -v "$c"; return; fi
  done
  echo "no python3.11 or python3 found (set SOVREN_PYTHON)" >&2
  return 1
}

cached_venv() {
  local name="$1" link="$2" req="$3" constraints="${4:-}"
  local py want cache venv stamp start
  py="$(sovren_pick_python)" || return 1
  want="$( (cat "$req" ${constraints:+"$constraints"} | sha256sum | cut -d' ' -f1; "$py" -c 'import sys;print(sys.version)') | sha256sum | cut -d' ' -f1)"
  cache="${SOVREN_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/sovren}"
  venv="$cache/venv-$name-${want:0:16}"
  stamp="$venv/.sovren-requirements.sha256"
  CACHED_VENV="$venv"
  if ! { [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; }; then
    start=$(date +%s)
    echo "cached-venv: building $venv with $py ($("$py" -V 2>&1))" >&2
    rm -rf "$venv"
    mkdir -p "$(dirname "$venv")"
    "$py" -m venv "$venv"
    # This machine's pip config adds file:// extra indexes that may not exist; drop that noise only.
    "$venv/bin/python" -m pip install --quiet --upgrade pip==24.3.1 2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
    "$venv/bin/python" -m pip install --quiet -r "$req" ${constraints:+-c "$constraints"} 2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
    echo "$want" > "$stamp"
    echo "cached-venv: built $venv in $(( $(date +%s) - start ))s" >&2
  else
    echo "cached-venv: $venv is up to date (requirements hash ${want:0:12})" >&2
  fi
  if [ -n "$link" ]; then
    mkdir -p "$(dirname "$link")"
    if [ -e "$link" ] && [ ! -L "$link" ]; then rm -rf "$link"; fi
    ln -sfn "$venv" "$link"
  fi
}
