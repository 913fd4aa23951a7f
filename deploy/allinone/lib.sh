# shellcheck shell=bash
# deploy/allinone/lib.sh — helpers shared by stack.sh, unstack.sh, run_tests.sh, test/stack and the
# system tests. Sourced, never run: sourcing only defines variables and functions (it needs
# KUMO_ROOT, or finds the repository itself; KUMO_STACK_DIR overrides the state directory).
#
# What Kumo puts on a host, by name (./unstack.sh removes exactly this; every service must follow it):
#   processes    node <repo>/apps/<app>/dist/<entry>.js, working directory <repo>, environment
#                KUMOSTACK_SERVICE=<name>; pid in .stack/pids/<name>.pid, output in .stack/logs/<name>.log
#                (systemd: unit kumo-<name>.service, same log file)
#   bridges      brq<network id prefix> (one per network, as Neutron's linuxbridge agent names them)
#   other links  kumo<...> (veth, tap, vxlan devices Kumo creates outside a namespace)
#   namespaces   qdhcp-<network id>, qrouter-<router id>, kumo-<...>; processes inside them are Kumo's
#   iptables     chains kumo-<...> in any table, IPv4 and IPv6 (rules jumping to them are removed too)
#   loop devices backed by a file under .stack/ (and what is mounted or activated on them)
#   databases    kumo_<service> (integration tests: kumo_test_*) for user kumo@127.0.0.1 / kumo@localhost

KUMO_ROOT="${KUMO_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
STACK_DIR="${KUMO_STACK_DIR:-$KUMO_ROOT/.stack}"
LOG_DIR="$STACK_DIR/logs"
PID_DIR="$STACK_DIR/pids"
KUMO_CONFIG_FILE="$STACK_DIR/kumo.yaml"
PNPM_VERSION="10.34.9"
# seconds a service gets to answer its health check
KUMO_HEALTH_TIMEOUT="${KUMO_HEALTH_TIMEOUT:-60}"
# a service log bigger than this is moved to <name>.log.1 when the service (re)starts
KUMO_LOG_ROTATE_MIB="${KUMO_LOG_ROTATE_MIB:-64}"

# Debian packages the all-in-one stack needs (services.sh adds theirs).
# shellcheck disable=SC2034
KUMO_APT_PACKAGES=(mariadb-server mariadb-client rabbitmq-server python3-openstackclient python3-swiftclient
  curl ca-certificates iproute2 iptables procps util-linux build-essential python3)

# shellcheck source=deploy/allinone/services.sh
. "$KUMO_ROOT/deploy/allinone/services.sh"
# shellcheck source=deploy/allinone/memory.sh
. "$KUMO_ROOT/deploy/allinone/memory.sh"
# shellcheck source=deploy/allinone/system.sh
. "$KUMO_ROOT/deploy/allinone/system.sh"

if [ -t 1 ]; then B=$'\e[1m'; R=$'\e[31m'; G=$'\e[32m'; Y=$'\e[33m'; N=$'\e[0m'; else B=; R=; G=; Y=; N=; fi

say() { printf '%s\n' "$*"; }
warn() { printf '%s\n' "${Y}warning:${N} $*" >&2; }
die() { printf '%s\n' "${R}error:${N} $*" >&2; exit 1; }

have_systemd() { [ -d /run/systemd/system ]; }

now_ns() { date +%s%N; }
elapsed() { local ms=$((($2 - $1) / 1000000)); printf '%d.%01ds' $((ms / 1000)) $((ms % 1000 / 100)); }

# The command that resumes, as the user would type it from where they are.
retry_command() {
  local script="${1:-stack.sh}"
  if [ "$(pwd -P)" = "$(cd "$KUMO_ROOT" && pwd -P)" ]; then echo "./$script"; else echo "cd $KUMO_ROOT && ./$script"; fi
}

# hold_lock SCRIPT ARGS...: re-executes SCRIPT under an exclusive lock on .stack/.lock, so that two
# stack.sh/unstack.sh runs never interleave. The lock is held by flock itself (-o: the services the
# script starts do not inherit it).
hold_lock() {
  [ -n "${KUMOSTACK_LOCKED:-}" ] && return 0
  command -v flock >/dev/null 2>&1 || return 0
  mkdir -p "$STACK_DIR"
  local lock="$STACK_DIR/.lock"
  flock -n "$lock" true || say "waiting for another stack.sh or unstack.sh to finish ..."
  KUMOSTACK_LOCKED=1 exec flock -o "$lock" "$@"
}

