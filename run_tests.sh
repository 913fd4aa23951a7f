#!/usr/bin/env bash
# ./run_tests.sh — the one test command (as root on Debian 12 / Ubuntu 22.04+; .ci/run calls it with
# CI=true). Installs what the tests need (apt packages, node modules from the lockfile), starts
# MariaDB and RabbitMQ when they are not running, creates the database user kumo (the integration
# tests' KUMO_TEST_DATABASE_URL unless set), builds, then runs every tier:
#   lint (one test) · unit (*.spec.ts) · web (the dashboard app's Vitest tests) · integration (*.int-spec.ts, real MariaDB + RabbitMQ)
#   · fuzz (*.fuzz-spec.ts: every route of every service fed malformed input, libs/testing)
#   · ./stack.sh (one test) · system (*.sys-spec.ts) and compat (*.compat-spec.ts, the real
#   openstack/swift clients) and browser (*.browser-spec.ts, Playwright on chromium) against that stack · the purge test (test/stack/purge-check.sh) · the unstack test (test/stack/unstack-check.sh)
# and ends with the line `N passed, N failed` (exit 0 only when nothing failed). Every step runs
# whatever happened before it, and prints its duration. Outside CI the stack is brought back up at
# the end (the unstack test stops it). Results: .stack/test-results/ (jest JSON and logs).
#
# Environment: KUMO_TIER_TIMEOUT (seconds per jest tier, default 1200).
set -uo pipefail
KUMO_ROOT="$(cd "$(dirname "$(readlink -f "$0")")" && pwd)"
export KUMO_ROOT
# shellcheck source=deploy/allinone/lib.sh
. "$KUMO_ROOT/deploy/allinone/lib.sh"
case "${1:-}" in
  "") ;;
  -h | --help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) die "unknown argument '$1' (./run_tests.sh takes none; one tier: npx jest --testPathPattern '\\.int-spec\\.ts\$')" ;;
esac
RESULTS="$STACK_DIR/test-results"
MANIFEST="$RESULTS/manifest.tsv"
rm -rf "$RESULTS"
mkdir -p "$RESULTS" "$LOG_DIR" "$PID_DIR"
chmod 700 "$STACK_DIR"
export KUMO_STACK_DIR="$STACK_DIR"
TIER_TIMEOUT="${KUMO_TIER_TIMEOUT:-1200}"
T0=$(now_ns)

seconds_since() { awk -v a="$1" -v b="$(now_ns)" 'BEGIN {printf "%.1f", (b - a) / 1e9}'; }
slug() { echo "$1" | tr -c 'a-zA-Z0-9\n' '-' | tr -s '-'; }
banner() { say ""; say "${B}==> $1${N}"; }
result() { # result NAME RC START
  if [ "$2" -eq 0 ]; then say "${G}<== $1: ok${N} ($(seconds_since "$3")s)"; else say "${R}<== $1: FAILED (exit $2)${N} ($(seconds_since "$3")s)"; fi
}

# quiet NAME COMMAND...: a step whose output goes to a log, shown (its end) only on failure.
quiet() {
  local name="$1"; shift
  local start rc log
  log="$RESULTS/$(slug "$name").log"
  banner "$name"
  start=$(now_ns)
  ( set -e; "$@" ) > "$log" 2>&1 < /dev/null
  rc=$?
  if [ "$rc" -ne 0 ]; then say "--- last lines of $log ---"; tail -n 40 "$log"; say "---"; else tail -n 1 "$log"; fi
  result "$name" "$rc" "$start"
  printf 'step\t%s\t%s\t%s\n' "$name" "$([ "$rc" -eq 0 ] && echo pass || echo fail)" "$(seconds_since "$start")" >> "$MANIFEST"
  return "$rc"
}

# loud NAME COMMAND...: a step whose output is shown as it runs (and kept in a log).
loud() {
  local name="$1"; shift
  local start rc log
  log="$RESULTS/$(slug "$name").log"
  banner "$name"
  start=$(now_ns)
  "$@" < /dev/null 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  result "$name" "$rc" "$start"
  printf 'step\t%s\t%s\t%s\n' "$name" "$([ "$rc" -eq 0 ] && echo pass || echo fail)" "$(seconds_since "$start")" >> "$MANIFEST"
  return "$rc"
}

