#!/usr/bin/env bash
# Start a local Ray head (Jobs API on the dashboard) and the Sovren Ray Serve application, in the
# background, and wait until both answer. Pid, logs and the Serve config under .cache/inference/.
#
# Ports (env overrides; all pinned away from Redis on 6379 and from Triton on 8100-8102):
#   SOVREN_RAY_GCS_PORT            6390   GCS (ray start --port; Ray's default 6379 is Redis here)
#   SOVREN_RAY_DASHBOARD_PORT      8265   dashboard + Jobs REST API
#   SOVREN_RAY_SERVE_PORT          8200   Serve HTTP proxy (Serve's default 8000)
#   SOVREN_RAY_CLIENT_PORT         6391   Ray Client server (default 10001)
#   SOVREN_RAY_NODE_MANAGER_PORT   6392
#   SOVREN_RAY_OBJECT_MANAGER_PORT 6393
#   SOVREN_RAY_AGENT_GRPC_PORT     6394   dashboard agent gRPC
#   SOVREN_RAY_AGENT_HTTP_PORT     6395   dashboard agent HTTP (default 52365)
#   SOVREN_RAY_RUNTIME_ENV_PORT    6396   runtime env agent
#   SOVREN_RAY_METRICS_PORT        6397   Prometheus metrics export
#   SOVREN_RAY_MIN_WORKER_PORT / SOVREN_RAY_MAX_WORKER_PORT  20000 / 20999 (default 10002-19999)
# SOVREN_RAY_TEMP_DIR (/tmp/ray-sovren-<GCS port>): the head's own temp dir. Not Ray's shared
# /tmp/ray: Ray resolves a job driver's address ("auto") from <temp dir>/ray_current_cluster,
# which in a shared /tmp/ray names whichever head on the machine started last.
# Other env: SOVREN_RAY_HOST (127.0.0.1), SOVREN_RAY_NUM_CPUS (2), SOVREN_RAY_OBJECT_STORE_BYTES
# (268435456), SOVREN_RAY_START_TIMEOUT (240 seconds), SOVREN_RAY_SERVE (1; 0 = no Serve app, so
# that its replica's CPU stays free for tasks, as the fan-out benchmark needs).
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

HOST="${SOVREN_RAY_HOST:-127.0.0.1}"
GCS_PORT="${SOVREN_RAY_GCS_PORT:-6390}"
DASH_PORT="${SOVREN_RAY_DASHBOARD_PORT:-8265}"
SERVE_PORT="${SOVREN_RAY_SERVE_PORT:-8200}"
CLIENT_PORT="${SOVREN_RAY_CLIENT_PORT:-6391}"
NM_PORT="${SOVREN_RAY_NODE_MANAGER_PORT:-6392}"
OM_PORT="${SOVREN_RAY_OBJECT_MANAGER_PORT:-6393}"
AGENT_GRPC_PORT="${SOVREN_RAY_AGENT_GRPC_PORT:-6394}"
AGENT_HTTP_PORT="${SOVREN_RAY_AGENT_HTTP_PORT:-6395}"
RTE_PORT="${SOVREN_RAY_RUNTIME_ENV_PORT:-6396}"
METRICS_PORT="${SOVREN_RAY_METRICS_PORT:-6397}"
MIN_WORKER_PORT="${SOVREN_RAY_MIN_WORKER_PORT:-20000}"
MAX_WORKER_PORT="${SOVREN_RAY_MAX_WORKER_PORT:-20999}"
NUM_CPUS="${SOVREN_RAY_NUM_CPUS:-2}"
OBJECT_STORE="${SOVREN_RAY_OBJECT_STORE_BYTES:-268435456}"
TIMEOUT="${SOVREN_RAY_START_TIMEOUT:-240}"
TEMP_DIR="${SOVREN_RAY_TEMP_DIR:-/tmp/ray-sovren-$GCS_PORT}"
PIDFILE="$SOVREN_CACHE/ray.pid"
LOGFILE="$SOVREN_CACHE/ray.log"
SERVE_CONFIG="$SOVREN_CACHE/serve-config.yaml"
WITH_SERVE="${SOVREN_RAY_SERVE:-1}"
DASH="http://$HOST:$DASH_PORT"
SERVE="http://$HOST:$SERVE_PORT"

ensure_venv
# Jobs run their entrypoint through a shell that inherits this environment: `python` must be the
# venv's, and `python -m ray_job` / the Serve import path `ray_serve_app:app` must resolve.
export PATH="$SOVREN_VENV/bin:$PATH"
export PYTHONPATH="$SOVREN_ROOT/inference${PYTHONPATH:+:$PYTHONPATH}"
export RAY_USAGE_STATS_ENABLED=0
# On SIGTERM `ray start --block` first drains the node (default: up to 30 s for Serve proxies to
# quiesce) and then stops its processes; a single local head has nobody to drain to.
export RAY_GRACEFUL_SHUTDOWN_DRAIN_TIMEOUT_S="${RAY_GRACEFUL_SHUTDOWN_DRAIN_TIMEOUT_S:-1}"

