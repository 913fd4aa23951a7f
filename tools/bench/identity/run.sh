#!/usr/bin/env bash
# The identity benchmark: Kumo's identity (from ./stack.sh) and Debian's Keystone (set up by
# keystone-setup.sh) measured in the same run, same user, same bcrypt cost (12), concurrency 8.
#   tools/bench/identity/run.sh [--issue-seconds N] [--validate-seconds N]
set -euo pipefail
ROOT="$(cd "$(dirname "$(readlink -f "$0")")/../../.." && pwd)"
cd "$ROOT"
npx --no-install tsc -b tools/bench
tools/bench/identity/keystone-setup.sh
args=(--target "keystone=http://127.0.0.1:35357" --password-keystone "$(cat .bench/keystone/admin.password)" --pid "keystone=$(cat .bench/keystone/uwsgi.pid)")
if [ -f .stack/admin-openrc.sh ] && curl -fsS -o /dev/null http://127.0.0.1:5000/healthcheck; then
  # shellcheck disable=SC1091
  . .stack/admin-openrc.sh
  args=(--target "kumo=http://127.0.0.1:5000" --password-kumo "$OS_PASSWORD" --pid "kumo=$(cat .stack/pids/identity.pid)" "${args[@]}")
else
  echo "Kumo's identity is not running (./stack.sh starts it): measuring Keystone only"
fi
node tools/bench/dist/identity.js "${args[@]}" --user admin --project admin --concurrency 8 --out .bench "$@"
# free the baseline's memory (keystone-setup.sh brings it back in seconds)
[ "${KEEP_KEYSTONE:-}" = 1 ] || tools/bench/identity/keystone-setup.sh stop
