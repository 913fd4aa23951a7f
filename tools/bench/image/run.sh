#!/usr/bin/env bash
# The image benchmark: a 1 GiB image uploaded and downloaded through Kumo's image API and, in the same
# run, through Debian's Glance (set up by glance-setup.sh on :9393, beside the stack, against the same
# identity, object service and MariaDB), for both stores:
#   object: Kumo's image service of the stack (:9292, object store) / Glance's swift store (Kumo's
#           object service, X-Image-Meta-Store: swift)
#   file:   a second Kumo image process on :9293 (KUMO_IMAGE_STORE=file, data in .bench/image/store) /
#           Glance's file store (.bench/glance/images), both on the same filesystem
# each with the ceilings measured in the same run (MD5 + SHA-512 on one thread; a fsynced file on the
# same filesystem; one object PUT/GET through the object service), the server's peak RSS and CPU.
#
#   tools/bench/image/run.sh [image.js options: --size-mib 1024 --wait-idle 60 ...]
#
# Every transfer runs twice, in the order glance, kumo, kumo, glance (ROUNDS=1 for one pass), and is
# reported as its mean. Prints a table (kumo/glance ratios, the issue's goals) and writes
# .bench/image-<date>.json. Glance is stopped afterwards; KEEP_GLANCE=1 leaves it running.
# SKIP_BUILD=1: no tsc -b (tools/bench/dist as it is). KUMO_WAIT=S: how long to wait for the stack when it does not answer (default 600 s: the lead stops it
# for CI runs).
set -euo pipefail
ROOT="$(cd "$(dirname "$(readlink -f "$0")")/../../.." && pwd)"
cd "$ROOT"
# one run at a time: two would share Glance, :9293 and the ceiling file, and measure each other
mkdir -p .bench/image
exec 9> .bench/image/run.lock
flock -n 9 || { echo "another image benchmark is running (.bench/image/run.lock)" >&2; exit 1; }

stack_up() {
  [ -f .stack/admin-openrc.sh ] && curl -fs -o /dev/null --max-time 5 http://127.0.0.1:5000/v3 &&
    curl -fs -o /dev/null --max-time 5 http://127.0.0.1:8080/healthcheck &&
    curl -fs -o /dev/null --max-time 5 http://127.0.0.1:9292/healthcheck
}
if ! stack_up; then
  echo "the stack (identity :5000, object :8080, image :9292) does not answer; waiting up to ${KUMO_WAIT:-600} s (it may be restarting)"
  for _ in $(seq 1 $(( ${KUMO_WAIT:-600} / 10 ))); do sleep 10; stack_up && break; done
  stack_up || { echo "the stack does not answer: run ./stack.sh first" >&2; exit 1; }
fi
# shellcheck disable=SC1091
. .stack/admin-openrc.sh

# tsc -b also builds what tools/bench imports (apps/compute, libs: someone's work in progress there
# stops it); SKIP_BUILD=1 uses tools/bench/dist as it is
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  echo "== building tools/bench"
  npx --no-install tsc -b tools/bench
fi

echo "== Glance baseline"
tools/bench/image/glance-setup.sh
cleanup() {
  if [ -n "${kumo_file_pid:-}" ]; then kill "$kumo_file_pid" 2>/dev/null || true; fi
  if [ "${KEEP_GLANCE:-0}" != 1 ]; then tools/bench/image/glance-setup.sh stop; fi
}
trap cleanup EXIT
glance_pid=$(cat .bench/glance/run/glance-api.pid)

echo "== Kumo file store (a second image process on :9293, data in .bench/image/store)"
mkdir -p .bench/image
# the environment deploy/allinone/services.sh starts the image service with (its NODE_OPTIONS)
image_env="$(grep -o '"image|[^"]*"' deploy/allinone/services.sh | tr -d '"' | cut -d'|' -f5)"
# shellcheck disable=SC2086 # KEY=VALUE words
env $image_env KUMO_CONFIG="$ROOT/.stack/kumo.yaml" KUMO_IMAGE_PORT=9293 KUMO_IMAGE_STORE=file KUMO_IMAGE_FILE_DIR="$ROOT/.bench/image/store" \
  node apps/image/dist/main.api.js > .bench/image/image-file.log 2>&1 &
kumo_file_pid=$!
for _ in $(seq 1 100); do curl -fs -o /dev/null http://127.0.0.1:9293/healthcheck && break; sleep 0.2; done
curl -fs -o /dev/null http://127.0.0.1:9293/healthcheck || { echo "Kumo's file-store image process did not start; see .bench/image/image-file.log" >&2; exit 1; }

args=(--target glance=http://127.0.0.1:9393 --target kumo=http://127.0.0.1:9292
  --store-header glance:file=file --store-header glance:object=swift
  --store-url kumo:file=http://127.0.0.1:9293
  --pid "glance=$glance_pid" --pid "kumo:file=$kumo_file_pid"
  --file-dir "$ROOT/.bench/image")
# the object service's CPU during each object-store transfer (it serves both: not in either's figure)
for n in object-proxy object-node1 object-node2 object-node3; do
  if [ -f ".stack/pids/$n.pid" ]; then
    case "$n" in object-proxy) args+=(--object-pid "proxy=$(cat ".stack/pids/$n.pid")") ;; *) args+=(--object-pid "storage=$(cat ".stack/pids/$n.pid")") ;; esac
  fi
done
# the stack's image service (kumo:object) is whoever listens on :9292 at each transfer: others restart it

echo "== measuring"
node tools/bench/dist/image.js "${args[@]}" --rounds "${ROUNDS:-2}" "$@"
