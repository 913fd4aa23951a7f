# Shared helpers of stack.sh, unstack.sh and run_tests.sh (sourced, not run).
# Conventions: every Kumo bridge is named brq*/kumo*, every namespace qdhcp-*/qrouter-*/kumo-*,
# every iptables chain kumo-*, every loop device is backed by a file under .stack/.

KUMO_ROOT="${KUMO_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
STACK_DIR="${KUMO_STACK_DIR:-$KUMO_ROOT/.stack}"
LOG_DIR="$STACK_DIR/logs"
PID_DIR="$STACK_DIR/pids"
PNPM_VERSION="10.34.9"
# shellcheck source=deploy/allinone/services.sh
. "$KUMO_ROOT/deploy/allinone/services.sh"

if [ -t 1 ]; then B=$'\e[1m'; R=$'\e[31m'; G=$'\e[32m'; Y=$'\e[33m'; N=$'\e[0m'; else B=; R=; G=; Y=; N=; fi

say() { printf '%s\n' "$*"; }
warn() { printf '%s\n' "${Y}warning:${N} $*" >&2; }
die() { printf '%s\n' "${R}error:${N} $*" >&2; exit 1; }

have_systemd() { [ -d /run/systemd/system ]; }

elapsed() { local ms=$((($2 - $1) / 1000000)); printf '%d.%01ds' $((ms / 1000)) $((ms % 1000 / 100)); }

# step NAME COMMAND...: prints the step, runs it, prints its duration; on failure prints how to retry.
step() {
  local name="$1"; shift
  local start end rc
  start=$(date +%s%N)
  printf '%s' "${B}==> ${name}${N} ... "
  set +e
  ( set -e; "$@" ) > "$STACK_DIR/step.log" 2>&1
  rc=$?
  set -e
  end=$(date +%s%N)
  if [ "$rc" -eq 0 ]; then
    printf '%s (%s)\n' "${G}ok${N}" "$(elapsed "$start" "$end")"
  else
    printf '%s (%s)\n' "${R}FAILED${N}" "$(elapsed "$start" "$end")"
    say "--- output of '${name}' (last 30 lines) ---"
    tail -n 30 "$STACK_DIR/step.log"
    say "---"
    say "Fix the problem above, then run ${B}${RETRY_COMMAND:-./stack.sh}${N} again: it resumes where it stopped."
    exit "$rc"
  fi
}

# --- packages --------------------------------------------------------------------------------
apt_updated=0
apt_install() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ "${#missing[@]}" -eq 0 ] && return 0
  echo "installing: ${missing[*]}"
  if [ "$apt_updated" -eq 0 ]; then apt-get update -qq; apt_updated=1; fi
  # no service starts during the install where there is no init system to run it
  if ! have_systemd && [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" || { rm -f /usr/sbin/policy-rc.d; return 1; }
    rm -f /usr/sbin/policy-rc.d
  else
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
  fi
}

ensure_pnpm() {
  if ! command -v pnpm >/dev/null || [ "$(pnpm --version 2>/dev/null)" != "$PNPM_VERSION" ]; then
    npm install -g "pnpm@$PNPM_VERSION"
  fi
}

# Node modules from the lockfile, skipped when the lockfile has not changed since the last install.
node_modules_install() {
  ensure_pnpm
  local stamp="$KUMO_ROOT/node_modules/.kumo-lock-sha"
  local sha
  sha=$(sha256sum "$KUMO_ROOT/pnpm-lock.yaml" | cut -d' ' -f1)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sha" ]; then echo "node modules up to date"; return 0; fi
  (cd "$KUMO_ROOT" && pnpm install --frozen-lockfile)
  echo "$sha" > "$stamp"
}

build() { (cd "$KUMO_ROOT" && pnpm build); }

# --- MariaDB and RabbitMQ (shared system services: started, never stopped by us) ---------------
mariadb_running() { mariadb-admin --protocol=socket ping >/dev/null 2>&1 || mariadb-admin -h 127.0.0.1 -u root ping >/dev/null 2>&1; }
rabbitmq_running() { rabbitmqctl -q status >/dev/null 2>&1; }

start_mariadb() {
  mariadb_running && { echo "MariaDB is running"; return 0; }
  if have_systemd; then
    systemctl enable --now mariadb
  else
    [ -d /var/lib/mysql/mysql ] || mariadb-install-db --user=mysql --datadir=/var/lib/mysql
    install -d -o mysql -g mysql /run/mysqld
    start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- --user=mysql
  fi
  local i
  for i in $(seq 1 60); do mariadb_running && { echo "MariaDB is up"; return 0; }; sleep 1; done
  echo "MariaDB did not come up within 60 s"; return 1
}

start_rabbitmq() {
  rabbitmq_running && { echo "RabbitMQ is running"; return 0; }
  if have_systemd; then systemctl enable --now rabbitmq-server; else rabbitmq-server -detached; fi
  timeout 120 rabbitmqctl -q await_startup || { echo "RabbitMQ did not come up within 120 s"; return 1; }
  echo "RabbitMQ is up"
}

