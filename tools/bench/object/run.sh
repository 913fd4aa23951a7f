#!/usr/bin/env bash
# The object benchmark: PUT/GET/DELETE of 2,000 x 4 KiB objects at concurrency 16 and PUT/GET of
# 40 x 16 MiB objects at concurrency 4 against Debian's OpenStack Swift (set up by swift-setup.sh:
# proxy with 2 workers + tempauth, 3 loopback storage nodes, rings 2^10 x 3 replicas) and, in the
# same run, against Kumo's object proxy on 127.0.0.1:8080 when ./stack.sh has it running; then the
# disk's own ceiling for three-way writes of the same large objects, on the devices' filesystem.
#
#   tools/bench/object/run.sh [object.js options: --small-count 2000 --large-count 40 --wait-idle 120 ...]
#
# Every target is measured twice, in the order swift, kumo, kumo, swift, and reported as its mean
# (ROUNDS=1 for one pass each, in that order; see --rounds): the machine runs slower after minutes of
# full load, which otherwise costs whichever target comes second.
# Prints a table (with kumo/swift ratios and the issue's goals) and writes .bench/object-<date>.json.
# Swift is stopped afterwards to give its memory back; KEEP_SWIFT=1 leaves it running.
# KUMO_WAIT=S: how long to wait for Kumo's proxy when it does not answer (default 120 s; the
# object service may be restarting).
set -euo pipefail
ROOT="$(cd "$(dirname "$(readlink -f "$0")")/../../.." && pwd)"
cd "$ROOT"

echo "== building tools/bench"
npx --no-install tsc -b tools/bench

echo "== Swift baseline"
tools/bench/object/swift-setup.sh
if [ "${KEEP_SWIFT:-0}" != 1 ]; then trap 'tools/bench/object/swift-setup.sh stop' EXIT; fi
SW=.bench/swift
storage_pids() { local IFS=,; echo "$*"; }
sw_storage=()
for s in object container account; do for n in 0 1 2; do sw_storage+=("$(cat "$SW/run/$s-$n.pid")"); done; done
args=(--target swift=http://127.0.0.1:7080/auth/v1.0 --user-swift admin:admin --key-swift "$(cat "$SW/admin.password")"
  --pid "swift=$(cat "$SW/run/proxy.pid")" --storage-pid "swift=$(storage_pids "${sw_storage[@]}")")

echo "== Kumo object service"
kumo_up() { curl -fs -o /dev/null --max-time 5 http://127.0.0.1:8080/healthcheck; }
if ! kumo_up; then
  echo "Kumo's proxy does not answer on http://127.0.0.1:8080/healthcheck; waiting up to ${KUMO_WAIT:-120} s (it may be restarting)"
  for _ in $(seq 1 $(( ${KUMO_WAIT:-120} / 5 ))); do sleep 5; kumo_up && break; done
fi
if ! kumo_up; then
  echo "Kumo's proxy does not answer on http://127.0.0.1:8080/healthcheck (./stack.sh starts it): skipping the kumo target"
elif [ ! -f .stack/admin-openrc.sh ]; then
  echo "Kumo's proxy answers but .stack/admin-openrc.sh (written by ./stack.sh) is missing: no credentials, skipping the kumo target"
else
  # shellcheck disable=SC1091
  . .stack/admin-openrc.sh
  args+=(--target "kumo=$OS_AUTH_URL" --user-kumo "$OS_USERNAME" --key-kumo "$OS_PASSWORD"
    --project-kumo "$OS_PROJECT_NAME" --domain-kumo "${OS_USER_DOMAIN_NAME:-Default}")
  # the pids ./stack.sh recorded, when alive; otherwise object.js finds who listens on :8080
  if [ -f .stack/pids/object-proxy.pid ] && kill -0 "$(cat .stack/pids/object-proxy.pid)" 2>/dev/null; then
    args+=(--pid "kumo=$(cat .stack/pids/object-proxy.pid)")
  fi
  kumo_storage=()
  for f in .stack/pids/object-node*.pid; do
    [ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null && kumo_storage+=("$(cat "$f")")
  done
  if [ "${#kumo_storage[@]}" -gt 0 ]; then args+=(--storage-pid "kumo=$(storage_pids "${kumo_storage[@]}")"); fi
  echo "Kumo's proxy answers on http://127.0.0.1:8080 (identity $OS_AUTH_URL)"
fi

echo "== measuring (then the disk ceiling in $SW/srv, the devices' filesystem)"
UV_THREADPOOL_SIZE=16 node tools/bench/dist/object.js "${args[@]}" --disk-dir "$SW/srv" --wait-idle 120 --rounds "${ROUNDS:-2}" "$@"
