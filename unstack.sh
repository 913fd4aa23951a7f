#!/usr/bin/env bash
# ./unstack.sh [--purge] — stops every Kumo process ./stack.sh started and removes what Kumo put
# on the host (bridges, namespaces, iptables chains, loop devices). MariaDB and RabbitMQ are shared
# system services and keep running. Data (databases, .stack/kumo.yaml, secrets) is kept unless
# --purge is given, which also drops the kumo_* databases and deletes .stack/.
set -euo pipefail
KUMO_ROOT="$(cd "$(dirname "$(readlink -f "$0")")" && pwd)"
export KUMO_ROOT
# shellcheck source=deploy/allinone/lib.sh
. "$KUMO_ROOT/deploy/allinone/lib.sh"
purge=0
[ "${1:-}" = "--purge" ] && purge=1

failed=0
line=''
for line in "${KUMO_SERVICES[@]}"; do
  name=$(svc_field "$line" 0)
  stop_service "$name"
  if have_systemd; then rm -f "/etc/systemd/system/kumo-$name.service"; fi
done
have_systemd && systemctl daemon-reload || true

# any Kumo process left (started by hand or by an older stack), found by its entry point
for pid in $(pgrep -f "$KUMO_ROOT/apps/[^ ]*/dist/main\.[a-z-]*\.js" || true) $(pgrep -f "^node apps/[^ ]*/dist/main\.[a-z-]*\.js" || true); do
  [ "$pid" = "$$" ] && continue
  cwd=$(readlink "/proc/$pid/cwd" 2>/dev/null || true)
  if [ "$cwd" = "$KUMO_ROOT" ] || grep -q "$KUMO_ROOT" "/proc/$pid/cmdline" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null && echo "stopped leftover Kumo process $pid"
  fi
done
sleep 0.5

for line in "${KUMO_SERVICES[@]}"; do
  port=$(svc_field "$line" 2)
  if port_in_use "$port"; then
    owner=$(port_owner_pid "$port")
    if [ -n "$owner" ] && grep -q "$KUMO_ROOT" "/proc/$owner/cmdline" 2>/dev/null; then kill -KILL "$owner" || true; fi
    sleep 0.2
    port_in_use "$port" && { warn "port $port is still in use (pid ${owner:-?})"; failed=1; }
  fi
done

# network residue: namespaces, bridges, iptables chains (names per deploy/allinone/lib.sh)
for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E '^(qdhcp-|qrouter-|kumo-)' || true); do
  ip netns delete "$ns" && echo "removed namespace $ns"
done
for br in $(ip -o link show type bridge 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1 | grep -E '^(brq|kumo)' || true); do
  ip link delete "$br" type bridge && echo "removed bridge $br"
done
if command -v iptables-save >/dev/null; then
  for table in filter nat mangle raw; do
    chains=$(iptables-save -t "$table" 2>/dev/null | sed -n 's/^:\(kumo-[^ ]*\) .*/\1/p' || true)
    for chain in $chains; do
      iptables-save -t "$table" | awk -v c="$chain" '$0 ~ ("-j " c "( |$)") {sub(/^-A/, "-D"); print}' | while read -r rule; do
        # shellcheck disable=SC2086
        iptables -t "$table" $rule || true
      done
      iptables -t "$table" -F "$chain" && iptables -t "$table" -X "$chain" && echo "removed iptables chain $table/$chain"
    done
  done
fi
# loop devices backed by files under .stack/
if command -v losetup >/dev/null; then
  losetup -n -O NAME,BACK-FILE 2>/dev/null | while read -r dev file; do
    case "$file" in "$STACK_DIR"/*) losetup -d "$dev" && echo "detached $dev ($file)";; esac
  done
fi

if [ "$purge" -eq 1 ]; then
  for db in $(mariadb -u root -N -e "SHOW DATABASES LIKE 'kumo\\_%'" 2>/dev/null | grep -v '^kumo_test_' || true); do
    mariadb -u root -e "DROP DATABASE \`$db\`" && echo "dropped database $db"
  done
  rm -rf "$STACK_DIR" && echo "removed $STACK_DIR"
fi
[ "$failed" -eq 0 ] && echo "Kumo is stopped." || { echo "Kumo is stopped, with warnings above."; exit 1; }
