#!/usr/bin/env bash
# Sets up OpenStack Swift from Debian's packages as the object benchmark's baseline, in the layout
# Kumo's ./stack.sh uses for its own object service: one proxy (2 workers, tempauth, memcached) and
# three storage "nodes" on loopback, each with one device (a plain directory, mount_check = false)
# and one account, container and object server (one worker each); rings of part power 10, 3
# replicas, one device per zone (zones 1-3). Everything lives under .bench/swift (config, rings,
# devices, logs, pid files, the tempauth password). Idempotent: run it again and it only starts
# what is not running (and restarts what runs on a config that changed).
#
#   tools/bench/object/swift-setup.sh [start]   install, configure, build rings, start; prints the URLs
#   tools/bench/object/swift-setup.sh stop      stops every daemon this script started
#   tools/bench/object/swift-setup.sh reset     stop, then remove .bench/swift (rings, data, config)
#
# Auth: http://127.0.0.1:7080/auth/v1.0, X-Auth-User admin:admin, X-Auth-Key in
# .bench/swift/admin.password; storage URL http://127.0.0.1:7080/v1/AUTH_admin.
# Ports (Kumo uses 5000, 6200-6222, 8080, 9292, 35357): proxy 7080, storage node n (0-2):
# object 72n0, container 72n1, account 72n2; memcached 11212 (11211 is the identity bench's).
#
# Debian (bookworm, swift 2.30.1 = Zed) surprises, in the order they bite:
#  * The swift packages' postinsts (and memcached's) try to start their services through
#    invoke-rc.d; there is no systemd here and Docker's /usr/sbin/policy-rc.d (exit 101) denies it,
#    so nothing starts. Where no policy-rc.d exists we put one in place for the install and remove
#    it afterwards, so nothing grabs port 8080 - Kumo's proxy port (Debian's proxy-server.conf
#    has bind_port = 8080 and workers = 20).
#  * `swift` Depends on rsyslog (and logrotate): Swift logs only to syslog (a /dev/log socket or
#    UDP), never to a file. There is no /dev/log here; without one Swift silently falls back to
#    UDP 127.0.0.1:514, where nothing listens, and the logs are lost. We run our own rsyslogd
#    (-f our config, -i our pid file, no system socket, no kernel log) on a unix socket under
#    .bench/swift, writing .bench/swift/log/swift.log, and point every server's log_address at
#    it: Swift logs every request at INFO as in production (so does Kumo), and the logs survive.
#    imuxsock's rate limiting is off, or it would drop most access-log lines.
#  * The hash path prefix/suffix and the storage policies are read from the hard-coded
#    /etc/swift/swift.conf by every server (swift.common.utils.SWIFT_CONF_FILE; swift_dir moves
#    the rings and the other config files, not swift.conf; only swift-recon has --swift-dir).
#    Debian ships /etc/swift/swift.conf with prefix = suffix = "changeme" and Policy-0 as the only
#    (replicated) policy, which is all the bench needs: we leave it as it is and write it only
#    when it is missing. Everything else is passed explicitly (config paths, swift_dir).
#  * Debian's /etc/swift/*-server.conf are the upstream samples (proxy: 20 workers on :8080,
#    storage servers on 6200-6202 = Kumo's ports); we never read them, each daemon is started
#    with its config file under .bench/swift/etc.
#  * Servers drop privileges to `user` (default swift, a user the package creates): every path
#    under .bench (inside a root-only tree) would have to be handed to it, so they run as root
#    (user = root), like the rest of this bench.
#  * tempauth keeps its tokens in memcache only and fails without the cache middleware: memcached
#    is mandatory. memcached refuses to run as root without -u: -u memcache, and we record its pid
#    ourselves (-P is written after dropping privileges, into a root-only directory).
#  * tempauth's accounts do not exist until something creates them: account_autocreate = true.
#  * swift-init wants its configs in /etc/swift (or a path per server) and pid files in
#    /var/run/swift; we start each server directly (swift-*-server CONF, which stays in the
#    foreground and runs its own os.setsid()), record the pids, and stop them with SIGTERM.
set -euo pipefail
ROOT="$(cd "$(dirname "$(readlink -f "$0")")/../../.." && pwd)"
DIR="$ROOT/.bench/swift"
ETC="$DIR/etc"
RUN="$DIR/run"
LOG="$DIR/log"
PROXY_PORT="${SWIFT_BENCH_PORT:-7080}"
MEMCACHED_PORT=11212
SOCK="$DIR/log.sock"

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null && grep -qa "$2" "/proc/$(cat "$1")/cmdline"; }
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# daemon names (pid file = $RUN/<name>.pid) and the command-line word that identifies each
servers=()
for n in 0 1 2; do servers+=("object-$n" "container-$n" "account-$n"); done

