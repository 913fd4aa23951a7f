#!/usr/bin/env bash
# test/stack/unstack-check.sh — the unstack test (run by ./run_tests.sh after the system tiers).
#
# Puts one of each kind of residue Kumo's services leave on a host (a brq* bridge, a kumo* veth pair,
# a qdhcp-* namespace with a process inside, kumo-* iptables chains with a jump into them, a loop
# device backed by a file under .stack/), runs ./unstack.sh, and checks that no Kumo process, pid
# file, port, unit, bridge, link, namespace, iptables chain or loop device is left, that MariaDB
# and RabbitMQ still run, and that the data (.stack/kumo.yaml, secrets) is kept. Needs root and
# CAP_NET_ADMIN: without them it fails and says so. Exit 0 when everything passed.
set -uo pipefail
# shellcheck source=test/stack/check-lib.sh
. "$(dirname "$(readlink -f "$0")")/check-lib.sh"
none() { [ -z "$1" ] || { say "       left: $(echo "$1" | tr '\n' ' ')"; return 1; }; }

if [ "$(id -u)" -ne 0 ]; then say "${R}FAIL${N} the unstack test needs root (it creates bridges, namespaces, iptables chains, loop devices)"; exit 1; fi
mkdir -p "$STACK_DIR"

# --- residue, named as Kumo's services name theirs (deploy/allinone/lib.sh) ----------------------
say "seeding residue:"
tag="ut$$"
tag="${tag:0:8}"
ns="qdhcp-unstack-$tag"
img="$STACK_DIR/unstack-test-$tag.img"
sleeper=""
seed() { local what="$1"; shift; if "$@" >/dev/null 2>&1; then say "  + $what"; else say "  ${R}could not create $what${N} ($*): is this root with CAP_NET_ADMIN?"; return 1; fi; }
seeded=0
seed "bridge brq$tag" ip link add "brq$tag" type bridge && seeded=$((seeded + 1))
seed "veth pair kumo$tag/kumo${tag}p" ip link add "kumo$tag" type veth peer name "kumo${tag}p" && seeded=$((seeded + 1))
if seed "namespace $ns" ip netns add "$ns"; then
  seeded=$((seeded + 1))
  # a dnsmasq stand-in living in the namespace (nsenter: ip netns exec also remounts /sys, which
  # fails where / is not a mount point, as in a chroot)
  nsenter --net="/run/netns/$ns" setsid sleep 600 > "$STACK_DIR/unstack-test-$tag.log" 2>&1 < /dev/null &
  for _ in $(seq 1 20); do sleeper=$(ip netns pids "$ns" 2>/dev/null | head -n 1); [ -n "$sleeper" ] && break; sleep 0.1; done
  if [ -n "$sleeper" ]; then say "  + process $sleeper in $ns"; seeded=$((seeded + 1)); else say "  ${R}could not start a process in $ns${N}: $(cat "$STACK_DIR/unstack-test-$tag.log")"; fi
fi
if command -v iptables >/dev/null 2>&1; then
  seed "iptables chain filter/kumo-$tag with a jump from INPUT" \
    sh -c "iptables -w 5 -N 'kumo-$tag' && iptables -w 5 -A 'kumo-$tag' -j RETURN && iptables -w 5 -A INPUT -m comment --comment 'kumo unstack test' -j 'kumo-$tag'" \
    && seeded=$((seeded + 1))
  seed "iptables chain nat/kumo-$tag-snat" iptables -w 5 -t nat -N "kumo-$tag-snat" && seeded=$((seeded + 1))
else
  say "  ${R}iptables is not installed${N}: apt-get install iptables"
fi
if truncate -s 8M "$img" && seed "loop device on $img" losetup -f "$img"; then seeded=$((seeded + 1)); fi
check "every kind of residue could be created (7 expected, $seeded created)" [ "$seeded" -eq 7 ]

# Kumo's guests (libvirt domains) that run now: ./unstack.sh leaves them running (only --purge removes them)
kumo_guests() { virsh -c qemu:///system list --name 2>/dev/null | grep "^$(compute_agent_key domain_prefix instance-)" | sort; }
guests_before=$(kumo_guests)

# --- unstack -------------------------------------------------------------------------------------
say "running ./unstack.sh:"
"$KUMO_ROOT/unstack.sh" 2>&1 | sed 's/^/  | /'
rc=${PIPESTATUS[0]}
say "checking what is left:"
check "./unstack.sh exits 0 (exit $rc)" [ "$rc" -eq 0 ]
check "no Kumo process of this checkout" none "$(kumo_pids)"
check "no pid file in $PID_DIR" none "$(ls "$PID_DIR"/*.pid 2>/dev/null)"
busy=""
for port in $(all_ports); do port_in_use "$port" && busy+="$port "; done
check "every service port is free ($(all_ports | tr '\n' ' '))" none "$busy"
units=""
if have_systemd; then units=$(grep -lxF "WorkingDirectory=$KUMO_ROOT" /etc/systemd/system/kumo-*.service 2>/dev/null || true); fi
check "no kumo-*.service unit of this checkout" none "$units"
check "no Kumo namespace (qdhcp-*, qrouter-*, kumo-*)" none "$(ip netns list 2>/dev/null | awk '{print $1}' | grep -E '^(qdhcp-|qrouter-|kumo-)')"
check "the process inside the namespace is gone" bash -c "[ -n '$sleeper' ] && ! grep -qs '^State:.*[RSD]' '/proc/$sleeper/status'"
check "no Kumo bridge or link (brq*, kumo*)" none "$(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1 | grep -E '^(brq|kumo)')"
chains=""
for ipt in iptables-save ip6tables-save; do
  command -v "$ipt" >/dev/null 2>&1 && chains+=$("$ipt" 2>/dev/null | grep -E '^:kumo-|-j kumo-|-g kumo-')
done
check "no kumo-* iptables chain and no rule jumping to one" none "$chains"
check "no loop device backed by a file under $STACK_DIR" none "$(losetup -n -l -O NAME,BACK-FILE 2>/dev/null | grep -F "$STACK_DIR/")"
check "Kumo's running guests still run ($(echo "$guests_before" | grep -c .) before)" test "$(kumo_guests)" = "$guests_before"
check "MariaDB still runs (shared system service)" mariadb_running
check "RabbitMQ still runs (shared system service)" rabbitmq_running
check "data kept: .stack/kumo.yaml and .stack/secrets.env" test -f "$KUMO_CONFIG_FILE" -a -f "$STACK_DIR/secrets.env"
rm -f "$img" "$STACK_DIR/unstack-test-$tag.log"

check_summary "unstack test"
