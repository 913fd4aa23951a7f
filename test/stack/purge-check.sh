#!/usr/bin/env bash
# test/stack/purge-check.sh — ./unstack.sh --purge's compute step (compute_unstack in
# deploy/allinone/services.sh) for real, without disturbing the running stack, and the systemd unit
# choice for libvirt (libvirt_daemon in deploy/allinone/system.sh).
#
# The purge runs against a throwaway compute_agent config (KUMO_CONFIG_FILE: a domain prefix and an
# instances_path of its own) on the machine's libvirtd: two domains named like Kumo's with Kumo's
# metadata (one running, one defined) must be destroyed and undefined, and the instances directory
# (disks, the image cache) removed; a domain with the prefix but no Kumo metadata and one with the
# metadata but another name must be left alone; without --purge nothing is touched. The stack's own
# domains (prefix instance-) are never candidates. libvirt_daemon is run against a stand-in systemctl
# (this machine has no systemd): libvirtd where its unit is, virtqemud where the modular daemons are
# enabled or alone. Needs root and libvirtd (started as the stack starts it). Exit 0 when all passed.
set -uo pipefail
# shellcheck source=test/stack/check-lib.sh
. "$(dirname "$(readlink -f "$0")")/check-lib.sh"
if [ "$(id -u)" -ne 0 ]; then say "${R}FAIL${N} the purge test needs root (it defines libvirt domains)"; exit 1; fi

# --- libvirt_daemon against a stand-in systemctl --------------------------------------------------
say "libvirt's systemd unit (stand-in systemctl):"
fake=$(mktemp -d)
cat > "$fake/systemctl" <<'SH'
#!/bin/sh
# FAKE_UNITS: the units that exist; FAKE_ENABLED: those enabled. Answers is-enabled, is-active, cat.
unit=""; for a in "$@"; do case "$a" in -*) ;; is-enabled|is-active|cat) verb=$a ;; *) unit=$a ;; esac; done
case "$verb" in
  is-enabled|is-active) case " $FAKE_ENABLED " in *" $unit "*) exit 0 ;; esac; exit 1 ;;
  cat) case " $FAKE_UNITS " in *" $unit "*) exit 0 ;; esac; exit 1 ;;
esac
exit 1
SH
chmod +x "$fake/systemctl"
daemon_with() { PATH="$fake:$PATH" FAKE_UNITS="$1" FAKE_ENABLED="$2" bash -c ". '$KUMO_ROOT/deploy/allinone/lib.sh' && libvirt_daemon"; }
check "Ubuntu 22.04/24.04, Debian 12 (libvirtd.service, modular units present but off): libvirtd" \
  test "$(daemon_with "libvirtd.service virtqemud.service" "libvirtd.socket")" = libvirtd
check "modular daemons enabled (virtqemud.socket): virtqemud" \
  test "$(daemon_with "libvirtd.service virtqemud.service" "virtqemud.socket")" = virtqemud
check "only the modular units installed: virtqemud" test "$(daemon_with "virtqemud.service" "")" = virtqemud
rm -rf "$fake"

# --- compute_unstack (--purge) on throwaway domains -----------------------------------------------
libvirtd_running || start_libvirtd >/dev/null || { say "${R}FAIL${N} libvirtd is not running and could not be started"; exit 1; }
# the libvirt suites' lock (libs/testing libvirtd.ts): no suite restarts libvirtd under this test
LOCK=/tmp/kumo-libvirt-tests.lock
for _ in $(seq 1 3000); do
  if mkdir "$LOCK" 2>/dev/null; then echo $$ > "$LOCK/pid"; break; fi
  owner=$(cat "$LOCK/pid" 2>/dev/null || true)
  [ -n "$owner" ] && ! kill -0 "$owner" 2>/dev/null && rm -rf "$LOCK"
  sleep 0.2
done
[ "$(cat "$LOCK/pid" 2>/dev/null)" = $$ ] || { say "${R}FAIL${N} could not take $LOCK"; exit 1; }

