# Shared helpers for scripts/inference/*.sh (sourced, not executed).
# shellcheck shell=bash
SOVREN_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SOVREN_VENV="$SOVREN_ROOT/.venv/inference"
SOVREN_PY="$SOVREN_VENV/bin/python"
SOVREN_CACHE="$SOVREN_ROOT/.cache/inference"
mkdir -p "$SOVREN_CACHE"

die() { echo "$(basename "$0"): $*" >&2; exit 1; }
log() { echo "$(basename "$0"): $*"; }

ensure_venv() {
  if [ "${SOVREN_SKIP_SETUP:-0}" != "1" ]; then
    bash "$SOVREN_ROOT/scripts/inference/setup-python.sh" >/dev/null
  fi
  [ -x "$SOVREN_PY" ] || die "no virtualenv at $SOVREN_VENV (run scripts/inference/setup-python.sh)"
}

# Triton's Python backend stub links against libpython3.X.so: put the interpreter's LIBDIR
# (where that shared library lives) on LD_LIBRARY_PATH, as computed by the venv's python.
export_libpython() {
  local libdir ldlib
  libdir="$("$SOVREN_PY" -c 'import sysconfig; print(sysconfig.get_config_var("LIBDIR") or "")')"
  ldlib="$("$SOVREN_PY" -c 'import sysconfig; print(sysconfig.get_config_var("LDLIBRARY") or "")')"
  if [ -z "$libdir" ] || ! ls "$libdir"/libpython3*.so* >/dev/null 2>&1; then
    die "libpython shared library not found in '$libdir' (LDLIBRARY=$ldlib); the interpreter must be built with --enable-shared"
  fi
  export LD_LIBRARY_PATH="$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
}

# port_in_use PORT -> 0 when something accepts connections on 127.0.0.1:PORT
port_in_use() {
  "$SOVREN_PY" - "$1" <<'PY'
import socket, sys
s = socket.socket()
s.settimeout(0.5)
sys.exit(0 if s.connect_ex(("127.0.0.1", int(sys.argv[1]))) == 0 else 1)
PY
}

# http_ok URL [HEADER] -> 0 when GET URL answers 2xx
http_ok() {
  if [ -n "${2:-}" ]; then
    curl -fsS -o /dev/null --max-time 3 -H "$2" "$1" 2>/dev/null
  else
    curl -fsS -o /dev/null --max-time 3 "$1" 2>/dev/null
  fi
}

# elapsed_s START_MS -> seconds since START_MS with one decimal
elapsed_s() {
  local ms=$(( $(date +%s%N) / 1000000 - $1 ))
  printf '%d.%d' $((ms / 1000)) $(((ms % 1000) / 100))
}

pid_alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }

read_pid() { [ -f "$1" ] && cat "$1" 2>/dev/null || true; }

# stop_pid_group NAME PIDFILE GRACE_SECONDS: SIGTERM the leader, wait, then SIGKILL its group.
stop_pid_group() {
  local name="$1" pidfile="$2" grace="${3:-30}" pid i
  pid="$(read_pid "$pidfile")"
  if ! pid_alive "$pid"; then
    rm -f "$pidfile"
    log "$name is not running"
    return 0
  fi
  log "stopping $name (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < grace * 5; i++)); do
    pid_alive "$pid" || break
    sleep 0.2
  done
  if pid_alive "$pid"; then
    log "$name did not stop within ${grace}s; killing its process group"
  fi
  # The leader was started with setsid, so its process group id is its pid; this also ends any
  # children (tritonserver, python backend stubs) left behind.
  kill -KILL -- "-$pid" 2>/dev/null || true
  rm -f "$pidfile"
  log "$name stopped"
}
