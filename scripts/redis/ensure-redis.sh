#!/usr/bin/env bash
# Makes sure redis-server is installed, for the Redis tests (issue 14): the
# tests use the machine's Redis at 127.0.0.1:6379 when one answers, and start
# throw-away redis-server processes of their own (free ports, no persistence)
# for the outage tests, or when none answers. Installs Debian's redis-server
# when it is missing (CI runs as root). Does not start or stop any Redis.
set -euo pipefail
bin="${SOVREN_REDIS_SERVER:-redis-server}"
if command -v "$bin" >/dev/null 2>&1; then
  "$bin" --version
  exit 0
fi
echo "ensure-redis: installing Debian's redis-server"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server >/dev/null
# The package may start a system service; the tests need only the binary.
redis-server --version
