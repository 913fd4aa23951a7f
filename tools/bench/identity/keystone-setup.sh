#!/usr/bin/env bash
# Sets up OpenStack Keystone from Debian's packages as the identity benchmark's baseline, at its
# best: fernet tokens, uwsgi with one process per core (one thread each), token caching in
# memcached, bcrypt cost 12 (Keystone's default). Everything lives under .bench/keystone (config,
# fernet/credential keys, logs, pid files, the generated passwords); the database is
# keystone_bench on the local MariaDB (127.0.0.1:3306, root without password). Idempotent: run it
# again and it only starts what is not running.
#
#   tools/bench/identity/keystone-setup.sh [start]   install, configure, bootstrap, start; prints the URL
#   tools/bench/identity/keystone-setup.sh stop      stops the uwsgi and memcached this script started
#
# Keystone answers on http://127.0.0.1:$KEYSTONE_BENCH_PORT (35357); user admin, project admin,
# domain Default, password in .bench/keystone/admin.password.
#
# Debian (bookworm, keystone 2:22.0.2 = Zed) surprises, in the order they bite:
#  * Debian does not serve Keystone through Apache: the keystone package ships
#    /etc/keystone/keystone-uwsgi.ini and an init script/systemd unit that run uwsgi_python3 with
#    --http-socket :5000 (8 processes x 32 threads). Its postinst enables and starts that service
#    through invoke-rc.d. Without systemd, and with Docker's /usr/sbin/policy-rc.d (exit 101)
#    already present on this image, that is denied ("invoke-rc.d: policy-rc.d denied execution of
#    start") and the install succeeds. Where no policy-rc.d exists we put one in place for the
#    install and remove it afterwards (also on failure), so nothing grabs port 5000 - Kumo's port.
#  * debconf (dbconfig-common) questions are answered by DEBIAN_FRONTEND=noninteractive defaults:
#    the package configures nothing we use; we keep our own config and never touch /etc/keystone.
#  * `python3` on this machine may be a pyenv shim without Debian's modules; keystone-manage and
#    keystone-wsgi-public have #!/usr/bin/python3 and uwsgi embeds Debian's libpython3.11, so
#    nothing here goes through PATH's python3.
#  * Debian's security patch for bcrypt's 72-byte limit (deb12u*) logs "Truncating password to
#    algorithm specific maximum length 72 characters" on EVERY password check unless
#    [identity] max_password_length <= 72 (the default is 4096). We set 72: same behaviour, no
#    per-request log write.
#  * Keystone logs "key_repository is world readable" on every token issue when the fernet key
#    directory is readable by others: the key directories are made 0700.
#  * keystone-manage (eventlet monkey-patched) prints an "Exception ignored in: _removeHandlerRef
#    ... 'NoneType' object has no attribute 'getcurrent'" traceback at exit, now and then,
#    successful or not; its stderr is kept in log/keystone-manage.stderr and shown only on failure.
#  * With [cache] enabled, keystone-manage bootstrap reads through memcached and fails with
#    ConnectionRefusedError if memcached is down: memcached is started before keystone-manage.
#  * The memcached package's postinst is denied too (no daemon is started), and memcached refuses
#    to run as root without -u: we start it with -u memcache (the user the package creates). Its
#    -P pid file is written after dropping privileges, so we record the pid ourselves.
#  * uwsgi-core's binary has neither Python nor the HTTP router built in: --plugin http,python3
#    (without it: "option '--http' is ambiguous"). uwsgi warns "running uWSGI as root": harmless here (keys are root's).
#  * Debian's own layout (--http-socket straight into the workers) answers HTTP/1.1 but drops the
#    connection after each response: a keep-alive client (undici, python-requests) then sees
#    "read ECONNRESET" on ~10% of requests (measured: 106/s with 176 errors in 15 s, against 116/s
#    and none behind the router); --http11-socket would keep connections, but a one-thread worker
#    would sit on one client's idle connection. So uwsgi's HTTP router goes in front (--http ...
#    --http-keepalive), as Apache or nginx would in production, and clients reuse connections.
#  * uwsgi logs one line per request by default; --disable-logging (the benchmark measures
#    Keystone, not its access log). Keystone's own log (INFO) stays on.
set -euo pipefail
ROOT="$(cd "$(dirname "$(readlink -f "$0")")/../../.." && pwd)"
DIR="$ROOT/.bench/keystone"
PORT="${KEYSTONE_BENCH_PORT:-35357}"
WORKERS="${KEYSTONE_BENCH_WORKERS:-$(nproc)}"
CONF="$DIR/keystone.conf"
DB=keystone_bench

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null && grep -qa "$2" "/proc/$(cat "$1")/cmdline"; }
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

stop() {
  local f name pid
  for f in uwsgi memcached; do
    name="$DIR/$f.pid"
    if alive "$name" "$f"; then
      pid=$(cat "$name")
      kill -INT "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
      if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
      echo "stopped $f (pid $pid)"
    fi
    rm -f "$name"
  done
}
case "${1:-start}" in
  stop) stop; exit 0 ;;
  start) ;;
  *) echo "usage: $0 [start|stop]" >&2; exit 2 ;;
esac

mkdir -p "$DIR/log" "$DIR/fernet-keys" "$DIR/credential-keys"
chmod 700 "$DIR" "$DIR/fernet-keys" "$DIR/credential-keys"

# --- packages -------------------------------------------------------------------------------
# shellcheck source=tools/bench/peer-packages.sh
. "$ROOT/tools/bench/peer-packages.sh"
install_peer_packages "keystone's would take port 5000" keystone python3-pymysql memcached python3-pymemcache uwsgi-core uwsgi-plugin-python3 curl

