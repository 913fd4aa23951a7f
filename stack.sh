#!/usr/bin/env bash
# ./stack.sh — brings the whole Kumo cloud up on this host (all-in-one), idempotently.
# Re-run it at any time: every step checks before it acts, so it resumes after a failure and
# brings everything back after a reboot. ./unstack.sh stops what it started.
set -euo pipefail
KUMO_ROOT="$(cd "$(dirname "$(readlink -f "$0")")" && pwd)"
export KUMO_ROOT
# shellcheck source=deploy/allinone/lib.sh
. "$KUMO_ROOT/deploy/allinone/lib.sh"
RETRY_COMMAND="./stack.sh"
mkdir -p "$STACK_DIR" "$LOG_DIR" "$PID_DIR"
chmod 700 "$STACK_DIR"

APT_PACKAGES=(mariadb-server mariadb-client rabbitmq-server python3-openstackclient python3-swiftclient curl ca-certificates iproute2 procps build-essential python3)

# --- preflight ---------------------------------------------------------------------------------
preflight() {
  local problems=()
  [ "$(id -u)" -eq 0 ] || problems+=("must run as root (it installs packages and starts services); try: sudo ./stack.sh")
  if [ -r /etc/os-release ]; then
    # shellcheck disable=SC1091
    . /etc/os-release
    case "${ID:-} ${ID_LIKE:-}" in *debian*|*ubuntu*) ;; *) problems+=("needs Debian 12 or Ubuntu 22.04+, this is ${PRETTY_NAME:-unknown}");; esac
  fi
  local node_major
  node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
  [ "$node_major" -ge 20 ] || problems+=("needs Node.js >= 20, have $(node --version 2>/dev/null || echo none)")
  local avail_mib need_mib=2048
  avail_mib=$(awk '/MemAvailable/ {print int($2/1024)}' /proc/meminfo)
  [ "$avail_mib" -ge "$need_mib" ] || problems+=("needs ${need_mib} MiB of available RAM, have ${avail_mib} MiB")
  local free_mib need_disk=5120
  free_mib=$(df -Pm "$KUMO_ROOT" | awk 'NR==2 {print $4}')
  [ "$free_mib" -ge "$need_disk" ] || problems+=("needs ${need_disk} MiB free on $(df -P "$KUMO_ROOT" | awk 'NR==2 {print $6}'), have ${free_mib} MiB")
  local line name port owner ours
  for line in "${KUMO_SERVICES[@]}"; do
    name=$(svc_field "$line" 0); port=$(svc_field "$line" 2)
    if port_in_use "$port"; then
      owner=$(port_owner_pid "$port"); ours=$(svc_pid "$name" || true)
      if [ -z "$ours" ] || [ "$owner" != "$ours" ]; then
        problems+=("port $port (for $name) is taken by $(ps -o comm= -p "${owner:-0}" 2>/dev/null || echo 'another process') pid ${owner:-?}")
      fi
    fi
  done
  if [ ! -e /dev/kvm ]; then
    warn "/dev/kvm is missing: guests will run under QEMU's software emulation (TCG), slowly"
  fi
  if [ "${#problems[@]}" -gt 0 ]; then
    say "${R}preflight failed:${N}"
    printf '  - %s\n' "${problems[@]}"
    exit 1
  fi
  say "preflight ok: ${avail_mib} MiB RAM available, ${free_mib} MiB disk free, Node $(node --version)"
}

# --- secrets and configuration ------------------------------------------------------------------
ensure_secrets() {
  local f="$STACK_DIR/secrets.env"
  if [ ! -f "$f" ]; then
    umask 077
    {
      echo "KUMO_DB_PASSWORD=$(openssl rand -hex 16 2>/dev/null || head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
      echo "ADMIN_PASSWORD=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
      echo "DEMO_PASSWORD=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
      echo "SERVICE_PASSWORD=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
    } > "$f"
    echo "generated $f"
  fi
  grep -q '^SWIFT_HASH_PREFIX=' "$f" || echo "SWIFT_HASH_PREFIX=$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')" >> "$f"
  grep -q '^SWIFT_HASH_SUFFIX=' "$f" || echo "SWIFT_HASH_SUFFIX=$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')" >> "$f"
  chmod 600 "$f"
}

