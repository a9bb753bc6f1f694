#!/usr/bin/env bash
# Create (or reuse) the virtualenv of the independent signature verifier
# (scripts/signatures/requirements.txt), linked at .venv/signatures; cached
# across clones by scripts/lib/cached-venv.sh.
# Env: SOVREN_PYTHON, SOVREN_CACHE_DIR (see scripts/lib/cached-venv.sh).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$ROOT/scripts/lib/cached-venv.sh"
cached_venv signatures "$ROOT/.venv/signatures" "$ROOT/scripts/signatures/requirements.txt"
