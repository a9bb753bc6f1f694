# Shared helpers for scripts/inference/*.sh (sourced, not executed).
# shellcheck shell=bash
SOVREN_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SOVREN_VENV="$SOVREN_ROOT/.venv/inference"
SOVREN_PY="$SOVREN_VENV/bin/python"
# Pid files and logs; a second head (the benchmark's) needs a directory of its own.
SOVREN_CACHE="${SOVREN_INFERENCE_CACHE:-$SOVREN_ROOT/.cache/inference}"
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

# session_pids LEADER -> pids in the session led by LEADER (started with setsid, so every process
# it spawned, including ones that moved to their own process group, carries that session id).
session_pids() { ps -eo pid=,sid=,stat= | awk -v s="$1" '$2 == s && $3 !~ /^Z/ { print $1 }'; }

# stop_pid_group NAME PIDFILE GRACE_SECONDS [leader|session]
#   leader:  SIGTERM the leader only (it shuts its children down itself), then wait;
#   session: SIGTERM every process of the leader's session at once, then wait.
# After the grace period whatever is left of that session gets SIGKILL. Only those pids are
# signalled; nothing is matched by name.
stop_pid_group() {
  local name="$1" pidfile="$2" grace="${3:-30}" mode="${4:-leader}" pid i left
  pid="$(read_pid "$pidfile")"
  if ! pid_alive "$pid"; then
    rm -f "$pidfile"
    log "$name is not running"
    return 0
  fi
  log "stopping $name (pid $pid)"
  if [ "$mode" = session ]; then
    # shellcheck disable=SC2046
    kill -TERM $(session_pids "$pid") 2>/dev/null || true
  else
    kill -TERM "$pid" 2>/dev/null || true
  fi
  for ((i = 0; i < grace * 5; i++)); do
    [ -z "$(session_pids "$pid")" ] && break
    sleep 0.2
  done
  left="$(session_pids "$pid")"
  if [ -n "$left" ]; then
    log "$name did not stop within ${grace}s; killing pids $(echo $left)"
    # shellcheck disable=SC2086
    kill -KILL $left 2>/dev/null || true
  fi
  rm -f "$pidfile"
  log "$name stopped"
}