stop_one() { # name pattern
  local f="$RUN/$1.pid" pid
  if alive "$f" "$2"; then
    pid=$(cat "$f")
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
    echo "stopped $1 (pid $pid)"
  fi
  rm -f "$f"
}
stop() {
  stop_one proxy swift-proxy-server
  for s in "${servers[@]}"; do stop_one "$s" "swift-${s%-*}-server"; done
  stop_one memcached memcached
  stop_one rsyslogd rsyslogd
}
case "${1:-start}" in
  stop) stop; exit 0 ;;
  reset) stop; rm -rf "$DIR"; echo "removed $DIR"; exit 0 ;;
  start) ;;
  *) echo "usage: $0 [start|stop|reset]" >&2; exit 2 ;;
esac

# --- packages -------------------------------------------------------------------------------
# shellcheck source=tools/bench/peer-packages.sh
. "$ROOT/tools/bench/peer-packages.sh"
install_peer_packages "swift-proxy's would take port 8080" swift swift-proxy swift-object swift-container swift-account python3-swiftclient memcached rsyslog curl
if [ ! -f /etc/swift/swift.conf ]; then
  # the servers read this path and no other (see above); Debian's own content
  mkdir -p /etc/swift
  printf '[swift-hash]\nswift_hash_path_suffix = changeme\nswift_hash_path_prefix = changeme\n\n[storage-policy:0]\nname = Policy-0\ndefault = yes\n' \
    > /etc/swift/swift.conf
fi

# --- layout and config ------------------------------------------------------------------------
mkdir -p "$ETC" "$RUN" "$LOG"
chmod 700 "$DIR"
for n in 0 1 2; do mkdir -p "$DIR/srv/node$n/d$n"; done
umask 077
[ -s "$DIR/admin.password" ] || head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$DIR/admin.password"
ADMINPW=$(cat "$DIR/admin.password")

changed=() # daemons whose config changed
write_conf() { # name file; content on stdin
  local f="$ETC/$2"
  cat > "$f.new"
  if [ -f "$f" ] && cmp -s "$f" "$f.new"; then rm -f "$f.new"; else mv "$f.new" "$f"; changed+=("$1"); fi
}

write_conf rsyslogd rsyslog.conf <<CONF
# written by tools/bench/object/swift-setup.sh - edits are overwritten
module(load="imuxsock" SysSock.Use="off")
input(type="imuxsock" Socket="$SOCK" CreatePath="on" RateLimit.Interval="0")
global(workDirectory="$RUN")
*.* action(type="omfile" file="$LOG/swift.log" asyncWriting="on" flushInterval="1" ioBufferSize="64k")
CONF

common() { # log name
  cat <<CONF
# written by tools/bench/object/swift-setup.sh - edits are overwritten
[DEFAULT]
bind_ip = 127.0.0.1
user = root
swift_dir = $ETC
devices = $DIR/srv/node$2
mount_check = false
log_address = $SOCK
log_name = $1
CONF
}
for n in 0 1 2; do
  write_conf "object-$n" "object-server-$n.conf" <<CONF
$(common "object-$n" "$n")
bind_port = 72${n}0
workers = 1

[pipeline:main]
pipeline = healthcheck recon object-server

[app:object-server]
use = egg:swift#object

[filter:healthcheck]
use = egg:swift#healthcheck

[filter:recon]
use = egg:swift#recon
recon_cache_path = $RUN
CONF
  write_conf "container-$n" "container-server-$n.conf" <<CONF
$(common "container-$n" "$n")
bind_port = 72${n}1
workers = 1

[pipeline:main]
pipeline = healthcheck recon container-server

[app:container-server]
use = egg:swift#container

[filter:healthcheck]
use = egg:swift#healthcheck

[filter:recon]
use = egg:swift#recon
recon_cache_path = $RUN
CONF
  write_conf "account-$n" "account-server-$n.conf" <<CONF
$(common "account-$n" "$n")
bind_port = 72${n}2
workers = 1

[pipeline:main]
pipeline = healthcheck recon account-server

[app:account-server]
use = egg:swift#account

[filter:healthcheck]
use = egg:swift#healthcheck

[filter:recon]
use = egg:swift#recon
recon_cache_path = $RUN
CONF
done

# upstream's proxy pipeline (Debian's sample) minus container_sync (no realms configured)
write_conf proxy proxy-server.conf <<CONF
# written by tools/bench/object/swift-setup.sh - edits are overwritten
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = $PROXY_PORT
workers = 2
user = root
swift_dir = $ETC
log_address = $SOCK
log_name = proxy

