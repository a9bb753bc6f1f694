#!/usr/bin/env bash
# Stop the Ray head started by start-ray.sh (idempotent). Only the processes of that head are
# signalled (by pid / process group), never every Ray process on the machine (`ray stop` would).
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
stop_pid_group ray "$SOVREN_CACHE/ray.pid" "${SOVREN_RAY_STOP_TIMEOUT:-30}" leader
