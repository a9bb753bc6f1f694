#!/usr/bin/env bash
# Set up the venv, start Triton and Ray, run inference/tests with the servers required, stop the
# servers again (also on failure). Extra arguments go to pytest. Prints per-step timings.
#   SOVREN_INFERENCE_UNIT_ONLY=1  run only the unit tests (no servers)
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
S="$SOVREN_ROOT/scripts/inference"

t0=$(( $(date +%s%N) / 1000000 ))
bash "$S/setup-python.sh"
log "setup: $(elapsed_s "$t0")s"

if [ "${SOVREN_INFERENCE_UNIT_ONLY:-0}" = "1" ]; then
  exec "$SOVREN_PY" -m pytest "$SOVREN_ROOT/inference/tests" -q -p no:cacheprovider "$@"
fi

cleanup() {
  bash "$S/stop-triton.sh" || true
  bash "$S/stop-ray.sh" || true
}
trap cleanup EXIT

t=$(( $(date +%s%N) / 1000000 )); bash "$S/start-triton.sh"; log "start-triton: $(elapsed_s "$t")s"
t=$(( $(date +%s%N) / 1000000 )); bash "$S/start-ray.sh"; log "start-ray: $(elapsed_s "$t")s"
t=$(( $(date +%s%N) / 1000000 ))
set +e
SOVREN_REQUIRE_SERVERS=1 "$SOVREN_PY" -m pytest "$SOVREN_ROOT/inference/tests" -q -p no:cacheprovider "$@"
rc=$?
set -e
log "pytest: $(elapsed_s "$t")s (exit $rc); total $(elapsed_s "$t0")s"
exit $rc
