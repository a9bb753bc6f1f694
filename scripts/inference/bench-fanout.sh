#!/usr/bin/env bash
# The Ray fan-out speed-up: for each CPU count (default "1 2") start a Ray head with that many
# CPUs and no Serve app (start-ray.sh, SOVREN_RAY_SERVE=0), time a TRIALS x FACTORS simulation
# REPEATS times with inference/bench_fanout.py, stop the head; then print the medians and the
# speed-up over the 1-CPU run. The load average is printed before and after each step: the
# machine's 2 cores are shared, so read the figures with it.
#   SOVREN_BENCH_CPUS ("1 2")  SOVREN_BENCH_TRIALS (10000000)  SOVREN_BENCH_FACTORS (32)
#   SOVREN_BENCH_REPEATS (5)   SOVREN_BENCH_PORT_BASE (38100: the Ray port block, as the tests')
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
S="$SOVREN_ROOT/scripts/inference"
CPUS_LIST="${SOVREN_BENCH_CPUS:-1 2}"
TRIALS="${SOVREN_BENCH_TRIALS:-10000000}"
FACTORS="${SOVREN_BENCH_FACTORS:-32}"
REPEATS="${SOVREN_BENCH_REPEATS:-5}"
B="${SOVREN_BENCH_PORT_BASE:-38100}"
OUT="$SOVREN_ROOT/.cache/inference-bench/bench-fanout.jsonl"

export SOVREN_RAY_SERVE=0 SOVREN_SKIP_SETUP=1 SOVREN_INFERENCE_CACHE="$SOVREN_ROOT/.cache/inference-bench"
mkdir -p "$SOVREN_INFERENCE_CACHE"
export SOVREN_RAY_SERVE_PORT=$((B + 3)) SOVREN_RAY_DASHBOARD_PORT=$((B + 4)) SOVREN_RAY_GCS_PORT=$((B + 5))
export SOVREN_RAY_CLIENT_PORT=$((B + 6)) SOVREN_RAY_NODE_MANAGER_PORT=$((B + 7)) SOVREN_RAY_OBJECT_MANAGER_PORT=$((B + 8))
export SOVREN_RAY_AGENT_GRPC_PORT=$((B + 9)) SOVREN_RAY_AGENT_HTTP_PORT=$((B + 10)) SOVREN_RAY_RUNTIME_ENV_PORT=$((B + 11))
export SOVREN_RAY_METRICS_PORT=$((B + 12)) SOVREN_RAY_MIN_WORKER_PORT=$((B + 100)) SOVREN_RAY_MAX_WORKER_PORT=$((B + 399))
# 10M scores are 80 MB; leave room for the chunks in flight.
export SOVREN_RAY_OBJECT_STORE_BYTES="${SOVREN_RAY_OBJECT_STORE_BYTES:-536870912}"

bash "$S/setup-python.sh" >/dev/null
: >"$OUT"
trap 'bash "$S/stop-ray.sh" >/dev/null 2>&1 || true' EXIT
first=1
for n in $CPUS_LIST; do
  SOVREN_RAY_NUM_CPUS="$n" bash "$S/start-ray.sh"
  log "load average before ($n CPU): $(cut -d' ' -f1-3 /proc/loadavg)"
  extra=()
  [ "$first" = 1 ] && extra=(--single)
  "$SOVREN_PY" "$SOVREN_ROOT/inference/bench_fanout.py" --address "127.0.0.1:$SOVREN_RAY_GCS_PORT" \
    --trials "$TRIALS" --factors "$FACTORS" --repeats "$REPEATS" "${extra[@]}" | tee -a "$OUT"
  log "load average after ($n CPU): $(cut -d' ' -f1-3 /proc/loadavg)"
  bash "$S/stop-ray.sh"
  first=0
done
"$SOVREN_PY" - "$OUT" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
med = {}
for kind, cpus in sorted({(r["kind"], r["cpus"]) for r in rows}, key=lambda k: (k[0] != "single", k[1])):
    secs = sorted(r["seconds"] for r in rows if r["kind"] == kind and r["cpus"] == cpus)
    med[(kind, cpus)] = statistics.median(secs)
base = med.get(("fanout", 1))
print("| run | CPUs given to Ray | runs (s) | median (s) | speed-up vs 1 CPU |")
print("|---|---|---|---|---|")
for (kind, cpus), m in med.items():
    secs = ", ".join(f"{r['seconds']:.2f}" for r in rows if r["kind"] == kind and r["cpus"] == cpus)
    label = "single process (no Ray)" if kind == "single" else "Ray tasks"
    up = f"{base / m:.2f}x" if base and kind == "fanout" else "-"
    print(f"| {label} | {cpus if kind == 'fanout' else '-'} | {secs} | {m:.2f} | {up} |")
PY
