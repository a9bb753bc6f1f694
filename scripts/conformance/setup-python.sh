#!/usr/bin/env bash
# Create (or reuse) the conformance virtualenv (schemathesis, pinned in
# scripts/conformance/requirements.txt), linked at .venv/conformance; cached
# across clones by scripts/lib/cached-venv.sh.
# Env: SOVREN_PYTHON, SOVREN_CACHE_DIR (see scripts/lib/cached-venv.sh).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$ROOT/scripts/lib/cached-venv.sh"
cached_venv conformance "$ROOT/.venv/conformance" "$ROOT/scripts/conformance/requirements.txt"
