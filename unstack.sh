#!/usr/bin/env bash
# ./unstack.sh [--purge] — stops every Kumo process of this checkout (pid files, systemd units, and
# any other node apps/*/dist/*.js started from it) and removes what Kumo put on the host: bridges
# brq*, links kumo*, namespaces qdhcp-*/qrouter-*/kumo-* (and the processes in them), iptables
# chains kumo-* (IPv4 and IPv6, with the rules jumping to them), loop devices backed by files under
# .stack/. The naming conventions are in deploy/allinone/lib.sh. Compute's guests (libvirt domains)
# keep running: the next ./stack.sh's agent finds them.
#
# MariaDB and RabbitMQ are shared system services: they keep running. Data (the kumo_* databases,
# .stack/kumo.yaml, .stack/secrets.env, logs) is kept, unless --purge is given: then the kumo_*
# databases are dropped (not the kumo_test_* ones of running integration tests), Kumo's libvirt
# domains are destroyed and undefined, their disks and the image cache removed, and .stack/ is deleted.
# Exits non-zero when something could not be removed (and says what).
set -euo pipefail
KUMO_ROOT="$(cd "$(dirname "$(readlink -f "$0")")" && pwd)"
export KUMO_ROOT
# shellcheck source=deploy/allinone/lib.sh
. "$KUMO_ROOT/deploy/allinone/lib.sh"
purge=0
case "${1:-}" in
  "") ;;
  --purge) purge=1 ;;
  -h | --help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) die "unknown argument '$1' (usage: ./unstack.sh [--purge])" ;;
esac
[ "$(id -u)" -eq 0 ] || die "need root (unstack.sh stops services and removes network devices), running as uid $(id -u)"
hold_lock "$KUMO_ROOT/unstack.sh" "$@"

problems=()
removed=0
note() { say "$*"; removed=$((removed + 1)); }

