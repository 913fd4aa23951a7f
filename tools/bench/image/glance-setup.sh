#!/usr/bin/env bash
# Sets up OpenStack Glance from Debian's packages as the image benchmark's baseline, beside Kumo's
# running stack and against the same services: one glance-api (Debian's eventlet server, as
# Debian runs it) with as many API workers as cores, two stores in one process (Glance's
# multi-store: `file` in .bench/glance/images, on the same filesystem as Kumo's file store, and
# `swift` in Kumo's object service, as Kumo's image service's object store is), keystone auth
# against Kumo's identity (keystonemiddleware as Kumo's service user), and its database
# glance_bench on the stack's MariaDB. Everything else lives under .bench/glance (config, images,
# logs, pid file, the database password). Idempotent: run it again and it only starts Glance when
# it is not running (and restarts it when its config changed).
#
#   tools/bench/image/glance-setup.sh [start]   install, configure, db_sync, start; prints the URL
#   tools/bench/image/glance-setup.sh stop      stops the glance-api this script started
#   tools/bench/image/glance-setup.sh reset     stop, drop glance_bench, remove .bench/glance
#
# Needs ./stack.sh's stack: .stack/kumo.yaml / .stack/secrets.env (the service user's password),
# identity on :5000 and the object service on :8080 (only when an image goes to the swift store).
# Glance answers on http://127.0.0.1:$GLANCE_BENCH_PORT (9393); a token of Kumo's identity works
# there as on Kumo's :9292; `X-Image-Meta-Store: file|swift` on the upload picks the store.
# It never binds Kumo's ports (5000, 8080, 9292, 9293 (the bench's own Kumo file store), 35357,
# 6200-6299): the script refuses such a GLANCE_BENCH_PORT.
#
# Auth: keystone, not noauth. Kumo's image service validates every request's token against its
# identity (as service user `kumo`, cached); keystonemiddleware does the same for Glance with the
# same user (in-process cache in each worker). noauth would spare Glance a step Kumo cannot skip.
# Per 1 GiB transfer it is one validation either way.
#
# Debian (bookworm, glance 2:25.1.0 = Zed, glance_store 4.1.0) surprises, in the order they bite:
#  * python3-glance alone has no server: /usr/bin/glance-api (the eventlet server) is in
#    glance-api, which Depends on glance-common (dbconfig-common, debconf) and
#    python3-openstackclient. glance-api's postinst starts the service through invoke-rc.d
#    (Docker's /usr/sbin/policy-rc.d, exit 101, denies it; where none exists we put one in place for
#    the install, as swift-setup.sh does): Debian's glance-api.conf has no bind_port, so Glance
#    would take 9292 - Kumo's image port. The init script runs the eventlet glance-api, not uwsgi
#    ("Glance appears broken with uwsgi": Debian comments UWSGI_PORT out), so we do the same.
#  * debconf questions under DEBIAN_FRONTEND=noninteractive take their defaults, all false:
#    glance/configure_db (no dbconfig database), glance/configure_ksat (no keystone_authtoken),
#    glance/configure_api-endpoint (otherwise the postinst runs `openstack service create` and
#    `endpoint create` against keystone on :5000 = Kumo's identity). Nothing is registered in
#    Kumo's catalog; the postinst writes /etc/glance/*.conf from /usr/share/glance-common, which we
#    never read (every command gets --config-file under .bench/glance).
#  * The paste pipeline is chosen by [paste_deploy] flavor: `keystone` (authtoken + context, no
#    image cache: a cached download would not read the store). Debian's paste file is used as shipped
#    (/usr/share/glance-common/glance-api-paste.ini).
#  * Glance needs a database (images and locations in SQL, like Kumo's): MariaDB (root on
#    127.0.0.1 without password, as keystone-setup.sh uses), python3-pymysql, glance-manage db_sync.
#  * Multi-store (enabled_backends) insists on its reserved stores: os_glance_staging_store and
#    os_glance_tasks_store need a filesystem_store_datadir, or the API refuses to start.
#  * glance_store's swift driver, single tenant, reads its credentials from a "swift reference"
#    file (glance-swift.conf: user = <project>:<user>, auth_version 3 with the domains), logs in
#    with keystoneauth and takes the object-store endpoint from the catalog: the service project's
#    account in Kumo's object service, container glance-bench (created on the first PUT).
#    With the size known (Content-Length), an image under swift_store_large_object_size (5 GiB
#    default) is one object PUT; Kumo's image service writes 200 MiB segments and an SLO manifest.
#  * `python3` here may be a pyenv shim; glance-api and glance-manage have #!/usr/bin/python3.
#  * glance-api does not drop privileges (no uid option): it runs as root like the rest of the
#    bench, with its data under .bench (root-only). Its log is .bench/glance/log/glance-api.log (INFO).
set -euo pipefail
ROOT="$(cd "$(dirname "$(readlink -f "$0")")/../../.." && pwd)"
DIR="$ROOT/.bench/glance"
RUN="$DIR/run"
LOG="$DIR/log"
CONF="$DIR/glance-api.conf"
PORT="${GLANCE_BENCH_PORT:-9393}"
WORKERS="${GLANCE_BENCH_WORKERS:-$(nproc)}"
DB=glance_bench
PIDFILE="$RUN/glance-api.pid"

