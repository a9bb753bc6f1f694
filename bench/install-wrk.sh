#!/usr/bin/env bash
# Installs wrk (Debian's package) when it is missing; used by the benchmarks
# (bench/wrk.mjs) and by .ci/run. Needs root or passwordless sudo; otherwise
# the benchmarks fall back to autocannon alone and say so.
set -euo pipefail
command -v wrk >/dev/null 2>&1 && exit 0
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo -n"
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null 2>&1 \
  || { $SUDO apt-get update -qq && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