# step NAME COMMAND...: prints the step's name, runs it (output to .stack/logs/stack.log), prints its
# duration, its warnings and its last line. On failure: the last lines of its output (which name the
# failing service's log lines) and the one command that resumes.
step() {
  local name="$1"; shift
  local start end rc out="$STACK_DIR/step.log"
  mkdir -p "$LOG_DIR"
  start=$(now_ns)
  printf '%s' "${B}==> ${name}${N} ... "
  set +e
  ( set -e; "$@" ) > "$out" 2>&1 < /dev/null
  rc=$?
  set -e
  end=$(now_ns)
  { printf '=== %s  %s (exit %s, %s)\n' "$(date -Is)" "$name" "$rc" "$(elapsed "$start" "$end")"; cat "$out"; } >> "$LOG_DIR/stack.log"
  if [ "$rc" -eq 0 ]; then
    local last
    last=$(grep -v '^[[:space:]]*$' "$out" | grep -v 'warning:' | tail -n 1 | cut -c1-150 || true)
    printf '%s (%s)%s\n' "${G}ok${N}" "$(elapsed "$start" "$end")" "${last:+  $last}"
    grep 'warning:' "$out" | sed 's/^/    /' || true
    return 0
  fi
  printf '%s (%s)\n' "${R}FAILED${N}" "$(elapsed "$start" "$end")"
  say "--- ${name}: last lines of its output (all of it: $LOG_DIR/stack.log) ---"
  tail -n 40 "$out"
  say "---"
  say "${R}${name} failed.${N} Fix the cause above, then resume with: ${B}${RETRY_COMMAND:-$(retry_command stack.sh)}${N}"
  say "(every step checks before it acts: the steps that succeeded are not redone)"
  exit "$rc"
}

# --- secrets and the database user (stack.sh; run_tests.sh for the integration tests) -----------
gen_hex() { od -An -N "$1" -tx1 /dev/urandom | tr -d ' \n'; }

ensure_secrets() {
  local f="$STACK_DIR/secrets.env" spec name bytes added=()
  (umask 077 && touch "$f") || return 1
  chmod 600 "$f" || return 1
  for spec in "${KUMO_SECRETS[@]}"; do
    name="${spec%%:*}"; bytes=16
    [ "$name" != "$spec" ] && bytes="${spec#*:}"
    grep -q "^${name}=" "$f" || { echo "${name}=$(gen_hex "$bytes")" >> "$f" || return 1; added+=("$name"); }
  done
  if [ "${#added[@]}" -gt 0 ]; then echo "generated ${added[*]} in $f"; else echo "reusing $f"; fi
}

load_secrets() {
  # shellcheck disable=SC1091
  . "$STACK_DIR/secrets.env" || return 1
}

