#!/usr/bin/env bash
# The compute scale benchmark's own control plane, beside the stack and never touching its data:
# the compute API (apps/compute's code, tools/bench/dist/compute-services.js) on 127.0.0.1:$BENCH_COMPUTE_PORT
# (18774), the scheduler + conductor, both on database kumo_compute_bench and on the bus under the
# exchange prefix kumo-bench (so the stack's scheduler never sees the fake hosts and the bench's
# never sees the stack's agent), and $BENCH_HOSTS (200) fake hosts in $BENCH_AGENT_PROCS (4)
# processes (tools/bench/dist/compute-fake-agents.js: the real agent code on BenchDriver, no QEMU).
# Identity and image are the stack's (tokens, kumo-tiny).
#
#   tools/bench/compute/control-plane.sh start|stop|reset    (reset: stop, then drop kumo_compute_bench)
# Pids in .bench/compute/pids/, logs in .bench/compute/log/, config .bench/compute/kumo.yaml.
# BENCH_NODE_ARGS: node options for the API and scheduler processes, e.g. to profile them:
#   BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=$PWD/.bench/compute/prof" (written when they stop: reset/stop)
set -euo pipefail
ROOT="$(cd "$(dirname "$(readlink -f "$0")")/../../.." && pwd)"
cd "$ROOT"
DIR=.bench/compute
PORT="${BENCH_COMPUTE_PORT:-18774}"
HOSTS="${BENCH_HOSTS:-200}"
PROCS="${BENCH_AGENT_PROCS:-4}"
SCHEDULERS="${BENCH_SCHEDULERS:-1}" # the stack runs one
DB=kumo_compute_bench
PREFIX=kumo-bench
mkdir -p "$DIR/pids" "$DIR/log" "$DIR/agents"

stop_all() {
  local f pid
  for f in "$DIR"/pids/*.pid; do
    [ -f "$f" ] || continue
    pid=$(cat "$f")
    if kill -0 "$pid" 2>/dev/null; then kill "$pid"; fi
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
    rm -f "$f"
  done
}

# The stack's environment of a compute service (deploy/allinone: jemalloc's LD_PRELOAD and MALLOC_CONF
# from memory.sh, the service line's NODE_OPTIONS), so that the bench's API and scheduler use memory
# as the stack's do (docs/operations.md); the fake hosts run plain.
stack_env() { # NAME
  case "$1" in compute-api | compute-scheduler*) ;; *) return 0 ;; esac
  (. deploy/allinone/lib.sh && svc_env "${1%-[0-9]*}" "$(svc_field "$(svc_line "${1%-[0-9]*}")" 4)") | grep -E '^(LD_PRELOAD|MALLOC_CONF|NODE_OPTIONS)=' || true
}

start_bg() { # NAME command...
  local name=$1; shift
  local -a envs
  mapfile -t envs < <(stack_env "$name")
  nohup env "${envs[@]}" "$@" >> "$DIR/log/$name.log" 2>&1 < /dev/null &
  echo $! > "$DIR/pids/$name.pid"
}

case "${1:-start}" in
  stop) stop_all; exit 0 ;;
  reset)
    stop_all
    mysql -uroot -e "DROP DATABASE IF EXISTS $DB"
    # the bench's queues on RabbitMQ (the fake hosts' durable ones would outlive them), in one call
    if command -v rabbitmqctl >/dev/null; then
      rabbitmqctl -q eval "length([rabbit_amqqueue:delete(Q, false, false, <<\"kumo-bench\">>) || Q <- rabbit_amqqueue:list(<<\"/\">>), binary:longest_common_prefix([element(4, amqqueue:get_name(Q)), <<\"$PREFIX.\">>]) =:= byte_size(<<\"$PREFIX.\">>)])." \
        | sed 's/^/removed RabbitMQ queues of the bench: /' || echo "could not remove the bench's RabbitMQ queues (rabbitmqctl eval failed)"
    fi
    rm -rf "$DIR/agents"; exit 0 ;;
  start) ;;
  *) echo "usage: $0 start|stop|reset" >&2; exit 2 ;;
esac

[ -f .stack/kumo.yaml ] || { echo "no .stack/kumo.yaml: ./stack.sh must run (identity and image are the stack's)" >&2; exit 1; }
if [ "$PORT" = 8774 ]; then echo "BENCH_COMPUTE_PORT must not be the stack's 8774" >&2; exit 1; fi
dburl=$(sed -n '/^database:/,/^[^ ]/ s/^  url: *//p' .stack/kumo.yaml | head -n1)
svcpw=$(sed -n '/^compute:/,/^[^ ]/ s/^  service_password: *//p' .stack/kumo.yaml | head -n1)
cat > "$DIR/kumo.yaml" <<YAML
# written by tools/bench/compute/control-plane.sh: the scale benchmark's compute control plane
database:
  url: $dburl
messaging:
  url: amqp://guest:guest@127.0.0.1:5672
  exchange_prefix: $PREFIX
logging:
  level: warn
compute:
  port: $PORT
  bind_host: 127.0.0.1
  public_url: http://127.0.0.1:$PORT
  auth_url: http://127.0.0.1:5000/v3
  service_password: $svcpw
  image_url: http://127.0.0.1:9292
YAML
export KUMO_CONFIG="$ROOT/$DIR/kumo.yaml"
stop_all
node tools/bench/dist/compute-services.js sync --database "$DB" | tail -n 1
# shellcheck disable=SC2086 # BENCH_NODE_ARGS is a list of options
start_bg compute-api node ${BENCH_NODE_ARGS:-} tools/bench/dist/compute-services.js api --database "$DB"
for s in $(seq 1 "$SCHEDULERS"); do
  name=compute-scheduler; [ "$s" -gt 1 ] && name="compute-scheduler-$s"
  # shellcheck disable=SC2086
  start_bg "$name" env BENCH_SCHEDULER_NAME="$name" node ${BENCH_NODE_ARGS:-} tools/bench/dist/compute-services.js scheduler --database "$DB"
done
per=$(( (HOSTS + PROCS - 1) / PROCS ))
for p in $(seq 0 $((PROCS - 1))); do
  first=$((p * per)); n=$per
  [ $((first + n)) -gt "$HOSTS" ] && n=$((HOSTS - first))
  [ "$n" -gt 0 ] || continue
  start_bg "agents-$p" node tools/bench/dist/compute-fake-agents.js --hosts "$n" --first "$first" \
    --exchange-prefix "$PREFIX" --status "$DIR/agents/agents-$p.json" ${BENCH_AGENT_ARGS:-}
done
for _ in $(seq 1 100); do curl -fs -o /dev/null "http://127.0.0.1:$PORT/healthcheck" && break; sleep 0.3; done
curl -fs -o /dev/null "http://127.0.0.1:$PORT/healthcheck" || { echo "the bench compute API did not come up:"; tail -n 20 "$DIR/log/compute-api.log"; exit 1; }
echo "bench compute API on http://127.0.0.1:$PORT (database $DB, exchange prefix $PREFIX), $SCHEDULERS scheduler(s), $HOSTS fake hosts in $PROCS processes"