# tier NAME PATTERN [JEST ARGS...]: one jest tier; its tests are counted from its JSON result.
tier() {
  local name="$1" pattern="$2"; shift 2
  local start rc json="$RESULTS/$name.json"
  banner "$name tests ($pattern)"
  start=$(now_ns)
  if [ -x "$KUMO_ROOT/node_modules/.bin/jest" ]; then
    (cd "$KUMO_ROOT" && timeout --kill-after=30 "$TIER_TIMEOUT" npx --no-install jest --ci --passWithNoTests --forceExit \
      --testPathPattern "$pattern" --json --outputFile "$json" "$@") < /dev/null 2>&1 | tee "$RESULTS/$name.log" | grep -v '^npm warn'
    rc=${PIPESTATUS[0]}
  else
    say "jest is not installed (node_modules/.bin/jest is missing: did the node modules step fail?)"
    rc=127
  fi
  [ "$rc" -eq 124 ] && say "${R}the $name tier did not finish within ${TIER_TIMEOUT} s${N}"
  result "$name tests" "$rc" "$start"
  printf 'jest\t%s\t%s\t%s\t%s\n' "$name" "$name.json" "$(seconds_since "$start")" "$rc" >> "$MANIFEST"
}

# vitest_tier NAME DIR CONFIG: a package's Vitest tests (the dashboard's app: jsdom, Testing Library),
# after a type-check of what they test (DIR/TSCONFIG); Vitest's JSON report is jest's shape, so
# summary.js counts it as a jest tier.
vitest_tier() {
  local name="$1" dir="$2" config="$3" start rc json="$RESULTS/$1.json"
  banner "$name tests (vitest, $dir)"
  start=$(now_ns)
  (cd "$KUMO_ROOT/$dir" && npx --no-install tsc -p "$(dirname "$config")/tsconfig.json" && timeout --kill-after=30 "$TIER_TIMEOUT" \
    npx --no-install vitest run --config "$config" --reporter=default --reporter=json --outputFile.json="$json") < /dev/null 2>&1 | tee "$RESULTS/$name.log"
  rc=${PIPESTATUS[0]}
  result "$name tests" "$rc" "$start"
  printf 'jest\t%s\t%s\t%s\t%s\n' "$name" "$name.json" "$(seconds_since "$start")" "$rc" >> "$MANIFEST"
}

# MariaDB and RabbitMQ, and the database user kumo (ALL on kumo\_%.*) that the integration tests
# use for their throwaway kumo_test_* databases (a fresh MariaDB has no password-less TCP root)
start_services() { start_mariadb && start_rabbitmq && ensure_secrets && load_secrets && ensure_db_user; }
install_and_build() { node_modules_install && build; }

if [ "$(id -u)" -ne 0 ]; then
  say "${R}run_tests.sh needs root (it installs packages, starts services, creates bridges and namespaces), running as uid $(id -u)${N}"
  printf 'step\t%s\t%s\t%s\n' "run as root" fail 0 >> "$MANIFEST"
  node "$KUMO_ROOT/tools/ci/summary.js" "$RESULTS"
  exit 1
fi

# chromium: the browser tier (Playwright through playwright-core drives Debian's, /usr/bin/chromium)
quiet "system packages" apt_install "${KUMO_APT_PACKAGES[@]}" jq libvirt-daemon-system chromium
quiet "MariaDB, RabbitMQ, database user" start_services
if [ -z "${KUMO_TEST_DATABASE_URL:-}" ] && [ -f "$STACK_DIR/secrets.env" ]; then
  load_secrets
  export KUMO_TEST_DATABASE_URL="mysql://kumo:${KUMO_DB_PASSWORD}@127.0.0.1:3306"
fi
quiet "node modules and build" install_and_build
# shellcheck disable=SC2016
loud "lint and type-check (pnpm lint)" bash -c 'cd "$KUMO_ROOT" && pnpm -s lint'
tier unit '\.spec\.ts$'
vitest_tier web apps/dashboard web/vite.config.ts
tier integration '\.int-spec\.ts$' --runInBand
tier fuzz '\.fuzz-spec\.ts$' --runInBand
loud "stack.sh" "$KUMO_ROOT/stack.sh"
tier system '\.sys-spec\.ts$' --runInBand
tier compat '\.compat-spec\.ts$' --runInBand
tier browser '\.browser-spec\.ts$' --runInBand
loud "unstack --purge removes Kumo's guests only; libvirt's systemd unit" "$KUMO_ROOT/test/stack/purge-check.sh"
loud "unstack leaves nothing behind" "$KUMO_ROOT/test/stack/unstack-check.sh"
if [ "${CI:-}" != "true" ]; then
  banner "bringing the stack back up (not counted; CI leaves it stopped)"
  if "$KUMO_ROOT/stack.sh" > "$RESULTS/restack.log" 2>&1; then say "the stack runs again"; else
    say "${Y}./stack.sh after the tests failed:${N}"; tail -n 30 "$RESULTS/restack.log"
  fi
fi

say ""
say "Test run took $(seconds_since "$T0")s; results in $RESULTS"
node "$KUMO_ROOT/tools/ci/summary.js" "$RESULTS"