# --- database and config ----------------------------------------------------------------------
umask 077
[ -s "$DIR/db.password" ] || head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$DIR/db.password"
[ -s "$DIR/admin.password" ] || head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$DIR/admin.password"
DBPW=$(cat "$DIR/db.password")
ADMINPW=$(cat "$DIR/admin.password")
mariadb -h 127.0.0.1 -u root -e "CREATE DATABASE IF NOT EXISTS $DB;
  CREATE USER IF NOT EXISTS '$DB'@'127.0.0.1' IDENTIFIED BY '$DBPW';
  ALTER USER '$DB'@'127.0.0.1' IDENTIFIED BY '$DBPW';
  GRANT ALL ON $DB.* TO '$DB'@'127.0.0.1'; FLUSH PRIVILEGES;"

cat > "$CONF.new" <<CONF
# written by tools/bench/identity/keystone-setup.sh - edits are overwritten
[DEFAULT]
log_dir = $DIR/log
use_stderr = false
debug = false

[database]
connection = mysql+pymysql://$DB:$DBPW@127.0.0.1/$DB

[token]
provider = fernet
expiration = 3600
caching = true

[fernet_tokens]
key_repository = $DIR/fernet-keys
max_active_keys = 3

[fernet_receipts]
key_repository = $DIR/fernet-keys

[credential]
key_repository = $DIR/credential-keys

[cache]
enabled = true
backend = dogpile.cache.pymemcache
memcache_servers = 127.0.0.1:11211

[identity]
password_hash_algorithm = bcrypt
password_hash_rounds = 12
# see the Debian notes above: avoids a warning logged on every password check
max_password_length = 72
CONF
changed=1
if [ -f "$CONF" ] && cmp -s "$CONF" "$CONF.new"; then changed=0; fi
mv "$CONF.new" "$CONF"

# --- memcached (before keystone-manage: bootstrap reads through the cache) ---------------------
if ! alive "$DIR/memcached.pid" memcached && ! listening 11211; then
  # not -d -P: memcached writes its pid file after dropping to the memcache user, which cannot
  # write into this root-only directory
  setsid memcached -u memcache -l 127.0.0.1 -p 11211 -m 128 -c 1024 </dev/null >>"$DIR/log/memcached.log" 2>&1 &
  echo $! > "$DIR/memcached.pid"
fi
for _ in $(seq 1 50); do listening 11211 && break; sleep 0.1; done
listening 11211 || { echo "memcached did not start on 127.0.0.1:11211" >&2; exit 1; }

# --- schema, keys, admin ------------------------------------------------------------------------
km() {
  if ! keystone-manage --config-file "$CONF" "$@" 2> "$DIR/log/keystone-manage.stderr"; then
    echo "keystone-manage $1 failed:" >&2
    cat "$DIR/log/keystone-manage.stderr" >&2
    tail -30 "$DIR/log/keystone-manage.log" >&2 || true
    return 1
  fi
}
echo "keystone-manage db_sync, fernet_setup, credential_setup, bootstrap (each loads all of keystone: ~5 s)"
km db_sync
[ -f "$DIR/fernet-keys/0" ] || km fernet_setup --keystone-user root --keystone-group root
[ -f "$DIR/credential-keys/0" ] || km credential_setup --keystone-user root --keystone-group root
# idempotent: creates what is missing, resets the admin password if it differs
km bootstrap --bootstrap-username admin --bootstrap-password "$ADMINPW" \
  --bootstrap-project-name admin --bootstrap-role-name admin \
  --bootstrap-admin-url "http://127.0.0.1:$PORT/v3" --bootstrap-internal-url "http://127.0.0.1:$PORT/v3" \
  --bootstrap-public-url "http://127.0.0.1:$PORT/v3" --bootstrap-region-id RegionOne

# --- uwsgi ------------------------------------------------------------------------------------
if alive "$DIR/uwsgi.pid" uwsgi && [ "$changed" -eq 1 ]; then
  echo "keystone.conf changed: restarting uwsgi"
  kill -INT "$(cat "$DIR/uwsgi.pid")"
  for _ in $(seq 1 50); do alive "$DIR/uwsgi.pid" uwsgi || break; sleep 0.2; done
fi
if ! alive "$DIR/uwsgi.pid" uwsgi; then
  rm -f "$DIR/uwsgi.pid"
  if listening "$PORT"; then echo "port $PORT is taken by something else" >&2; exit 1; fi
  # one process per core, one thread each (Keystone's recommended uwsgi layout for CPU-bound work),
  # behind uwsgi's HTTP router, which keeps client connections alive
  OS_KEYSTONE_CONFIG_FILES="$CONF" uwsgi --plugin http,python3 --master --die-on-term --lazy-apps \
    --processes "$WORKERS" --threads 1 \
    --http "127.0.0.1:$PORT" --http-keepalive --http-workers 1 --listen 128 \
    --wsgi-file /usr/bin/keystone-wsgi-public --buffer-size 65535 --disable-logging \
    --env "OS_KEYSTONE_CONFIG_FILES=$CONF" --chdir "$DIR" \
    --pidfile "$DIR/uwsgi.pid" --daemonize "$DIR/log/uwsgi.log"
fi
for _ in $(seq 1 120); do curl -fsS -o /dev/null "http://127.0.0.1:$PORT/v3" 2>/dev/null && break; sleep 0.5; done
if ! curl -fsS -o /dev/null "http://127.0.0.1:$PORT/v3"; then
  echo "keystone did not come up on 127.0.0.1:$PORT; see $DIR/log" >&2
  tail -20 "$DIR/log/uwsgi.log" >&2
  exit 1
fi
echo "keystone on http://127.0.0.1:$PORT/v3 (uwsgi pid $(cat "$DIR/uwsgi.pid"), $WORKERS processes x 1 thread;" \
  "user admin, project admin, password in $DIR/admin.password)"