# --- Kumo services -----------------------------------------------------------------------------
svc_field() { local IFS="|"; read -r -a f <<< "$1"; echo "${f[$2]:-}"; }

svc_pid() {
  local pidfile="$PID_DIR/$1.pid" pid
  [ -f "$pidfile" ] || return 1
  pid=$(cat "$pidfile")
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

# True when the build is newer than the running process (so a rebuilt tree is picked up).
svc_stale() {
  local name="$1" entry="$2" pidfile="$PID_DIR/$1.pid"
  local newest
  newest=$(find "$KUMO_ROOT/$(dirname "$entry")" "$KUMO_ROOT"/libs/*/dist -name '*.js' -newer "$pidfile" -print -quit 2>/dev/null)
  [ -n "$newest" ]
}

wait_health() {
  local name="$1" url="$2" i
  for i in $(seq 1 60); do
    curl -fsS -o /dev/null --max-time 2 "$url" && return 0
    if ! svc_pid "$name" >/dev/null && ! have_systemd; then break; fi
    sleep 0.5
  done
  echo "$name did not answer $url; last lines of $LOG_DIR/$name.log:"
  tail -n 25 "$LOG_DIR/$name.log" 2>/dev/null || journalctl -u "kumo-$name" -n 25 --no-pager 2>/dev/null
  return 1
}

start_service() {
  local line="$1" name entry port health pid extra
  name=$(svc_field "$line" 0); entry=$(svc_field "$line" 1); port=$(svc_field "$line" 2); health=$(svc_field "$line" 3)
  extra=$(svc_field "$line" 4); extra="${extra//@STACK@/$STACK_DIR}"
  local -a envs=()
  # shellcheck disable=SC2206
  [ -n "$extra" ] && envs=($extra)
  [ -f "$KUMO_ROOT/$entry" ] || { echo "$name is not built: $KUMO_ROOT/$entry is missing"; return 1; }
  mkdir -p "$LOG_DIR" "$PID_DIR"
  if have_systemd; then
    sed -e "s#@ROOT@#$KUMO_ROOT#g" -e "s#@NAME@#$name#g" -e "s#@ENTRY@#$entry#g" -e "s#@CONFIG@#$STACK_DIR/kumo.yaml#g" \
      -e "s#@ENV@#${extra}#g" "$KUMO_ROOT/deploy/systemd/kumo-service.template" > "/etc/systemd/system/kumo-$name.service"
    systemctl daemon-reload
    systemctl enable "kumo-$name" >/dev/null 2>&1
    if systemctl is-active --quiet "kumo-$name"; then
      svc_stale "$name" "$entry" && systemctl restart "kumo-$name"
    else
      systemctl start "kumo-$name"
    fi
    systemctl show -p MainPID --value "kumo-$name" > "$PID_DIR/$name.pid"
  else
    if pid=$(svc_pid "$name"); then
      if svc_stale "$name" "$entry"; then
        echo "restarting $name (build is newer than pid $pid)"
        stop_pid "$name" "$pid"
      else
        echo "$name is running (pid $pid)"
        wait_health "$name" "$health"
        return
      fi
    fi
    rm -f "$PID_DIR/$name.pid"
    # the child writes its own pid, then becomes node (setsid may fork, so $! is not it)
    (cd "$KUMO_ROOT" && env KUMO_CONFIG="$STACK_DIR/kumo.yaml" "${envs[@]}" setsid sh -c 'echo $$ > "$1"; exec node "$2"' kumo-"$name" \
      "$PID_DIR/$name.pid" "$entry" >> "$LOG_DIR/$name.log" 2>&1 < /dev/null &)
    local i
    for i in $(seq 1 50); do [ -s "$PID_DIR/$name.pid" ] && break; sleep 0.1; done
    echo "started $name (pid $(cat "$PID_DIR/$name.pid"), port $port, log $LOG_DIR/$name.log)"
  fi
  wait_health "$name" "$health"
}

stop_pid() {
  local name="$1" pid="$2" i
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$PID_DIR/$name.pid"
}

stop_service() {
  local name="$1" pid
  if have_systemd && [ -f "/etc/systemd/system/kumo-$name.service" ]; then
    systemctl disable --now "kumo-$name" >/dev/null 2>&1 || true
  fi
  if pid=$(svc_pid "$name"); then stop_pid "$name" "$pid"; echo "stopped $name (pid $pid)"; fi
  rm -f "$PID_DIR/$name.pid"
}

port_in_use() { ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }
port_owner_pid() { ss -Hltnp "sport = :$1" 2>/dev/null | sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -1; }

rss_mib() { awk '/VmRSS/ {printf "%.1f", $2/1024}' "/proc/$1/status" 2>/dev/null; }