tail_log() {
  echo "---- last lines of $LOGFILE ----" >&2
  tail -n 40 "$LOGFILE" >&2 || true; echo >&2
  local f
  for f in "$TEMP_DIR"/session_latest/logs/serve/controller_*.log; do
    [ -f "$f" ] && { echo "---- last lines of $f ----" >&2; tail -n 20 "$f" >&2; }
  done
  return 0
}

wait_for() { # wait_for DESCRIPTION COMMAND...
  local what="$1"; shift
  while ! "$@"; do
    if ! pid_alive "$pid"; then tail_log; rm -f "$PIDFILE"; die "Ray exited while waiting for $what"; fi
    if [ "$(date +%s)" -ge "$deadline" ]; then
      tail_log
      bash "$SOVREN_ROOT/scripts/inference/stop-ray.sh" >&2 || true
      die "timed out after ${TIMEOUT}s waiting for $what"
    fi
    sleep 0.5
  done
}

serve_answers() {
  curl -fsS --max-time 10 -o /dev/null -X POST "$SERVE/simulate" \
    -H 'Content-Type: application/json' -d '{"scenario":"readiness probe","seed":1,"trials":1}' 2>/dev/null
}

pid="$(read_pid "$PIDFILE")"
if pid_alive "$pid"; then
  if http_ok "$DASH/api/version" && { [ "$WITH_SERVE" = 0 ] || { http_ok "$SERVE/-/healthz" && serve_answers; }; }; then
    log "already running (pid $pid): dashboard/jobs $DASH, serve $SERVE/simulate"
    exit 0
  fi
  die "a Ray head started earlier (pid $pid) is running but not ready; run scripts/inference/stop-ray.sh"
fi
for p in "$GCS_PORT" "$DASH_PORT" "$SERVE_PORT" "$CLIENT_PORT" "$NM_PORT" "$OM_PORT" \
         "$AGENT_GRPC_PORT" "$AGENT_HTTP_PORT" "$RTE_PORT" "$METRICS_PORT"; do
  port_in_use "$p" && die "port $p is already in use (see the SOVREN_RAY_*_PORT variables in $0)"
done

start_ms=$(( $(date +%s%N) / 1000000 ))
# --block keeps `ray start` in the foreground watching its processes; on SIGTERM it stops them.
setsid nohup ray start --head --block --disable-usage-stats \
  --node-ip-address "$HOST" --num-cpus "$NUM_CPUS" --num-gpus 0 --temp-dir "$TEMP_DIR" \
  --object-store-memory "$OBJECT_STORE" \
  --port "$GCS_PORT" --ray-client-server-port "$CLIENT_PORT" \
  --node-manager-port "$NM_PORT" --object-manager-port "$OM_PORT" \
  --dashboard-host "$HOST" --dashboard-port "$DASH_PORT" \
  --dashboard-agent-grpc-port "$AGENT_GRPC_PORT" --dashboard-agent-listen-port "$AGENT_HTTP_PORT" \
  --runtime-env-agent-port "$RTE_PORT" --metrics-export-port "$METRICS_PORT" \
  --min-worker-port "$MIN_WORKER_PORT" --max-worker-port "$MAX_WORKER_PORT" \
  >"$LOGFILE" 2>&1 </dev/null &
pid=$!
echo "$pid" >"$PIDFILE"
log "started ray head pid $pid (log $LOGFILE); waiting up to ${TIMEOUT}s"
deadline=$(( $(date +%s) + TIMEOUT ))

wait_for "the dashboard ($DASH/api/version)" http_ok "$DASH/api/version"
wait_for "the Jobs API ($DASH/api/jobs/)" http_ok "$DASH/api/jobs/"
log "ray head ready in $(elapsed_s "$start_ms")s (GCS port $GCS_PORT, dashboard + jobs $DASH)"

[ "$WITH_SERVE" = 0 ] && { log "SOVREN_RAY_SERVE=0: no Serve application"; exit 0; }
serve_ms=$(( $(date +%s%N) / 1000000 ))
cat >"$SERVE_CONFIG" <<YAML
# Generated by scripts/inference/start-ray.sh
proxy_location: HeadOnly
http_options:
  host: $HOST
  port: $SERVE_PORT
applications:
  - name: sovren
    route_prefix: /simulate
    import_path: ray_serve_app:app
YAML
if ! serve deploy "$SERVE_CONFIG" --address "$DASH" >>"$LOGFILE" 2>&1; then
  tail_log
  bash "$SOVREN_ROOT/scripts/inference/stop-ray.sh" >&2 || true
  die "serve deploy failed"
fi
wait_for "Serve ($SERVE/-/healthz)" http_ok "$SERVE/-/healthz"
wait_for "the sovren application (POST $SERVE/simulate)" serve_answers
log "serve ready in $(elapsed_s "$serve_ms")s (total $(elapsed_s "$start_ms")s): POST $SERVE/simulate"