ensure_db_user() {
  # shellcheck disable=SC2016
  if MYSQL_PWD="$KUMO_DB_PASSWORD" mariadb -h 127.0.0.1 -u kumo -N -r -e 'SHOW GRANTS' 2>/dev/null | grep -qF '`kumo\_%`.*' \
    && MYSQL_PWD="$KUMO_DB_PASSWORD" mariadb -u kumo -N -e 'SELECT 1' >/dev/null 2>&1; then
    echo "database user kumo exists with ALL on kumo\\_%.*"
    return 0
  fi
  local host
  for host in 127.0.0.1 localhost; do
    mariadb -u root -e "CREATE USER IF NOT EXISTS 'kumo'@'$host' IDENTIFIED BY '$KUMO_DB_PASSWORD';
      ALTER USER 'kumo'@'$host' IDENTIFIED BY '$KUMO_DB_PASSWORD';
      GRANT ALL PRIVILEGES ON \`kumo\\_%\`.* TO 'kumo'@'$host';" || { echo "could not create the MariaDB user kumo@$host as root"; return 1; }
  done
  mariadb -u root -e "FLUSH PRIVILEGES" || return 1
  echo "database user kumo@127.0.0.1 and kumo@localhost: ALL on kumo\\_%.*"
}

# --- processes ---------------------------------------------------------------------------------
# proc_cmdline PID: its command line, arguments joined by spaces (fails when the process is gone)
proc_cmdline() {
  local -a a=()
  mapfile -d '' -t a 2>/dev/null < "/proc/$1/cmdline" || return 1
  [ "${#a[@]}" -gt 0 ] || return 1
  local IFS=' '
  printf '%s' "${a[*]}"
}

# proc_env PID VAR: the value of VAR in the process's environment (fails when unset)
proc_env() {
  local -a a=()
  local kv
  mapfile -d '' -t a 2>/dev/null < "/proc/$1/environ" || return 1
  for kv in "${a[@]}"; do [ "${kv%%=*}" = "$2" ] && { printf '%s' "${kv#*=}"; return 0; }; done
  return 1
}

# is_kumo_pid PID [NAME [ENTRY]]: PID is a Kumo process of this checkout (node running
# apps/*/dist/*.js from this repository); with NAME, the service NAME (KUMOSTACK_SERVICE, or for a
# process started before that variable existed, one running ENTRY).
is_kumo_pid() {
  local pid="$1" name="${2:-}" entry="${3:-}" cmd cwd svc
  case "$pid" in '' | *[!0-9]* | 0 | 1) return 1 ;; esac
  cmd=$(proc_cmdline "$pid") || return 1
  case "$cmd" in *apps/*/dist/*.js*) ;; *) return 1 ;; esac
  case "$cmd" in
    *"$KUMO_ROOT/apps/"*) ;;
    *) cwd=$(readlink "/proc/$pid/cwd" 2>/dev/null) || return 1; [ "$cwd" = "$KUMO_ROOT" ] || return 1 ;;
  esac
  [ -z "$name" ] && return 0
  if svc=$(proc_env "$pid" KUMOSTACK_SERVICE); then [ "$svc" = "$name" ]; return; fi
  [ -n "$entry" ] && case "$cmd" in *"$entry"*) return 0 ;; esac
  return 1
}

# All Kumo processes of this checkout, whoever started them.
kumo_pids() {
  local d pid
  for d in /proc/[0-9]*; do
    pid="${d#/proc/}"
    [ "$pid" = "$$" ] || [ "$pid" = "${BASHPID:-}" ] && continue
    is_kumo_pid "$pid" && echo "$pid"
  done
  return 0
}

# Seconds since the epoch at which PID started.
proc_start_epoch() {
  local stat btime ticks
  stat=$(< "/proc/$1/stat") || return 1
  stat="${stat##*) }"
  local -a fields
  read -r -a fields <<< "$stat"
  btime=$(awk '/^btime/ {print $2}' /proc/stat)
  ticks=$(getconf CLK_TCK)
  echo $((btime + fields[19] / ticks))
}

rss_mib() { awk '/^VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$1/status" 2>/dev/null; }

# --- ports -------------------------------------------------------------------------------------
port_in_use() {
  if command -v ss >/dev/null 2>&1; then
    ss -Hltn "sport = :$1" 2>/dev/null | grep -q .
  else
    awk -v p="$(printf ':%04X' "$1")" '$4 == "0A" && substr($2, length($2) - 4) == p {f = 1} END {exit !f}' \
      /proc/net/tcp /proc/net/tcp6 2>/dev/null
  fi
}
port_owner_pid() { ss -Hltnp "sport = :$1" 2>/dev/null | sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -n 1; }
pid_comm() { cat "/proc/$1/comm" 2>/dev/null || echo "an unknown process"; }

# --- the service table (deploy/allinone/services.sh) -------------------------------------------
# svc_field LINE INDEX: 0 name, 1 entry, 2 ports, 3 health URL, 4 extra environment
svc_field() { local IFS="|"; local -a fields; read -r -a fields <<< "$1"; echo "${fields[$2]:-}"; }
svc_ports() { local p; p=$(svc_field "$1" 2); echo "${p//,/ }"; }
svc_line() {
  local line
  for line in "${KUMO_SERVICES[@]}"; do [ "${line%%|*}" = "$1" ] && { echo "$line"; return 0; }; done
  return 1
}
svc_names() { local line; for line in "${KUMO_SERVICES[@]}"; do echo "${line%%|*}"; done; }
all_ports() { local line; for line in "${KUMO_SERVICES[@]}"; do svc_ports "$line"; done | tr ' ' '\n' | grep .; }
unit_file() { echo "/etc/systemd/system/kumo-$1.service"; }

# svc_pid NAME: the pid of the running service NAME (fails when it does not run)
svc_pid() {
  local name="$1" line entry pid=""
  line=$(svc_line "$name") || return 1
  entry=$(svc_field "$line" 1)
  if have_systemd && [ -f "$(unit_file "$name")" ]; then
    pid=$(systemctl show -p MainPID --value "kumo-$name" 2>/dev/null || true)
  elif [ -f "$PID_DIR/$name.pid" ]; then
    read -r pid < "$PID_DIR/$name.pid" || true
  fi
  is_kumo_pid "$pid" "$name" "$entry" || return 1
  echo "$pid"
}

# svc_stale NAME ENTRY PID: the build (the app's dist/ or any lib's) is newer than the process
svc_stale() {
  local entry="$2" pid="$3" started app newest
  started=$(proc_start_epoch "$pid") || return 1
  app="${entry%%/dist/*}"
  newest=$(find "$KUMO_ROOT/$app/dist" "$KUMO_ROOT"/libs/*/dist -name '*.js' -newermt "@$started" -print -quit 2>/dev/null || true)
  [ -n "$newest" ] && echo "${newest#"$KUMO_ROOT"/} is newer than the process"
}

# The environment of every service process (the same under systemd and without it).
svc_env() {
  local name="$1" extra="$2"
  printf '%s\n' "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" "HOME=/root" "LANG=C.UTF-8" \
    "KUMO_CONFIG=$KUMO_CONFIG_FILE" "KUMOSTACK_SERVICE=$name"
  kumo_memory_env
  local -a kv=()
  [ -n "$extra" ] && read -r -a kv <<< "${extra//@STACK@/$STACK_DIR}"
  [ "${#kv[@]}" -gt 0 ] && printf '%s\n' "${kv[@]}"
  return 0
}

rotate_log() {
  local log="$LOG_DIR/$1.log" size
  [ -f "$log" ] || return 0
  size=$(stat -c %s "$log")
  if [ "$size" -gt $((KUMO_LOG_ROTATE_MIB * 1024 * 1024)) ]; then mv -f "$log" "$log.1"; echo "moved the $((size / 1048576)) MiB $log to $log.1"; fi
}

# log_tail NAME [N]: the last N lines the service logged since stack.sh last started it
log_tail() {
  local name="$1" n="${2:-25}" log="$LOG_DIR/$1.log"
  if [ -s "$log" ]; then
    echo "--- last lines of $log (since its start) ---"
    awk -v n="$n" '/^=== stack.sh starts / {c = 0; next} {l[c++ % n] = $0} END {s = c > n ? c - n : 0; for (i = s; i < c; i++) print l[i % n]}' "$log"
  elif have_systemd; then
    journalctl -u "kumo-$name" -n "$n" --no-pager 2>/dev/null || true
  else
    echo "($LOG_DIR/$name.log is empty)"
  fi
}

# wait_health NAME URL: until URL answers 2xx (KUMO_HEALTH_TIMEOUT seconds); stops early when the
# process died; on failure prints the service's last log lines.
wait_health() {
  local name="$1" url="$2" deadline
  [ -n "$url" ] || return 0
  deadline=$(($(date +%s) + KUMO_HEALTH_TIMEOUT))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    curl -fsS -o /dev/null --max-time 2 "$url" 2>/dev/null && { echo "$name answers $url"; return 0; }
    if ! svc_pid "$name" >/dev/null; then
      if have_systemd && systemctl is-active --quiet "kumo-$name"; then :; elif ! have_systemd; then
        echo "$name exited before answering $url"; log_tail "$name"; rm -f "$PID_DIR/$name.pid"; return 1
      fi
    fi
    sleep 0.5
  done
  echo "$name did not answer $url within ${KUMO_HEALTH_TIMEOUT} s"
  log_tail "$name"
  return 1
}

# install_unit NAME ENTRY EXTRA: writes kumo-NAME.service from deploy/systemd/kumo-service.template
# (only when it changed); prints "changed" when it did.
install_unit() {
  local name="$1" entry="$2" extra="$3" node tpl envlines="" kv unit
  node=$(command -v node)
  tpl=$(< "$KUMO_ROOT/deploy/systemd/kumo-service.template")
  while IFS= read -r kv; do envlines+="Environment=\"${kv}\""$'\n'; done < <(svc_env "$name" "$extra")
  tpl="${tpl//@NAME@/"$name"}"
  tpl="${tpl//@ENTRY@/"$entry"}"
  tpl="${tpl//@ROOT@/"$KUMO_ROOT"}"
  tpl="${tpl//@NODE@/"$node"}"
  tpl="${tpl//@LOG@/"$LOG_DIR/$name.log"}"
  tpl="${tpl//@ENVIRONMENT@/"${envlines%$'\n'}"}"
  unit=$(unit_file "$name")
  if [ -f "$unit" ] && [ "$(cat "$unit")" = "$tpl" ]; then return 0; fi
  printf '%s\n' "$tpl" > "$unit"
  systemctl daemon-reload
  echo changed
}

# start_service LINE: starts the service of that service-table line unless it runs (restarts it when
# its build is newer than the process), then waits for its health check.
start_service() {
  local line="$1" name entry health extra pid port owner why
  name=$(svc_field "$line" 0); entry=$(svc_field "$line" 1); health=$(svc_field "$line" 3); extra=$(svc_field "$line" 4)
  [ -f "$KUMO_ROOT/$entry" ] || { echo "$name is not built: $KUMO_ROOT/$entry is missing (did the build step succeed?)"; return 1; }
  mkdir -p "$LOG_DIR" "$PID_DIR"
  if pid=$(svc_pid "$name"); then
    if why=$(svc_stale "$name" "$entry" "$pid"); then
      echo "restarting $name (pid $pid): $why"
      stop_service "$name" >/dev/null
    else
      echo "$name is running (pid $pid)"
      wait_health "$name" "$health"
      return
    fi
  fi
  for port in $(svc_ports "$line"); do
    if port_in_use "$port"; then
      owner=$(port_owner_pid "$port")
      echo "$name cannot start: port $port is held by $(pid_comm "${owner:-0}") (pid ${owner:-unknown})"
      return 1
    fi
  done
  rotate_log "$name"
  printf '=== stack.sh starts %s at %s ===\n' "$name" "$(date -Is)" >> "$LOG_DIR/$name.log"
  if have_systemd; then
    install_unit "$name" "$entry" "$extra" >/dev/null
    systemctl enable "kumo-$name" >/dev/null 2>&1
    systemctl restart "kumo-$name"
    pid=$(systemctl show -p MainPID --value "kumo-$name")
    echo "$pid" > "$PID_DIR/$name.pid"
  else
    local -a envs
    mapfile -t envs < <(svc_env "$name" "$extra")
    rm -f "$PID_DIR/$name.pid"
    # a new session, detached from this terminal; the child writes its own pid, then becomes node.
    # It keeps no descriptor of ours beyond 0-2: a caller's lock (`flock /tmp/kumo-stack.lock
    # start_service ...` without -o) would otherwise be held by the service until it stops
    # shellcheck disable=SC2016
    (cd "$KUMO_ROOT" && close_inherited_fds && exec env -i "${envs[@]}" setsid nohup sh -c 'echo $$ > "$1"; shift; exec "$@"' "kumo-$name" \
      "$PID_DIR/$name.pid" "$(command -v node)" "$KUMO_ROOT/$entry" >> "$LOG_DIR/$name.log" 2>&1 < /dev/null &)
    for _ in $(seq 1 50); do [ -s "$PID_DIR/$name.pid" ] && break; sleep 0.1; done
    read -r pid < "$PID_DIR/$name.pid" || true
  fi
  echo "started $name (pid ${pid:-?}, ports $(svc_field "$line" 2), log $LOG_DIR/$name.log)"
  wait_health "$name" "$health"
}

