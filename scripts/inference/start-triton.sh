#!/usr/bin/env bash
# Start the Sovren Triton server (PyTriton, model sovren_simulation) in the background and wait
# until it is ready. Pid and log under .cache/inference/.
#
# Env: SOVREN_TRITON_HOST (127.0.0.1), SOVREN_TRITON_HTTP_PORT (8100), SOVREN_TRITON_GRPC_PORT
# (8101), SOVREN_TRITON_METRICS_PORT (8102), SOVREN_TRITON_ACCESS_TOKEN (generated and written to
# .cache/inference/triton-access-token when unset), SOVREN_TRITON_START_TIMEOUT (180 seconds).
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

HOST="${SOVREN_TRITON_HOST:-127.0.0.1}"
HTTP_PORT="${SOVREN_TRITON_HTTP_PORT:-8100}"
GRPC_PORT="${SOVREN_TRITON_GRPC_PORT:-8101}"
METRICS_PORT="${SOVREN_TRITON_METRICS_PORT:-8102}"
TIMEOUT="${SOVREN_TRITON_START_TIMEOUT:-180}"
PIDFILE="$SOVREN_CACHE/triton.pid"
LOGFILE="$SOVREN_CACHE/triton.log"
BASE="http://127.0.0.1:$HTTP_PORT"
[ "$HOST" = "0.0.0.0" ] || [ "$HOST" = "127.0.0.1" ] || BASE="http://$HOST:$HTTP_PORT"

ensure_venv
export_libpython

pid="$(read_pid "$PIDFILE")"
if pid_alive "$pid"; then
  if http_ok "$BASE/v2/models/sovren_simulation/ready"; then
    log "already running (pid $pid) at $BASE"
    exit 0
  fi
  die "a Triton started earlier (pid $pid) is running but not ready; run scripts/inference/stop-triton.sh"
fi
for p in "$HTTP_PORT" "$GRPC_PORT" "$METRICS_PORT"; do
  if port_in_use "$p"; then
    die "port $p is already in use (set SOVREN_TRITON_HTTP_PORT / _GRPC_PORT / _METRICS_PORT)"
  fi
done

rm -rf "$SOVREN_CACHE/triton-workspace" "$SOVREN_CACHE/triton-access-token"
start_ms=$(( $(date +%s%N) / 1000000 ))
SOVREN_TRITON_HOST="$HOST" SOVREN_TRITON_HTTP_PORT="$HTTP_PORT" SOVREN_TRITON_GRPC_PORT="$GRPC_PORT" \
SOVREN_TRITON_METRICS_PORT="$METRICS_PORT" \
SOVREN_TRITON_TOKEN_FILE="$SOVREN_CACHE/triton-access-token" \
SOVREN_TRITON_WORKSPACE="$SOVREN_CACHE/triton-workspace" \
PYTHONUNBUFFERED=1 \
  setsid nohup "$SOVREN_PY" "$SOVREN_ROOT/inference/triton_model.py" >"$LOGFILE" 2>&1 </dev/null &
pid=$!
echo "$pid" >"$PIDFILE"
log "started pid $pid (log $LOGFILE); waiting up to ${TIMEOUT}s for $BASE"

deadline=$(( $(date +%s) + TIMEOUT ))
while :; do
  if ! pid_alive "$pid"; then
    echo "---- last lines of $LOGFILE ----" >&2; tail -n 40 "$LOGFILE" >&2 || true; echo >&2
    rm -f "$PIDFILE"
    die "Triton exited during start-up (see above)"
  fi
  if http_ok "$BASE/v2/health/ready" && http_ok "$BASE/v2/models/sovren_simulation/ready"; then
    break
  fi
  if [ "$(date +%s)" -ge "$deadline" ]; then
    echo "---- last lines of $LOGFILE ----" >&2; tail -n 40 "$LOGFILE" >&2 || true; echo >&2
    bash "$SOVREN_ROOT/scripts/inference/stop-triton.sh" >&2 || true
    die "Triton not ready after ${TIMEOUT}s (GET $BASE/v2/health/ready and /v2/models/sovren_simulation/ready)"
  fi
  sleep 0.5
done
log "ready in $(elapsed_s "$start_ms")s: HTTP $BASE, gRPC $HOST:$GRPC_PORT, metrics http://$HOST:$METRICS_PORT/metrics"
