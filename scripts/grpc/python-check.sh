#!/usr/bin/env bash
# Runs scripts/grpc/python_check.py (stock Python grpcio clients: health,
# reflection, BadRequest details, UNIMPLEMENTED) against a fresh reference
# server. The venv is cached by scripts/lib/cached-venv.sh. Needs `pnpm build` first.
#
#   bash scripts/grpc/python-check.sh          # optional; not part of `pnpm test`
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
REQ="$ROOT/scripts/grpc/requirements.txt"
source "$ROOT/scripts/lib/cached-venv.sh"
cached_venv grpc-python "" "$REQ"
VENV="$CACHED_VENV"

PORT="${PORT:-$((20000 + RANDOM % 20000))}"
CLI="$ROOT/packages/server/dist/cli.js"
PORT="$PORT" SOVREN_LOG_LEVEL=warn node "$CLI" serve >/dev/null 2>&1 &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true' EXIT
for _ in $(seq 1 60); do
  curl -fs "http://127.0.0.1:$PORT/v1/health" >/dev/null 2>&1 && break
  sleep 0.5
done
TOKEN="$(node "$CLI" token --tenant python-check 2>/dev/null | tail -1)"
"$VENV/bin/python" "$ROOT/scripts/grpc/python_check.py" "127.0.0.1:$PORT" "$TOKEN"
