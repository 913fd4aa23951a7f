#!/usr/bin/env bash
# ./stack.sh — brings the Kumo cloud up on this host (all-in-one), as root on Debian 12 / Ubuntu 22.04+.
#
# Idempotent: every step checks before it acts, so a re-run resumes after a failure, restarts only
# what does not run (or whose build is newer than its process) and brings everything back after a
# reboot. ./unstack.sh stops what it started. The services are listed in deploy/allinone/services.sh.
#
# Environment: KUMO_MIN_RAM_MIB (default 2048) and KUMO_MIN_DISK_MIB (5120) set the preflight's
# thresholds; KUMO_HEALTH_TIMEOUT (60) the seconds a service gets to answer its health check.
set -euo pipefail
KUMO_ROOT="$(cd "$(dirname "$(readlink -f "$0")")" && pwd)"
export KUMO_ROOT
# shellcheck source=deploy/allinone/lib.sh
. "$KUMO_ROOT/deploy/allinone/lib.sh"
RETRY_COMMAND="$(retry_command stack.sh)"
case "${1:-}" in
  "") ;;
  -h | --help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) die "unknown argument '$1' (./stack.sh takes none; see ./stack.sh --help)" ;;
esac
[ "$(id -u)" -eq 0 ] || die "need root (stack.sh installs packages and starts services), running as uid $(id -u); try: sudo $RETRY_COMMAND"
hold_lock "$KUMO_ROOT/stack.sh" "$@"
mkdir -p "$STACK_DIR" "$LOG_DIR" "$PID_DIR"
chmod 700 "$STACK_DIR"
export KUMO_CONFIG="$KUMO_CONFIG_FILE"
T0=$(now_ns)

# --- preflight: refuse early, with the exact numbers -------------------------------------------
preflight() {
  local problems=() need_ram="${KUMO_MIN_RAM_MIB:-2048}" need_disk="${KUMO_MIN_DISK_MIB:-5120}"
  [ "$(id -u)" -eq 0 ] || problems+=("need root, running as uid $(id -u)")
  local os="unknown"
  if [ -r /etc/os-release ]; then
    # shellcheck disable=SC1091
    os=$(. /etc/os-release && echo "${PRETTY_NAME:-$ID}")
    # shellcheck disable=SC1091
    case "$(. /etc/os-release && echo "${ID:-} ${ID_LIKE:-}")" in
      *debian* | *ubuntu*) ;;
      *) problems+=("need Debian 12 or Ubuntu 22.04+, this is $os") ;;
    esac
  else
    problems+=("need Debian 12 or Ubuntu 22.04+, this system has no /etc/os-release")
  fi
  command -v dpkg-query >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 || problems+=("need apt-get and dpkg (Debian/Ubuntu)")
  local node_version node_major
  node_version=$(node --version 2>/dev/null || echo none)
  node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
  [ "$node_major" -ge 20 ] || problems+=("need Node.js >= 20, have $node_version")
  local avail_mib free_mib mount ours_mib=0 pid
  avail_mib=$(awk '/^MemAvailable:/ {print int($2 / 1024)}' /proc/meminfo)
  # on a re-run, what Kumo's own running services hold counts as available to them
  for pid in $(kumo_pids); do ours_mib=$((ours_mib + $(awk '/^VmRSS/ {print int($2 / 1024)}' "/proc/$pid/status" 2>/dev/null || echo 0))); done
  if [ "$((avail_mib + ours_mib))" -lt "$need_ram" ]; then
    if [ "$ours_mib" -gt 0 ]; then
      problems+=("need $need_ram MiB available RAM, have $avail_mib (+$ours_mib held by Kumo's running services)")
    else
      problems+=("need $need_ram MiB available RAM, have $avail_mib")
    fi
  fi
  free_mib=$(df -Pm "$KUMO_ROOT" | awk 'NR == 2 {print $4}')
  mount=$(df -P "$KUMO_ROOT" | awk 'NR == 2 {print $6}')
  [ "$free_mib" -ge "$need_disk" ] || problems+=("need $need_disk MiB free disk on $mount (where $KUMO_ROOT lives), have $free_mib")
  local line name port owner ours checked=0
  for line in "${KUMO_SERVICES[@]}"; do
    name=$(svc_field "$line" 0)
    ours=$(svc_pid "$name" || true)
    for port in $(svc_ports "$line"); do
      checked=$((checked + 1))
      port_in_use "$port" || continue
      owner=$(port_owner_pid "$port")
      if [ -n "$owner" ] && is_kumo_pid "$owner"; then continue; fi
      if [ -z "$owner" ] && [ -n "$ours" ]; then continue; fi
      problems+=("need port $port free for $name, it is held by $(pid_comm "${owner:-0}") (pid ${owner:-unknown})")
    done
  done
  local virt="KVM"
  if [ ! -e /dev/kvm ]; then
    virt="no KVM"
    if grep -Eqw 'vmx|svm' /proc/cpuinfo; then
      warn "/dev/kvm is missing (the CPU has vmx/svm: load kvm_intel or kvm_amd): guests will run under QEMU's TCG emulation, slowly"
    else
      warn "/dev/kvm is missing and the CPU shows no vmx/svm: guests will run under QEMU's TCG emulation, slowly"
    fi
  fi
  if [ "${#problems[@]}" -gt 0 ]; then
    echo "stack.sh cannot run on this host:"
    printf '  - %s\n' "${problems[@]}"
    return 1
  fi
  echo "$os, Node $node_version, RAM $avail_mib MiB available, disk $free_mib MiB free, $checked ports free or ours, $virt"
}

