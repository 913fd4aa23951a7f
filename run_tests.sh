#!/usr/bin/env bash
# ./run_tests.sh — installs what the tests need, starts what is not running, runs every tier
# (lint, unit, integration, system + compat against ./stack.sh's stack, the unstack check) and
# ends with `N passed, N failed`. CI runs it through .ci/run with CI=true.
set -uo pipefail
KUMO_ROOT="$(cd "$(dirname "$(readlink -f "$0")")" && pwd)"
export KUMO_ROOT
# shellcheck source=deploy/allinone/lib.sh
. "$KUMO_ROOT/deploy/allinone/lib.sh"
RETRY_COMMAND="./run_tests.sh"
RESULTS="$STACK_DIR/test-results"
rm -rf "$RESULTS"
mkdir -p "$RESULTS" "$STACK_DIR" "$LOG_DIR" "$PID_DIR"
export KUMO_STACK_DIR="$STACK_DIR"
T0=$(date +%s%N)

record() { printf '%s\t%s\n' "$1" "$2" >> "$RESULTS/steps.tsv"; }

# run_step NAME COMMAND...: a step whose failure is counted (the run goes on to the summary)
run_step() {
  local name="$1"; shift
  local start rc
  start=$(date +%s%N)
  printf '%s\n' "${B}==> ${name}${N}"
  "$@"
  rc=$?
  printf '%s\n' "    ${name}: $([ "$rc" -eq 0 ] && echo "${G}ok${N}" || echo "${R}failed ($rc)${N}") in $(elapsed "$start" "$(date +%s%N)")"
  return "$rc"
}

jest_tier() {
  local tier="$1" pattern="$2"; shift 2
  (cd "$KUMO_ROOT" && npx --no-install jest --ci --passWithNoTests --testPathPattern "$pattern" --json --outputFile "$RESULTS/$tier.json" "$@") 2>&1 \
    | grep -vE '^npm warn' | tail -n 60
  [ -f "$RESULTS/$tier.json" ] || echo '{"numPassedTests":0,"numFailedTests":1,"testResults":[]}' > "$RESULTS/$tier.json"
}

setup() {
  apt_install mariadb-server mariadb-client rabbitmq-server python3-openstackclient python3-swiftclient curl ca-certificates iproute2 procps iptables build-essential python3 \
    && start_mariadb && start_rabbitmq && node_modules_install && build
}

if run_step "install and build" setup; then
  record "install and build" pass
  if run_step "lint and type-check" bash -c "cd '$KUMO_ROOT' && pnpm -s lint 2>&1 | grep -v '^npm warn' | tail -n 40; exit \${PIPESTATUS[0]}"; then
    record lint pass
  else
    record lint fail
  fi
  run_step "unit tests" jest_tier unit '\.spec\.ts$'
  run_step "integration tests" jest_tier integration '\.int-spec\.ts$' --runInBand
  if run_step "stack.sh" bash -c "'$KUMO_ROOT/stack.sh' 2>&1"; then
    record "stack.sh" pass
    run_step "system tests" jest_tier system '\.sys-spec\.ts$' --runInBand
    run_step "compat tests (real openstack client)" jest_tier compat '\.compat-spec\.ts$' --runInBand
    if run_step "unstack leaves nothing behind" "$KUMO_ROOT/test/stack/unstack-check.sh"; then
      record "unstack leaves nothing behind" pass
    else
      record "unstack leaves nothing behind" fail
    fi
    # bring the cloud back for the developer (CI ends here)
    if [ "${CI:-}" != "true" ]; then "$KUMO_ROOT/stack.sh" > "$LOG_DIR/restack.log" 2>&1 || echo "note: ./stack.sh after the tests failed, see $LOG_DIR/restack.log"; fi
  else
    record "stack.sh" fail
  fi
else
  record "install and build" fail
fi

echo ""
echo "Test run took $(elapsed "$T0" "$(date +%s%N)")."
node "$KUMO_ROOT/tools/ci/summary.js" "$RESULTS"