case "$PORT" in
  5000 | 8080 | 9292 | 9293 | 35357 | 62[0-9][0-9])
    echo "GLANCE_BENCH_PORT=$PORT is one of Kumo's ports (5000, 8080, 9292, 9293, 35357, 62xx): choose another" >&2
    exit 2 ;;
esac

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null && grep -qa "$2" "/proc/$(cat "$1")/cmdline"; }
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

stop() {
  local pid
  if alive "$PIDFILE" glance-api; then
    pid=$(cat "$PIDFILE")
    # the parent stops its workers on SIGTERM
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
    echo "stopped glance-api (pid $pid)"
  fi
  rm -f "$PIDFILE"
}
case "${1:-start}" in
  stop) stop; exit 0 ;;
  reset)
    stop
    mariadb -h 127.0.0.1 -u root -e "DROP DATABASE IF EXISTS $DB; DROP USER IF EXISTS '$DB'@'127.0.0.1';" || true
    rm -rf "$DIR"; echo "removed $DIR and the $DB database"; exit 0 ;;
  start) ;;
  *) echo "usage: $0 [start|stop|reset]" >&2; exit 2 ;;
esac

# --- the stack's service user ---------------------------------------------------------------
[ -f "$ROOT/.stack/secrets.env" ] || { echo "run ./stack.sh first (.stack/secrets.env is missing)" >&2; exit 1; }
# shellcheck disable=SC1091
SERVICE_PASSWORD="$(. "$ROOT/.stack/secrets.env"; echo "$SERVICE_PASSWORD")"
IDENTITY="http://127.0.0.1:5000"

# --- packages -------------------------------------------------------------------------------
# shellcheck source=tools/bench/peer-packages.sh
. "$ROOT/tools/bench/peer-packages.sh"
install_peer_packages "glance-api's would take port 9292, Kumo's" glance-api python3-glance-store python3-keystonemiddleware python3-swiftclient python3-pymysql mariadb-client curl

# --- layout, database, config ---------------------------------------------------------------
mkdir -p "$RUN" "$LOG" "$DIR/images" "$DIR/staging" "$DIR/tasks" "$DIR/lock"
chmod 700 "$DIR"
umask 077
[ -s "$DIR/db.password" ] || head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$DIR/db.password"
DBPW=$(cat "$DIR/db.password")
mariadb -h 127.0.0.1 -u root -e "CREATE DATABASE IF NOT EXISTS $DB;
  CREATE USER IF NOT EXISTS '$DB'@'127.0.0.1' IDENTIFIED BY '$DBPW';
  ALTER USER '$DB'@'127.0.0.1' IDENTIFIED BY '$DBPW';
  GRANT ALL ON $DB.* TO '$DB'@'127.0.0.1'; FLUSH PRIVILEGES;"

