#!/usr/bin/env bash
# The Ray fan-out speed-up: for each CPU count (default "1 2") start a Ray head with that many
# CPUs and no Serve app (start-ray.sh, SOVREN_RAY_SERVE=0), then time a TRIALS x FACTORS
# simulation REPEATS times on each, interleaved, with inference/bench_fanout.py (the first
# head's runs also time the single-process run), stop the heads, and print the medians and
# the speed-up over the 1-CPU head. The load average is printed before every run: the
# machine's 2 cores are shared, so read the figures with it.
#   SOVREN_BENCH_CPUS ("1 2")  SOVREN_BENCH_TRIALS (10000000)  SOVREN_BENCH_FACTORS (32)
#   SOVREN_BENCH_REPEATS (5)   SOVREN_BENCH_PORT_BASE (38100: head i uses the block from BASE + 1000 i)
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

export SOVREN_RAY_SERVE=0 SOVREN_SKIP_SETUP=1
# 10M scores are 80 MB; leave room for the chunks in flight.
export SOVREN_RAY_OBJECT_STORE_BYTES="${SOVREN_RAY_OBJECT_STORE_BYTES:-536870912}"
mkdir -p "$SOVREN_ROOT/.cache/inference-bench"

# One head per CPU count, all up at once, and the runs interleaved (1, 2, 1, 2, ...): the load
# of a shared machine drifts over minutes, and interleaving spreads it over every CPU count.
head_env() { # head_env INDEX CPUS -> the environment of that head (ports, cache dir)
  local b=$((B + 1000 * $1))
  echo "SOVREN_INFERENCE_CACHE=$SOVREN_ROOT/.cache/inference-bench/head-$2 SOVREN_RAY_NUM_CPUS=$2" \
    "SOVREN_RAY_SERVE_PORT=$((b + 3)) SOVREN_RAY_DASHBOARD_PORT=$((b + 4)) SOVREN_RAY_GCS_PORT=$((b + 5))" \
    "SOVREN_RAY_CLIENT_PORT=$((b + 6)) SOVREN_RAY_NODE_MANAGER_PORT=$((b + 7)) SOVREN_RAY_OBJECT_MANAGER_PORT=$((b + 8))" \
    "SOVREN_RAY_AGENT_GRPC_PORT=$((b + 9)) SOVREN_RAY_AGENT_HTTP_PORT=$((b + 10)) SOVREN_RAY_RUNTIME_ENV_PORT=$((b + 11))" \
    "SOVREN_RAY_METRICS_PORT=$((b + 12)) SOVREN_RAY_MIN_WORKER_PORT=$((b + 100)) SOVREN_RAY_MAX_WORKER_PORT=$((b + 399))"
}
stop_all() {
  local i=0 n
  for n in $CPUS_LIST; do
    mkdir -p "$SOVREN_ROOT/.cache/inference-bench/head-$n"
    env $(head_env $i "$n") bash "$S/stop-ray.sh" >/dev/null 2>&1 || true
    i=$((i + 1))
  done
}

bash "$S/setup-python.sh" >/dev/null
: >"$OUT"
trap stop_all EXIT
i=0
for n in $CPUS_LIST; do
  mkdir -p "$SOVREN_ROOT/.cache/inference-bench/head-$n"
  env $(head_env $i "$n") bash "$S/start-ray.sh"
  i=$((i + 1))
done
for ((r = 1; r <= REPEATS; r++)); do
  i=0
  for n in $CPUS_LIST; do
    gcs=$((B + 1000 * i + 5))
    extra=()
    [ "$i" = 0 ] && extra=(--single)
    log "run $r, $n CPU(s): load average $(cut -d' ' -f1-3 /proc/loadavg)"
    "$SOVREN_PY" "$SOVREN_ROOT/inference/bench_fanout.py" --address "127.0.0.1:$gcs" \
      --trials "$TRIALS" --factors "$FACTORS" --repeats 1 "${extra[@]}" | tee -a "$OUT"
    i=$((i + 1))
  done
done
log "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
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