load_secrets() {
  # shellcheck disable=SC1091
  . "$STACK_DIR/secrets.env"
}

ensure_db_user() {
  load_secrets
  local host
  for host in 127.0.0.1 localhost; do
    mariadb -u root -e "CREATE USER IF NOT EXISTS 'kumo'@'$host' IDENTIFIED BY '$KUMO_DB_PASSWORD';
      ALTER USER 'kumo'@'$host' IDENTIFIED BY '$KUMO_DB_PASSWORD';
      GRANT ALL PRIVILEGES ON \`kumo\\_%\`.* TO 'kumo'@'$host';"
  done
  mariadb -u root -e "FLUSH PRIVILEGES"
  echo "database user kumo can manage kumo_* databases"
}

object_section() {
  cat <<YAML
object:
  proxy_port: 8080
  bind_host: 0.0.0.0
  ring_dir: ${STACK_DIR}/object/rings
  hash_path_prefix: ${SWIFT_HASH_PREFIX}
  hash_path_suffix: ${SWIFT_HASH_SUFFIX}
  devices: ${STACK_DIR}/object/node1
  auth_url: http://127.0.0.1:5000/v3
  service_password: ${SERVICE_PASSWORD}
YAML
}

write_config() {
  local f="$STACK_DIR/kumo.yaml"
  load_secrets
  if [ -f "$f" ]; then
    echo "keeping $f (edit it freely; delete it to regenerate)"
    # sections of services added since the file was written
    grep -q '^object:' "$f" || { object_section >> "$f"; echo "added the object section"; }
    return 0
  fi
  umask 077
  cat > "$f" <<YAML
# Kumo configuration written by ./stack.sh (kept on re-runs). KUMO_<SECTION>_<KEY> overrides a key.
database:
  url: mysql://kumo:${KUMO_DB_PASSWORD}@127.0.0.1:3306
messaging:
  url: amqp://guest:guest@127.0.0.1:5672
  exchange_prefix: kumo
logging:
  level: info
identity:
  port: 5000
  bind_host: 0.0.0.0
  public_url: http://127.0.0.1:5000
  key_repository: ${STACK_DIR}/identity/keys
  service_password: ${SERVICE_PASSWORD}
YAML
  object_section >> "$f"
  echo "wrote $f"
}

# Three storage nodes on loopback, one device each, in three zones; three replicas of everything.
object_rings() {
  local dir="$STACK_DIR/object/rings" ring n
  mkdir -p "$dir"
  for n in 1 2 3; do mkdir -p "$STACK_DIR/object/node$n/d$n"; done
  for ring in account container object; do
    [ -f "$dir/$ring.ring.gz" ] && continue
    local offset=0
    case "$ring" in container) offset=1;; account) offset=2;; esac
    rm -f "$dir/$ring.builder"
    node "$KUMO_ROOT/apps/object/dist/ring/ring.cli.js" "$dir/$ring.builder" create 10 3 1
    for n in 1 2 3; do
      node "$KUMO_ROOT/apps/object/dist/ring/ring.cli.js" "$dir/$ring.builder" add --region 1 --zone "$n" --ip 127.0.0.1 \
        --port "$((6200 + (n - 1) * 10 + offset))" --device "d$n" --weight 100
    done
    node "$KUMO_ROOT/apps/object/dist/ring/ring.cli.js" "$dir/$ring.builder" rebalance --seed 1
  done
  echo "rings in $dir"
}

manage() { KUMO_CONFIG="$STACK_DIR/kumo.yaml" "$KUMO_ROOT/bin/kumo-manage" "$@"; }

bootstrap_identity() {
  load_secrets
  manage bootstrap --admin-password "$ADMIN_PASSWORD"
}

write_openrc() {
  load_secrets
  local who project password f
  for who in admin demo; do
    f="$STACK_DIR/$who-openrc.sh"
    if [ "$who" = admin ]; then password="$ADMIN_PASSWORD"; project=admin; else password="$DEMO_PASSWORD"; project=demo; fi
    umask 077
    cat > "$f" <<RC
# Kumo credentials for the $who user (written by ./stack.sh). Usage: source $f
export OS_AUTH_URL=http://127.0.0.1:5000/v3
export OS_IDENTITY_API_VERSION=3
export OS_AUTH_TYPE=password
export OS_USERNAME=$who
export OS_PASSWORD='$password'
export OS_PROJECT_NAME=$project
export OS_USER_DOMAIN_NAME=Default
export OS_PROJECT_DOMAIN_NAME=Default
export OS_REGION_NAME=RegionOne
export OS_INTERFACE=public
RC
  done
  echo "wrote $STACK_DIR/admin-openrc.sh and $STACK_DIR/demo-openrc.sh"
}

os_admin() {
  load_secrets
  env -i PATH="$PATH" HOME="${HOME:-/root}" OS_AUTH_URL=http://127.0.0.1:5000/v3 OS_IDENTITY_API_VERSION=3 OS_AUTH_TYPE=password \
    OS_USERNAME=admin OS_PASSWORD="$ADMIN_PASSWORD" OS_PROJECT_NAME=admin OS_USER_DOMAIN_NAME=Default \
    OS_PROJECT_DOMAIN_NAME=Default OS_REGION_NAME=RegionOne openstack "$@"
}

ensure_demo() {
  load_secrets
  os_admin project show demo -f value -c id >/dev/null 2>&1 || os_admin project create --description 'Demo project' demo -f value -c id
  if os_admin user show demo -f value -c id >/dev/null 2>&1; then
    os_admin user set --password "$DEMO_PASSWORD" demo
  else
    os_admin user create --password "$DEMO_PASSWORD" --project demo demo -f value -c id
  fi
  os_admin role add --user demo --project demo member
  echo "demo project with user demo (member)"
}

start_services() {
  local line
  for line in "${KUMO_SERVICES[@]}"; do start_service "$line"; done
}

summary() {
  local line name port pid rss total=0
  say ""
  say "${B}Kumo is running:${N}"
  printf '  %-12s %-8s %-6s %s\n' SERVICE PID PORT RSS
  for line in "${KUMO_SERVICES[@]}"; do
    name=$(svc_field "$line" 0); port=$(svc_field "$line" 2)
    pid=$(svc_pid "$name" || echo '-')
    rss=$( [ "$pid" != '-' ] && rss_mib "$pid" || echo 0)
    total=$(awk -v a="$total" -v b="$rss" 'BEGIN {print a + b}')
    printf '  %-12s %-8s %-6s %s MiB\n' "$name" "$pid" "$port" "$rss"
  done
  printf '  %-12s %-8s %-6s %s MiB\n' total '' '' "$total"
  say ""
  say "Logs: $LOG_DIR   pids: $PID_DIR   config: $STACK_DIR/kumo.yaml"
  say "Use it:  ${B}source .stack/admin-openrc.sh && openstack token issue${N}"
  say "         (or .stack/demo-openrc.sh for the demo project's member)"
  say "Stop it: ./unstack.sh"
}

step "preflight" preflight
step "system packages" apt_install "${APT_PACKAGES[@]}"
step "MariaDB" start_mariadb
step "RabbitMQ" start_rabbitmq
step "node modules (pnpm, lockfile)" node_modules_install
step "build" build
step "secrets" ensure_secrets
step "database user" ensure_db_user
step "configuration" write_config
step "identity database" manage db sync identity
step "identity bootstrap" bootstrap_identity
step "object storage rings" object_rings
step "start services" start_services
step "openrc files" write_openrc
step "demo project and user" ensure_demo
summary