changed=0
write_conf() { # file; content on stdin
  cat > "$1.new"
  if [ -f "$1" ] && cmp -s "$1" "$1.new"; then rm -f "$1.new"; else mv "$1.new" "$1"; changed=1; fi
}

write_conf "$DIR/glance-swift.conf" <<CONF
# written by tools/bench/image/glance-setup.sh - edits are overwritten
[kumo]
user = service:kumo
key = $SERVICE_PASSWORD
auth_address = $IDENTITY/v3
auth_version = 3
user_domain_name = Default
project_domain_name = Default
CONF

write_conf "$CONF" <<CONF
# written by tools/bench/image/glance-setup.sh - edits are overwritten
[DEFAULT]
bind_host = 127.0.0.1
bind_port = $PORT
workers = $WORKERS
log_file = $LOG/glance-api.log
use_stderr = false
enabled_backends = file:file, swift:swift

[database]
connection = mysql+pymysql://$DB:$DBPW@127.0.0.1/$DB

[glance_store]
default_backend = file

[file]
filesystem_store_datadir = $DIR/images

[swift]
default_swift_reference = kumo
swift_store_config_file = $DIR/glance-swift.conf
swift_store_container = glance-bench
swift_store_create_container_on_put = true
swift_store_endpoint_type = publicURL

[os_glance_staging_store]
filesystem_store_datadir = $DIR/staging

[os_glance_tasks_store]
filesystem_store_datadir = $DIR/tasks

[keystone_authtoken]
www_authenticate_uri = $IDENTITY
auth_url = $IDENTITY
auth_type = password
username = kumo
password = $SERVICE_PASSWORD
project_name = service
user_domain_name = Default
project_domain_name = Default

[paste_deploy]
flavor = keystone
config_file = /usr/share/glance-common/glance-api-paste.ini

[oslo_concurrency]
lock_path = $DIR/lock
CONF

if [ ! -f "$DIR/db.synced" ] || [ "$changed" = 1 ]; then
  if ! glance-manage --config-file "$CONF" db_sync > "$LOG/glance-manage.out" 2>&1; then
    echo "glance-manage db_sync failed; see $LOG/glance-manage.out" >&2
    tail -20 "$LOG/glance-manage.out" >&2
    exit 1
  fi
  touch "$DIR/db.synced"
fi

# --- the API ------------------------------------------------------------------------------------
if [ "$changed" = 1 ] && alive "$PIDFILE" glance-api; then echo "config changed, restarting glance-api"; stop; fi
if ! alive "$PIDFILE" glance-api; then
  rm -f "$PIDFILE"
  if listening "$PORT"; then echo "port $PORT is taken by something else" >&2; exit 1; fi
  glance-api --config-file "$CONF" </dev/null >>"$LOG/glance-api.out" 2>&1 &
  echo $! > "$PIDFILE"
fi
for _ in $(seq 1 150); do curl -fs -o /dev/null "http://127.0.0.1:$PORT/healthcheck" && break; sleep 0.2; done
if ! curl -fs -o /dev/null "http://127.0.0.1:$PORT/healthcheck"; then
  echo "glance-api did not answer on 127.0.0.1:$PORT; see $LOG/glance-api.log and $LOG/glance-api.out" >&2
  tail -20 "$LOG/glance-api.out" "$LOG/glance-api.log" >&2 2>/dev/null || true
  exit 1
fi
workers=$(pgrep -P "$(cat "$PIDFILE")" | wc -l)
echo "glance on http://127.0.0.1:$PORT (glance-api pid $(cat "$PIDFILE"), $workers API workers; stores file ($DIR/images) and swift (Kumo's object service, container glance-bench); keystone auth via $IDENTITY as kumo)"