# --- configuration -----------------------------------------------------------------------------
config_core() {
  cat <<YAML
# Kumo configuration, written by ./stack.sh and kept on re-runs (edit it freely; ./stack.sh only
# appends the sections of services added later). KUMO_<SECTION>_<KEY>=value overrides one key.
database:
  url: mysql://kumo:${KUMO_DB_PASSWORD}@127.0.0.1:3306
messaging:
  url: amqp://guest:guest@127.0.0.1:5672
  exchange_prefix: kumo
logging:
  level: info
YAML
}

write_config() {
  local f="$KUMO_CONFIG_FILE" section added=()
  if [ ! -f "$f" ]; then
    (umask 077 && config_core > "$f.tmp")
    for section in "${KUMO_CONFIG_SECTIONS[@]}"; do "config_$section" >> "$f.tmp"; done
    mv "$f.tmp" "$f"
    echo "wrote $f"
    return 0
  fi
  for section in "${KUMO_CONFIG_SECTIONS[@]}"; do
    grep -q "^${section}:" "$f" || { "config_$section" >> "$f"; added+=("$section"); }
  done
  if [ "${#added[@]}" -gt 0 ]; then echo "added section(s) ${added[*]} to $f"; else echo "keeping $f"; fi
}

# --- the end: what runs, its memory, how to use it ----------------------------------------------
summary() {
  say ""
  say "${B}Kumo is running${N} ($(elapsed "$T0" "$(now_ns)")):"
  memory_table
  say ""
  say "  Logs:    $LOG_DIR/<service>.log     pids: $PID_DIR     config: $KUMO_CONFIG_FILE"
  if have_systemd; then say "  Units:   kumo-<service>.service (systemctl status 'kumo-*'); they come back after a reboot"; fi
  if svc_line compute-agent >/dev/null; then say "  Hypervisor: $(compute_agent_host): $(compute_hypervisor)"; fi
  if svc_line dashboard >/dev/null; then
    say "  Dashboard: ${B}$(dashboard_url)${N}  (domain Default, user admin or demo; passwords: OS_PASSWORD in .stack/admin-openrc.sh, .stack/demo-openrc.sh)"
  fi
  say "  Use it:  ${B}source .stack/admin-openrc.sh && openstack token issue${N}"
  say "           (.stack/demo-openrc.sh: user demo, member of project demo)"
  say "           ${B}openstack server create --image kumo-tiny --flavor tiny --wait vm1${N}; openstack console log show vm1"
  say "  Stop it: ./unstack.sh   (./unstack.sh --purge also drops the databases and .stack/)"
}

step "preflight" preflight
step "system packages" apt_install "${KUMO_APT_PACKAGES[@]}"
step "MariaDB" start_mariadb
step "RabbitMQ" start_rabbitmq
step "node modules (pnpm, lockfile)" node_modules_install
step "build" build
step "secrets" ensure_secrets
load_secrets
step "database user" ensure_db_user
step "configuration" write_config
for entry in "${KUMO_PREPARE_STEPS[@]}"; do step "${entry%%|*}" "${entry#*|}"; done
for line in "${KUMO_SERVICES[@]}"; do step "start $(svc_field "$line" 0)" start_service "$line"; done
for entry in "${KUMO_READY_STEPS[@]}"; do step "${entry%%|*}" "${entry#*|}"; done
summary
