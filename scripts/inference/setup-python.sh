#!/usr/bin/env bash
# Create (or reuse) the inference core's virtualenv with the exact pins of
# inference/requirements.txt (and constraints.txt), linked at .venv/inference;
# cached across clones by scripts/lib/cached-venv.sh.
# Env: SOVREN_PYTHON, SOVREN_CACHE_DIR (see scripts/lib/cached-venv.sh).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$ROOT/scripts/lib/cached-venv.sh"
cached_venv inference "$ROOT/.venv/inference" "$ROOT/inference/requirements.txt" "$ROOT/inference/constraints.txt"