# --- services, last started first ----------------------------------------------------------------
for ((i = ${#KUMO_SERVICES[@]} - 1; i >= 0; i--)); do
  name=$(svc_field "${KUMO_SERVICES[$i]}" 0)
  out=$(stop_service "$name")
  [ -n "$out" ] && note "$out"
done
if have_systemd; then
  reload=0
  for unit in /etc/systemd/system/kumo-*.service; do
    if [ ! -f "$unit" ] || ! grep -qxF "WorkingDirectory=$KUMO_ROOT" "$unit"; then continue; fi
    systemctl disable --now "$(basename "$unit")" >/dev/null 2>&1 || true
    rm -f "$unit"; reload=1
    note "removed $unit"
  done
  [ "$reload" -eq 0 ] || systemctl daemon-reload
fi

# --- any other Kumo process of this checkout (started by hand, by a test, by an older stack) -------
mapfile -t leftovers < <(kumo_pids)
if [ "${#leftovers[@]}" -gt 0 ]; then
  for pid in "${leftovers[@]}"; do
    note "stopping Kumo process $pid: $(proc_cmdline "$pid" || true)"
    kill -TERM "$pid" 2>/dev/null || true
  done
  for _ in $(seq 1 50); do [ -z "$(kumo_pids)" ] && break; sleep 0.1; done
  for pid in $(kumo_pids); do kill -KILL "$pid" 2>/dev/null || true; done
fi
rm -f "$PID_DIR"/*.pid 2>/dev/null || true

# --- what the services may define to undo on the host (KUMO_UNSTACK_STEPS: "name|function") ------
# (with --purge, KUMO_UNSTACK_PURGE=1: a step may then also remove data, e.g. compute's guests)
KUMO_UNSTACK_PURGE="$purge"
if declare -p KUMO_UNSTACK_STEPS >/dev/null 2>&1; then
  for entry in "${KUMO_UNSTACK_STEPS[@]}"; do
    "${entry#*|}" || problems+=("${entry%%|*} failed")
  done
fi

# --- network namespaces (and the dnsmasq/haproxy/... running inside them) ------------------------
if command -v ip >/dev/null 2>&1; then
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E '^(qdhcp-|qrouter-|kumo-)' || true); do
    for pid in $(ip netns pids "$ns" 2>/dev/null || true); do kill -TERM "$pid" 2>/dev/null || true; done
    sleep 0.2
    for pid in $(ip netns pids "$ns" 2>/dev/null || true); do kill -KILL "$pid" 2>/dev/null || true; done
    if ip netns delete "$ns" 2>/dev/null; then note "removed namespace $ns"; else problems+=("namespace $ns could not be removed"); fi
  done

  # --- links: bridges brq*, any link kumo* ---------------------------------------------------------
  for link in $(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1 | grep -E '^(brq|kumo)' || true); do
    case "$link" in
      brq*) ip -d link show "$link" 2>/dev/null | grep -qw bridge || continue ;;
    esac
    ip link set "$link" down 2>/dev/null || true
    if ip link delete "$link" 2>/dev/null; then note "removed link $link"; else ip link show "$link" >/dev/null 2>&1 && problems+=("link $link could not be removed"); fi
  done
fi

# --- iptables chains kumo-* (and every rule that jumps to one) -----------------------------------
for ipt in iptables ip6tables; do
  command -v "$ipt" >/dev/null 2>&1 || continue
  for table in filter nat mangle raw security; do
    rules=$("$ipt" -w 5 -t "$table" -S 2>/dev/null) || continue
    mapfile -t kumo_chains < <(awk '$1 == "-N" && $2 ~ /^kumo-/ {print $2}' <<< "$rules")
    [ "${#kumo_chains[@]}" -gt 0 ] || continue
    # rules in other chains that jump (-j) or go (-g) to a Kumo chain, deleted by number, last first
    while read -r chain; do
      mapfile -t lines < <("$ipt" -w 5 -t "$table" -S "$chain" | tail -n +2)
      for ((n = ${#lines[@]}; n >= 1; n--)); do
        case " ${lines[$((n - 1))]} " in
          *" -j kumo-"* | *" -g kumo-"*) "$ipt" -w 5 -t "$table" -D "$chain" "$n" || problems+=("$ipt -t $table: rule $n of $chain") ;;
        esac
      done
    done < <(awk '($1 == "-P" || $1 == "-N") && $2 !~ /^kumo-/ {print $2}' <<< "$rules")
    for chain in "${kumo_chains[@]}"; do "$ipt" -w 5 -t "$table" -F "$chain" || true; done
    for chain in "${kumo_chains[@]}"; do
      if "$ipt" -w 5 -t "$table" -X "$chain"; then note "removed $ipt chain $table/$chain"; else problems+=("$ipt chain $table/$chain could not be removed"); fi
    done
  done
done

# --- loop devices backed by files under .stack/ (unmounted, volume groups deactivated first) ------
if command -v losetup >/dev/null 2>&1; then
  while read -r dev file; do
    case "$file" in "$STACK_DIR"/*) ;; *) continue ;; esac
    for target in $(findmnt -rn -S "$dev" -o TARGET 2>/dev/null || true); do umount "$target" && note "unmounted $target"; done
    if command -v pvs >/dev/null 2>&1; then
      for vg in $(pvs --noheadings -o vg_name "$dev" 2>/dev/null || true); do vgchange -an "$vg" >/dev/null && note "deactivated volume group $vg"; done
    fi
    if losetup -d "$dev"; then note "detached $dev ($file)"; else problems+=("loop device $dev ($file) could not be detached"); fi
  done < <(losetup -n -l -O NAME,BACK-FILE 2>/dev/null || true)
fi

# --- verify: no Kumo process, every port free ------------------------------------------------------
left=$(kumo_pids | tr '\n' ' ')
[ -z "${left// /}" ] || problems+=("Kumo processes still running: $left")
for port in $(all_ports); do
  for _ in $(seq 1 20); do port_in_use "$port" || break; sleep 0.1; done
  if port_in_use "$port"; then
    owner=$(port_owner_pid "$port")
    problems+=("port $port is still held by $(pid_comm "${owner:-0}") (pid ${owner:-unknown})")
  fi
done

# --- --purge: the kumo_* databases and .stack/ -------------------------------------------------------
if [ "$purge" -eq 1 ]; then
  if mariadb_running; then
    for db in $(mariadb -u root -N -e "SHOW DATABASES LIKE 'kumo\\_%'" | grep -v '^kumo_test_' || true); do
      mariadb -u root -e "DROP DATABASE \`$db\`" && note "dropped database $db"
    done
  else
    problems+=("MariaDB is not running: the kumo_* databases were not dropped (start it and run ./unstack.sh --purge again)")
  fi
  rm -rf "$STACK_DIR" && note "removed $STACK_DIR"
fi

if [ "${#problems[@]}" -gt 0 ]; then
  say "${R}unstack.sh could not remove everything:${N}"
  printf '  - %s\n' "${problems[@]}"
  exit 1
fi
if [ "$purge" -eq 1 ]; then
  say "Kumo is stopped and purged. MariaDB and RabbitMQ keep running."
else
  say "Kumo is stopped ($removed things stopped or removed). Data kept in $STACK_DIR; MariaDB and RabbitMQ keep running."
fi
