# shellcheck shell=bash
# deploy/allinone/memory.sh — the all-in-one stack's memory (docs/operations.md): the allocator every
# Kumo process runs with, each process's budget, and the memory table of stack.sh's summary. Sourced
# by lib.sh (after services.sh); it only defines variables and functions.

# jemalloc instead of glibc's malloc. Node frees a load's body buffers into malloc, and glibc keeps
# what it gets back inside its heap (it returns only the top of it): after the object benchmark a
# storage node held 200 MiB with plain glibc, 162 MiB with MALLOC_ARENA_MAX=2 and a fixed trim
# threshold, 126 MiB with a fixed mmap threshold (every 1 MiB buffer an mmap), 100-108 MiB with
# jemalloc, which gives free pages back after dirty_decay_ms on a thread of its own (measured
# 2026-12-07, docs/operations.md). A process whose library is missing runs on glibc's malloc.
KUMO_APT_PACKAGES+=(libjemalloc2)
KUMO_JEMALLOC="${KUMO_JEMALLOC:-/usr/lib/$(uname -m)-linux-gnu/libjemalloc.so.2}"
KUMO_MALLOC_CONF="${KUMO_MALLOC_CONF:-background_thread:true,dirty_decay_ms:5000,muzzy_decay_ms:0}"

# The environment every service gets before its own line's (which may override it): one KEY=VALUE a line.
kumo_memory_env() {
  [ -f "$KUMO_JEMALLOC" ] && printf '%s\n' "LD_PRELOAD=$KUMO_JEMALLOC" "MALLOC_CONF=$KUMO_MALLOC_CONF"
  return 0
}

# Steady RSS budget of every process, MiB: what it may keep once it settled after load (API services,
# storage nodes after sustained load, the proxy; agents alike). "pattern|MiB" lines (a glob on the
# service name, the first match counts) give a service another one.
KUMO_MEMORY_BUDGET_MIB="${KUMO_MEMORY_BUDGET_MIB:-120}"
# compute's four processes share issue 12's 300 MB (286 MiB) of summed RSS (docs/operations.md: "Compute")
KUMO_MEMORY_BUDGETS=("compute-api|100" "compute-scheduler|74" "compute-agent|56" "compute-console|56")
# The whole all-in-one control plane (every process's PSS: the node binary's pages counted once), MiB.
KUMO_MEMORY_TOTAL_MIB="${KUMO_MEMORY_TOTAL_MIB:-1024}"
# The summary's steady column: sampled from KUMO_SETTLE_SECONDS on (a Kumo service runs one full GC
# after 6 s of quiet, and jemalloc returns the freed pages over the next 5 s), for at most
# KUMO_STEADY_WAIT seconds more (0: no steady column).
KUMO_SETTLE_SECONDS="${KUMO_SETTLE_SECONDS:-12}"
KUMO_STEADY_WAIT="${KUMO_STEADY_WAIT:-30}"

svc_budget() {
  local entry
  for entry in "${KUMO_MEMORY_BUDGETS[@]}"; do
    # shellcheck disable=SC2053
    [[ "$1" == ${entry%%|*} ]] && { echo "${entry#*|}"; return 0; }
  done
  echo "$KUMO_MEMORY_BUDGET_MIB"
}

pss_mib() { awk '/^Pss:/ {printf "%.1f", $2 / 1024}' "/proc/$1/smaps_rollup" 2>/dev/null || true; }

# steady_rss PID...: each process's RSS in MiB once it settled (one line per pid, in order): after
# KUMO_SETTLE_SECONDS, sampled every second until the last three samples of every process lie within
# 1 MiB of each other, for at most KUMO_STEADY_WAIT seconds; a process still moving then gets its last
# sample with a "~" before it, one that is gone "-".
steady_rss() {
  local -a pids=("$@") a=() b=() c=()
  local i n=0 settled r
  sleep "$KUMO_SETTLE_SECONDS"
  while :; do
    for i in "${!pids[@]}"; do
      a[i]=${b[i]:-}; b[i]=${c[i]:-}
      c[i]=$(rss_mib "${pids[i]}" || true); c[i]=${c[i]:--}
    done
    n=$((n + 1))
    settled=1
    for i in "${!pids[@]}"; do
      [ "${c[i]}" = - ] && continue
      [ -n "${a[i]}" ] && [ "${a[i]}" != - ] && awk -v x="${a[i]}" -v y="${b[i]}" -v z="${c[i]}" \
        'BEGIN {hi = x; lo = x; if (y > hi) hi = y; if (z > hi) hi = z; if (y < lo) lo = y; if (z < lo) lo = z; exit !(hi - lo <= 1)}' || settled=
    done
    [ -n "$settled" ] && break
    [ "$n" -ge "$KUMO_STEADY_WAIT" ] && break
    sleep 1
  done
  for i in "${!pids[@]}"; do
    r=${c[i]}
    if [ "$r" != - ] && [ -z "$settled" ]; then r="~$r"; fi
    echo "$r"
  done
}

