#!/usr/bin/env bash
# Stops everything testbed/up.sh started: SIGTERM to each part's process group, a grace
# period, then SIGKILL; then any leftover process of this bed (dockerd's containerd and its
# shims run in sessions of their own) and any mount left under the state dir. Removes
# sockets and pidfiles; keeps data (registry, caches) and the installed binaries.
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
STATE_IN="${TESTBED_STATE:-$REPO/.testbed}"
if [ ! -d "$STATE_IN" ]; then
  echo "[down] nothing to stop: no state dir $STATE_IN" >&2
  exit 0
fi
STATE="$(cd "$STATE_IN" && pwd)"
RUN="$STATE/run"

log() { printf '[down] %s\n' "$*" >&2; }

# One up.sh or down.sh at a time per state dir.
exec 9>"$STATE/.lock"
flock 9

# TESTBED_IF_UNUSED=1 (what the jest teardown sets): leave the bed running while another
# test run still holds a lease on it (<state>/leases/<pid of that run>).
if [ "${TESTBED_IF_UNUSED:-}" = 1 ] && [ -d "$STATE/leases" ]; then
  users=""
  for f in "$STATE/leases"/*; do
    [ -e "$f" ] || continue
    p="${f##*/}"
    if [ "$p" != "${TESTBED_LEASE:-}" ] && kill -0 "$p" 2>/dev/null; then
      users="$users $p"
    else
      rm -f "$f"
    fi
  done
  if [ -n "$users" ]; then
    log "still in use by test run(s) with pid$users: left running"
    exit 0
  fi
fi

# alive_group PGID: some process of that process group is still running. Zombies do not
# count: the parts are children of pid 1, which may reap them only after a while.
alive_group() { ps -eo pgid=,stat= | awk -v g="$1" '$1 == g && $2 !~ /^Z/ {f = 1} END {exit !f}'; }

# stop NAME GRACE_SECONDS
stop() {
  local name="$1" grace="$2" pid i t0
  t0="$(date +%s.%N)"
  pid="$(cat "$RUN/$name.pid" 2>/dev/null || true)"
  [ -n "$pid" ] || return 0
  case "$pid" in *[!0-9]*) rm -f "$RUN/$name.pid"; return 0 ;; esac
  if alive_group "$pid"; then
    # up.sh starts each part with setsid: its pid is the id of its process group.
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < grace * 10; i++)); do
      alive_group "$pid" || break
      sleep 0.1
    done
    if alive_group "$pid"; then
      log "$name (pid $pid) still running after ${grace}s: SIGKILL"
      kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
      for ((i = 0; i < 50; i++)); do
        alive_group "$pid" || break
        sleep 0.1
      done
    fi
    log "$name stopped ($(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f s", b-a}'))"
  fi
  rm -f "$RUN/$name.pid"
}

# Processes of this bed that live outside the groups above: those whose environment has
# TESTBED_OWNER=<state> (set by up.sh, inherited by what they spawn) and daemons whose
# command line names the state dir (containerd started by dockerd, containerd shims).
strays() {
  local d pid comm
  for d in /proc/[0-9]*; do
    pid="${d#/proc/}"
    [ "$pid" = "$$" ] && continue
    if tr '\0' '\n' 2>/dev/null <"$d/environ" | grep -qxF "TESTBED_OWNER=$STATE"; then
      echo "$pid"
      continue
    fi
    comm="$(cat "$d/comm" 2>/dev/null)" || continue
    case "$comm" in
      containerd|containerd-shim*|dockerd|buildkitd|docker-registry|runc|docker-proxy) ;;
      *) continue ;;
    esac
    if tr '\0' ' ' 2>/dev/null <"$d/cmdline" | grep -qF "$STATE/"; then echo "$pid"; fi
  done
}

stop cache-service 10
stop azurite 10
stop moto 10
stop buildkitd 20
stop registry 10
stop dockerd 30

pids="$(strays)"
if [ -n "$pids" ]; then
  log "leftover processes: $(echo $pids)"
  # shellcheck disable=SC2086
  kill -TERM $pids 2>/dev/null || true
  for _ in $(seq 1 50); do [ -n "$(strays)" ] || break; sleep 0.1; done
  pids="$(strays)"
  # shellcheck disable=SC2086
  [ -z "$pids" ] || kill -KILL $pids 2>/dev/null || true
  sleep 0.2
fi

# Mounts left under the state dir (overlay snapshots of a killed daemon), deepest first.
mounts="$(awk -v s="$STATE/" 'index($5, s) == 1 {print $5}' /proc/self/mountinfo | sort -r)"
if [ -n "$mounts" ]; then
  while IFS= read -r m; do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || log "could not unmount $m"
  done <<<"$mounts"
  log "unmounted $(echo "$mounts" | wc -l) leftover mount(s)"
fi

rm -f "$RUN"/*.pid "$RUN"/*.pid.daemon "$RUN"/*.sock
left="$(strays)"
if [ -n "$left" ]; then
  log "ERROR: still running: $(echo $left)"
  exit 1
fi
log "test bed stopped (state kept in $STATE)"
