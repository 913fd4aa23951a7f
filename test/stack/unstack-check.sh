#!/usr/bin/env bash
# Runs ./unstack.sh and checks that it left no Kumo process, port, bridge, namespace, iptables
# chain or loop device behind. Exit 0 when clean; prints what is left otherwise.
set -uo pipefail
KUMO_ROOT="$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)"
export KUMO_ROOT
# shellcheck source=deploy/allinone/lib.sh
. "$KUMO_ROOT/deploy/allinone/lib.sh"

"$KUMO_ROOT/unstack.sh" || { echo "unstack.sh failed"; exit 1; }
left=()
pids=$(pgrep -f "apps/[^ ]*/dist/main\.[a-z-]*\.js" || true)
[ -n "$pids" ] && left+=("processes: $pids")
for line in "${KUMO_SERVICES[@]}"; do
  port=$(svc_field "$line" 2)
  port_in_use "$port" && left+=("port $port still listening")
done
ns=$(ip netns list 2>/dev/null | awk '{print $1}' | grep -E '^(qdhcp-|qrouter-|kumo-)' || true)
[ -n "$ns" ] && left+=("namespaces: $ns")
br=$(ip -o link show type bridge 2>/dev/null | awk -F': ' '{print $2}' | grep -E '^(brq|kumo)' || true)
[ -n "$br" ] && left+=("bridges: $br")
if command -v iptables-save >/dev/null; then
  ch=$(iptables-save 2>/dev/null | grep -E '^:kumo-' || true)
  [ -n "$ch" ] && left+=("iptables chains: $ch")
fi
loops=$(losetup -n -O NAME,BACK-FILE 2>/dev/null | grep -F "$STACK_DIR/" || true)
[ -n "$loops" ] && left+=("loop devices: $loops")
ls "$PID_DIR"/*.pid >/dev/null 2>&1 && left+=("pid files: $(ls "$PID_DIR")")
if [ "${#left[@]}" -gt 0 ]; then
  echo "unstack.sh left Kumo residue behind:"; printf '  - %s\n' "${left[@]}"; exit 1
fi
echo "unstack.sh left nothing behind"
