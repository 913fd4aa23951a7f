#!/usr/bin/env bash
# The identity benchmark: token issue and token validation at concurrency 8 against Debian's
# OpenStack Keystone (set up by keystone-setup.sh: fernet, uwsgi 2 processes, memcached, bcrypt 12)
# and, in the same run, against Kumo's identity on 127.0.0.1:5000 when ./stack.sh has it running.
#
#   tools/bench/identity/run.sh [identity.js options: --duration 20 --concurrency 8 --warmup 3 --wait-idle 120]
#
# Prints a table and writes .bench/identity-<date>.json. Keystone (uwsgi + memcached) is stopped
# afterwards to give its memory back; KEEP_KEYSTONE=1 leaves it running for the next run.
set -euo pipefail
ROOT="$(cd "$(dirname "$(readlink -f "$0")")/../../.." && pwd)"
cd "$ROOT"

echo "== building tools/bench"
npx --no-install tsc -b tools/bench

echo "== Keystone baseline"
tools/bench/identity/keystone-setup.sh
if [ "${KEEP_KEYSTONE:-0}" != 1 ]; then trap 'tools/bench/identity/keystone-setup.sh stop' EXIT; fi

args=()
echo "== Kumo identity"
if ! curl -fs -o /dev/null --max-time 5 http://127.0.0.1:5000/v3; then
  echo "Kumo's identity does not answer on http://127.0.0.1:5000/v3 (./stack.sh starts it): skipping the kumo target"
elif [ ! -f .stack/admin-openrc.sh ]; then
  echo "Kumo's identity answers but .stack/admin-openrc.sh (written by ./stack.sh) is missing: no admin password, skipping the kumo target"
else
  # shellcheck disable=SC1091
  . .stack/admin-openrc.sh
  args+=(--target kumo=http://127.0.0.1:5000 --password-kumo "$OS_PASSWORD")
  # the pid ./stack.sh recorded, when it is alive; otherwise identity.js finds who listens on :5000
  if [ -f .stack/pids/identity.pid ] && kill -0 "$(cat .stack/pids/identity.pid)" 2>/dev/null; then
    args+=(--pid "kumo=$(cat .stack/pids/identity.pid)")
  fi
  echo "Kumo's identity answers on http://127.0.0.1:5000"
fi
args+=(--target keystone=http://127.0.0.1:35357 --password-keystone "$(cat .bench/keystone/admin.password)"
  --pid "keystone=$(cat .bench/keystone/uwsgi.pid)")

echo "== measuring"
node tools/bench/dist/identity.js "${args[@]}" --user admin --project admin --concurrency 8 --duration 20 --wait-idle 120 "$@"
