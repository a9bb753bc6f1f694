#!/usr/bin/env bash
# Third-party conformance: runs schemathesis (pinned in requirements.txt) with
# every check against the real, built reference server on one database, and
# fails on any failure. Usage:
#   scripts/conformance/schemathesis.sh pglite|postgres [--max-examples N] [--seed N]
# Needs `pnpm build` (packages/server/dist/cli.js) and, for postgres, the local
# PostgreSQL (SOVREN_TEST_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/test),
# on which it creates a fresh database and drops it afterwards.
# Writes to $OUT (default .cache/conformance/<db>): server.log, schemathesis.log,
# the junit report, and summary.json {database, cases, failures, errors, durationSeconds,
# serverErrorLines, exitCode}. Exit code 0 only when schemathesis passed, it ran at least
# SOVREN_CONFORMANCE_MIN_CASES cases (default 1000) and the server logged no error line.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DB="${1:-}"; shift || true
case "$DB" in pglite|postgres) ;; *) echo "usage: $0 pglite|postgres [--max-examples N] [--seed N]" >&2; exit 2;; esac
MAX_EXAMPLES="${SOVREN_CONFORMANCE_MAX_EXAMPLES:-40}"
SEED="${SOVREN_CONFORMANCE_SEED:-}"
while [ $# -gt 0 ]; do
  case "$1" in
    --max-examples) MAX_EXAMPLES="$2"; shift 2;;
    --seed) SEED="$2"; shift 2;;
    *) echo "unknown argument $1" >&2; exit 2;;
  esac
done
MIN_CASES="${SOVREN_CONFORMANCE_MIN_CASES:-1000}"
OUT="${OUT:-$ROOT/.cache/conformance/$DB}"
ST="$ROOT/.venv/conformance/bin/schemathesis"
CLI="$ROOT/packages/server/dist/cli.js"
ADMIN_URL="${SOVREN_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}"

[ -x "$ST" ] || bash "$ROOT/scripts/conformance/setup-python.sh" >&2 || exit 1
[ -f "$CLI" ] || { echo "$CLI missing: run pnpm build first" >&2; exit 1; }
rm -rf "$OUT"; mkdir -p "$OUT"

PORT="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
DATA_DIR="$(mktemp -d)"
DBNAME=""
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null; fi
  if [ -n "$DBNAME" ]; then psql "$ADMIN_URL" -qAtc "DROP DATABASE IF EXISTS $DBNAME WITH (FORCE)" >/dev/null 2>&1; fi
  rm -rf "$DATA_DIR"
}
trap cleanup EXIT

env_db=()
if [ "$DB" = postgres ]; then
  DBNAME="sovren_conformance_$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
  psql "$ADMIN_URL" -qAtc "CREATE DATABASE $DBNAME" || { echo "cannot create database on $ADMIN_URL" >&2; exit 1; }
  env_db=(DATABASE_URL="${ADMIN_URL%/*}/$DBNAME")
else
  env_db=(SOVREN_DATA_DIR="$DATA_DIR/pglite")
fi

# A high rate limit (schemathesis is the only client) and a short delivery delay.
env "${env_db[@]}" PORT="$PORT" HOST=127.0.0.1 SOVREN_LOG_LEVEL=info SOVREN_RATE_LIMIT_RPS=100000 \
  SOVREN_DELIVERY_DELAY_MS=20 node "$CLI" serve > "$OUT/server.log" 2>&1 &
SERVER_PID=$!
BASE="http://127.0.0.1:$PORT"
for _ in $(seq 1 100); do
  curl -fsS "$BASE/v1/health" >/dev/null 2>&1 && break
  kill -0 "$SERVER_PID" 2>/dev/null || { echo "server exited:"; cat "$OUT/server.log"; exit 1; }
  sleep 0.2
done
TOKEN="$(node "$CLI" token --tenant "conformance-$DB" --ttl 30m)"
# The token's own tenant in X-Tenant-ID too: a generated tenant would only ever
# meet the documented 403 (another tenant than the credential's), never the API.

start=$(date +%s)
seed_args=()
[ -n "$SEED" ] && seed_args=(--seed "$SEED")
# From $OUT, so the tool's own cache (.schemathesis/) stays out of the tree.
(cd "$OUT" && timeout "${SOVREN_CONFORMANCE_TIMEOUT:-480}" "$ST" --config-file "$ROOT/scripts/conformance/schemathesis.toml" run "$ROOT/openapi/sovren.v1.yaml" \
  --url "$BASE" \
  -H "Authorization: Bearer $TOKEN" \
  -H "X-Tenant-ID: conformance-$DB" \
  --checks all \
  --max-examples "$MAX_EXAMPLES" \
  "${seed_args[@]}" \
  --workers "${SOVREN_CONFORMANCE_WORKERS:-1}" \
  --request-timeout 10 \
  --report junit,ndjson --report-dir "$OUT" \
  --no-color > "$OUT/schemathesis.log" 2>&1)
code=$?
duration=$(( $(date +%s) - start ))

# Error-level server lines (the logger writes JSON lines with "level":"error").
error_lines=$(grep -c '"level":"error"' "$OUT/server.log" || true)
node "$ROOT/scripts/conformance/summarize.mjs" "$OUT" "$DB" "$code" "$duration" "$error_lines" "$MIN_CASES"
