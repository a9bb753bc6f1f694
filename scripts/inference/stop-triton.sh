#!/usr/bin/env bash
# Stop the Triton started by start-triton.sh (idempotent).
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
stop_pid_group triton "$SOVREN_CACHE/triton.pid" "${SOVREN_TRITON_STOP_TIMEOUT:-40}"
rm -rf "$SOVREN_CACHE/triton-workspace"