# memory_table: every service's PID, ports, RSS now, steady RSS (after it settled) and budget, the
# totals (RSS, and PSS: shared pages counted once), and the processes over their budget by name.
memory_table() {
  local line name pids=() names=() ports=() rss=() steady=() i pid total=0 total_steady=0 pss=0 over=()
  for line in "${KUMO_SERVICES[@]}"; do
    name=$(svc_field "$line" 0)
    names+=("$name"); ports+=("$(svc_field "$line" 2)")
    local r=-
    if pid=$(svc_pid "$name"); then r=$(rss_mib "$pid" || true); else pid=-; fi
    pids+=("$pid"); rss+=("${r:--}")
  done
  if [ "$KUMO_STEADY_WAIT" -gt 0 ]; then
    local -a live=()
    for pid in "${pids[@]}"; do [ "$pid" != - ] && live+=("$pid"); done
    local -a got=()
    [ "${#live[@]}" -gt 0 ] && mapfile -t got < <(steady_rss "${live[@]}")
    local k=0
    for pid in "${pids[@]}"; do
      if [ "$pid" = - ]; then steady+=(-); else steady+=("${got[k]:--}"); k=$((k + 1)); fi
    done
  fi
  printf '  %-18s %-8s %-16s %9s %11s %7s\n' SERVICE PID PORTS "RSS MiB" "STEADY MiB" BUDGET
  for i in "${!names[@]}"; do
    local s="${steady[i]:--}" budget
    budget=$(svc_budget "${names[i]}")
    printf '  %-18s %-8s %-16s %9s %11s %7s\n' "${names[i]}" "${pids[i]}" "${ports[i]:--}" "${rss[i]}" "$s" "$budget"
    [ "${rss[i]}" != - ] && total=$(awk -v a="$total" -v b="${rss[i]}" 'BEGIN {printf "%.1f", a + b}')
    if [ "$s" != - ]; then
      total_steady=$(awk -v a="$total_steady" -v b="${s#\~}" 'BEGIN {printf "%.1f", a + b}')
      awk -v x="${s#\~}" -v y="$budget" 'BEGIN {exit !(x > y)}' && over+=("${names[i]} (${s#\~} MiB > $budget)")
    fi
    [ "${pids[i]}" != - ] && pss=$(awk -v a="$pss" -v b="$(pss_mib "${pids[i]}")" 'BEGIN {printf "%.1f", a + b}')
  done
  printf '  %-18s %-8s %-16s %9s %11s\n' total "" "" "$total" "$([ "$KUMO_STEADY_WAIT" -gt 0 ] && echo "$total_steady" || echo -)"
  say "  RSS: when the stack came up; STEADY: once each process settled (from ${KUMO_SETTLE_SECONDS} s on, RSS unchanged"
  say "  for 3 s, at most ${KUMO_STEADY_WAIT} s more; ~ = still moving). PSS of all (shared pages counted once): $pss of ${KUMO_MEMORY_TOTAL_MIB} MiB."
  if [ "${#over[@]}" -gt 0 ]; then
    say "  ${Y}over budget (steady RSS, docs/operations.md):${N} ${over[*]}"
  elif [ "$KUMO_STEADY_WAIT" -gt 0 ]; then
    say "  every process is within its steady RSS budget (docs/operations.md)"
  fi
  awk -v x="$pss" -v y="$KUMO_MEMORY_TOTAL_MIB" 'BEGIN {exit !(x > y)}' && say "  ${Y}the stack's PSS, $pss MiB, is over its ${KUMO_MEMORY_TOTAL_MIB} MiB budget${N}"
  return 0
}
