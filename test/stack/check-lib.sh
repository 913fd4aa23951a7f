# test/stack/check-lib.sh — what the shell-level stack checks share (sourced by purge-check.sh and
# unstack-check.sh): deploy/allinone/lib.sh, the PASS/FAIL counter and the closing line.
KUMO_ROOT="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)"
export KUMO_ROOT
# shellcheck source=deploy/allinone/lib.sh
. "$KUMO_ROOT/deploy/allinone/lib.sh"

passed=0
failed=0
check() { # check DESCRIPTION COMMAND...: passes when COMMAND succeeds
  local what="$1"; shift
  if "$@"; then passed=$((passed + 1)); say "  ${G}PASS${N} $what"; else failed=$((failed + 1)); say "  ${R}FAIL${N} $what"; fi
}

# check_summary NAME: the "N passed, N failed" line; its status is the verdict
check_summary() {
  say "$1: $passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}