[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats bulk tempurl ratelimit tempauth copy container-quotas account-quotas slo dlo versioned_writes symlink proxy-logging proxy-server

[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true

[filter:tempauth]
use = egg:swift#tempauth
user_admin_admin = $ADMINPW .admin .reseller_admin
storage_url_scheme = default

[filter:cache]
use = egg:swift#memcache
memcache_servers = 127.0.0.1:$MEMCACHED_PORT

[filter:catch_errors]
use = egg:swift#catch_errors
[filter:gatekeeper]
use = egg:swift#gatekeeper
[filter:healthcheck]
use = egg:swift#healthcheck
[filter:proxy-logging]
use = egg:swift#proxy_logging
[filter:listing_formats]
use = egg:swift#listing_formats
[filter:bulk]
use = egg:swift#bulk
[filter:tempurl]
use = egg:swift#tempurl
[filter:ratelimit]
use = egg:swift#ratelimit
[filter:copy]
use = egg:swift#copy
[filter:container-quotas]
use = egg:swift#container_quotas
[filter:account-quotas]
use = egg:swift#account_quotas
[filter:slo]
use = egg:swift#slo
[filter:dlo]
use = egg:swift#dlo
[filter:versioned_writes]
use = egg:swift#versioned_writes
[filter:symlink]
use = egg:swift#symlink
CONF

# --- rings: part power 10, 3 replicas, min_part_hours 1, one device per zone ------------------
for ring in object container account; do
  case $ring in object) off=0 ;; container) off=1 ;; account) off=2 ;; esac
  if [ ! -f "$ETC/$ring.ring.gz" ]; then
    rm -f "$ETC/$ring.builder"
    swift-ring-builder "$ETC/$ring.builder" create 10 3 1 >/dev/null
    for n in 0 1 2; do
      swift-ring-builder "$ETC/$ring.builder" add "r1z$((n + 1))-127.0.0.1:72${n}${off}/d$n" 100 >/dev/null
    done
    # exit status 1 = "rebalanced with warnings" (fine here), 2 = error
    rc=0; swift-ring-builder "$ETC/$ring.builder" rebalance >/dev/null || rc=$?
    if [ "$rc" -ge 2 ] || [ ! -f "$ETC/$ring.ring.gz" ]; then echo "could not build the $ring ring" >&2; exit 1; fi
    echo "built $ETC/$ring.ring.gz"
  fi
done

# --- daemons ------------------------------------------------------------------------------------
restart_if_changed() { # name pattern
  local c
  for c in "${changed[@]}"; do
    if [ "$c" = "$1" ] && alive "$RUN/$1.pid" "$2"; then echo "$1: config changed, restarting"; stop_one "$1" "$2"; fi
  done
  return 0
}
start_daemon() { # name pattern port command...
  local name=$1 pattern=$2 port=$3
  shift 3
  restart_if_changed "$name" "$pattern"
  alive "$RUN/$name.pid" "$pattern" && return 0
  rm -f "$RUN/$name.pid"
  if [ "$port" != - ] && listening "$port"; then echo "port $port is taken by something else" >&2; exit 1; fi
  "$@" </dev/null >>"$LOG/$name.out" 2>&1 &
  echo $! > "$RUN/$name.pid"
}
wait_port() { # name port
  for _ in $(seq 1 100); do listening "$2" && return 0; sleep 0.1; done
  echo "$1 did not start on 127.0.0.1:$2; see $LOG/$1.out and $LOG/swift.log" >&2
  tail -20 "$LOG/$1.out" >&2 || true
  exit 1
}

start_daemon rsyslogd rsyslogd - rsyslogd -n -f "$ETC/rsyslog.conf" -i "$RUN/rsyslogd.pid.own"
for _ in $(seq 1 50); do [ -S "$SOCK" ] && break; sleep 0.1; done
[ -S "$SOCK" ] || { echo "rsyslogd did not create $SOCK; see $LOG/rsyslogd.out" >&2; exit 1; }

start_daemon memcached memcached "$MEMCACHED_PORT" \
  memcached -u memcache -l 127.0.0.1 -p "$MEMCACHED_PORT" -m 128 -c 1024
wait_port memcached "$MEMCACHED_PORT"

for n in 0 1 2; do
  start_daemon "object-$n" swift-object-server "72${n}0" swift-object-server "$ETC/object-server-$n.conf"
  start_daemon "container-$n" swift-container-server "72${n}1" swift-container-server "$ETC/container-server-$n.conf"
  start_daemon "account-$n" swift-account-server "72${n}2" swift-account-server "$ETC/account-server-$n.conf"
done
start_daemon proxy swift-proxy-server "$PROXY_PORT" swift-proxy-server "$ETC/proxy-server.conf"
for n in 0 1 2; do
  wait_port "object-$n" "72${n}0"
  wait_port "container-$n" "72${n}1"
  wait_port "account-$n" "72${n}2"
done
wait_port proxy "$PROXY_PORT"

for _ in $(seq 1 100); do curl -fsS -o /dev/null "http://127.0.0.1:$PROXY_PORT/healthcheck" 2>/dev/null && break; sleep 0.2; done
if ! curl -fsS -o /dev/null -H "X-Auth-User: admin:admin" -H "X-Auth-Key: $ADMINPW" "http://127.0.0.1:$PROXY_PORT/auth/v1.0"; then
  echo "swift's proxy does not authenticate admin:admin on 127.0.0.1:$PROXY_PORT; see $LOG" >&2
  tail -20 "$LOG/swift.log" >&2 || true
  exit 1
fi
echo "swift on http://127.0.0.1:$PROXY_PORT (proxy pid $(cat "$RUN/proxy.pid"), 2 workers; auth /auth/v1.0 as" \
  "admin:admin, key in $DIR/admin.password; storage pids: $(cd "$RUN" && for s in "${servers[@]}"; do printf '%s ' "$(cat "$s.pid")"; done))"
