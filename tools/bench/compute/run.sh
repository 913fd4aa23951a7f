#!/usr/bin/env bash
# The compute benchmark (issue 12's "Performance"):
#  part 1 (latency): 20 sequential boots of kumo-tiny (flavor tiny) through the stack's compute on
#    :8774 (real libvirtd/QEMU, TCG here), after a first boot of a fresh image copy (cache miss) and
#    one warm-up, split into the steps' events; RSS and CPU of the stack's compute-api,
#    compute-scheduler, compute-agent and compute-console (.stack/pids).
#  part 2 (scale): the bench's own control plane (control-plane.sh: API + scheduler on database
#    kumo_compute_bench, exchange prefix kumo-bench, 200 fake hosts in 4 processes), 1,000 creates,
#    then `server list` with the 1,000 servers; the control plane is reset (database dropped) after.
#  part 3 (memory) comes out of both.
# Nova's figures are the issue's (measured on this machine kind), printed as the reference peer.
#
#   tools/bench/compute/run.sh [compute.js options: --part latency|scale --boots 20 --count 1000 --wait-idle 120]
#   KEEP_CONTROL_PLANE=1 tools/bench/compute/run.sh --part scale    (leaves the scale control plane and its servers)
# Take the stack's lock around it: flock /tmp/kumo-stack.lock tools/bench/compute/run.sh --wait-idle 120
set -euo pipefail
ROOT="$(cd "$(dirname "$(readlink -f "$0")")/../../.." && pwd)"
cd "$ROOT"

# tsc -b also builds what tools/bench imports (apps/compute, libs); SKIP_BUILD=1 uses dist as it is
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  echo "== building tools/bench"
  npx --no-install tsc -b tools/bench
fi

[ -f .stack/admin-openrc.sh ] || { echo ".stack/admin-openrc.sh is missing: ./stack.sh must run" >&2; exit 1; }
# shellcheck disable=SC1091
. .stack/admin-openrc.sh

# which parts (compute.js's --part, both when none is given)
parts=()
prev=
for a in "$@"; do
  case "$a" in --part=*) parts+=("${a#--part=}") ;; esac
  [ "$prev" = --part ] && parts+=("$a")
  prev=$a
done
[ ${#parts[@]} -gt 0 ] || parts=(latency scale)
want() { [[ " ${parts[*]} " == *" $1 "* ]]; }

args=()
if want latency; then
  for name in compute-api compute-scheduler compute-agent compute-console; do
    if [ -f ".stack/pids/$name.pid" ] && kill -0 "$(cat ".stack/pids/$name.pid")" 2>/dev/null; then
      args+=(--pid "$name=$(cat ".stack/pids/$name.pid")")
    else
      echo "the stack's $name is not running (./stack.sh starts it): its RSS is not counted"
    fi
  done
fi
if want scale; then
  echo "== the scale benchmark's control plane"
  tools/bench/compute/control-plane.sh reset
  tools/bench/compute/control-plane.sh start
  if [ "${KEEP_CONTROL_PLANE:-0}" != 1 ]; then trap 'tools/bench/compute/control-plane.sh reset' EXIT; fi
  for name in compute-api compute-scheduler; do args+=(--scale-pid "$name=$(cat ".bench/compute/pids/$name.pid")"); done
fi

echo "== measuring"
node tools/bench/dist/compute.js "${args[@]}" "$@"
echo "== fake hosts' RSS (MiB, not part of the compute processes' sum)"
for f in .bench/compute/pids/agents-*.pid; do
  [ -f "$f" ] || continue
  echo "  $(basename "$f" .pid): $(awk '/VmRSS/ {printf "%.0f", $2/1024}' "/proc/$(cat "$f")/status" 2>/dev/null || echo gone)"
done