tag="pt$$"
prefix="kumo-purge-test-$tag-"
work=$(mktemp -d)
V="virsh -c qemu:///system"
cleanup() {
  for d in $($V list --all --name 2>/dev/null | grep -F -- "kumo-purge-test-$tag" || true); do
    $V destroy "$d" >/dev/null 2>&1; $V undefine "$d" >/dev/null 2>&1
  done
  rm -rf "$work"; rm -rf "$LOCK"
}
trap cleanup EXIT
cat > "$work/kumo.yaml" <<YAML
compute_agent:
  domain_prefix: $prefix
  instances_path: $work/instances
YAML
define() { # define NAME UUID WITH_METADATA
  local meta=""
  [ "$3" = 1 ] && meta="<metadata><kumo:instance xmlns:kumo='http://kumo.openstack.local/xmlns/libvirt/instance/1.0'><kumo:name>purge-test</kumo:name></kumo:instance></metadata>"
  cat > "$work/$1.xml" <<XML
<domain type='qemu'><name>$1</name><uuid>$2</uuid><memory unit='MiB'>32</memory><vcpu>1</vcpu>
<os><type arch='x86_64' machine='pc'>hvm</type></os>$meta<devices/></domain>
XML
  $V define "$work/$1.xml" >/dev/null
}
u() { cat /proc/sys/kernel/random/uuid; }
running="$prefix$(u)"; defined="$prefix$(u)"; foreign="$prefix$(u)"; other="kumo-purge-test-$tag-x-$(u)"; odd="${prefix}kvm-probe-x"
say "seeding domains and files:"
seeded=0
define "$running" "${running#"$prefix"}" 1 && $V start "$running" >/dev/null && seeded=$((seeded + 1)) && say "  + $running (Kumo's, running)"
define "$defined" "${defined#"$prefix"}" 1 && seeded=$((seeded + 1)) && say "  + $defined (Kumo's, shut off)"
define "$foreign" "${foreign#"$prefix"}" 0 && seeded=$((seeded + 1)) && say "  + $foreign (the prefix, no Kumo metadata)"
define "$other" "$(u)" 1 && seeded=$((seeded + 1)) && say "  + $other (Kumo metadata, another prefix)"
define "$odd" "$(u)" 1 && seeded=$((seeded + 1)) && say "  + $odd (Kumo metadata, the prefix but no uuid after it)"
mkdir -p "$work/instances/_base" "$work/instances/${running#"$prefix"}"
echo base > "$work/instances/_base/$(u)"; echo disk > "$work/instances/${running#"$prefix"}/disk"
check "5 domains defined, 1 running ($seeded)" [ "$seeded" -eq 5 ]
stack_guests=$($V list --all --name | grep '^instance-' | sort || true)
exists() { $V dominfo "$1" >/dev/null 2>&1; }

say "compute_unstack without --purge:"
( KUMO_CONFIG_FILE="$work/kumo.yaml" KUMO_UNSTACK_PURGE=0 compute_unstack ) | sed 's/^/  | /'
check "leaves every domain and the instances directory" bash -c "$(declare -f exists); V='$V'; exists '$running' && exists '$defined' && exists '$foreign' && exists '$other' && exists '$odd' && [ -d '$work/instances/_base' ]"

say "compute_unstack with --purge:"
( KUMO_CONFIG_FILE="$work/kumo.yaml" KUMO_UNSTACK_PURGE=1 compute_unstack ) 2>&1 | sed 's/^/  | /'
rc=${PIPESTATUS[0]}
check "exits 0 ($rc)" [ "$rc" -eq 0 ]
check "the running Kumo domain is destroyed and undefined" bash -c "! $V dominfo '$running' >/dev/null 2>&1"
check "the shut-off Kumo domain is undefined" bash -c "! $V dominfo '$defined' >/dev/null 2>&1"
check "a domain with the prefix but no Kumo metadata is left alone" exists "$foreign"
check "a Kumo domain of another prefix is left alone" exists "$other"
check "a domain named <prefix><not a uuid> is left alone" exists "$odd"
check "the instances directory (disks, image cache) is removed" test ! -e "$work/instances"
check "the stack's own domains are untouched" test "$($V list --all --name | grep '^instance-' | sort || true)" = "$stack_guests"

check_summary "purge test"