# close_inherited_fds: closes every descriptor of this (sub)shell but 0, 1, 2 and bash's own 255.
close_inherited_fds() {
  local fd
  for fd in /proc/"$BASHPID"/fd/*; do
    fd=${fd##*/}
    case "$fd" in 0 | 1 | 2 | 255) ;; *) eval "exec $fd>&-" 2>/dev/null || true ;; esac
  done
}

# pid_alive PID: the process exists and is not a zombie waiting for its parent
pid_alive() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat="${stat##*) }"
  [ "${stat%% *}" != "Z" ]
}

# stop_pid PID: TERM to its process group, then KILL after 10 s.
stop_pid() {
  local pid="$1"
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 100); do pid_alive "$pid" || return 0; sleep 0.1; done
  kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  sleep 0.2
}

# stop_service NAME: stops the service (systemd unit or pid file); its unit stays installed.
stop_service() {
  local name="$1" pid=""
  pid=$(svc_pid "$name" || true)
  if have_systemd && [ -f "$(unit_file "$name")" ]; then
    systemctl stop "kumo-$name" 2>/dev/null || true
  fi
  if [ -n "$pid" ]; then
    stop_pid "$pid"
    echo "stopped $name (pid $pid)"
  fi
  rm -f "$PID_DIR/$name.pid"
}
