#!/usr/bin/env bash
# Sets up OpenStack Keystone from Debian's packages as the identity benchmark's baseline, at its
# best: fernet tokens, uwsgi with one process per core, token caching in memcached, bcrypt cost 12.
# Everything lives under .bench/keystone (config, keys, logs, pid files); the database is
# keystone_bench on the local MariaDB. Idempotent.   Usage: keystone-setup.sh [start|stop]
set -euo pipefail
ROOT="$(cd "$(dirname "$(readlink -f "$0")")/../../.." && pwd)"
DIR="$ROOT/.bench/keystone"
PORT="${KEYSTONE_BENCH_PORT:-35357}"
CONF="$DIR/keystone.conf"
mkdir -p "$DIR/log" "$DIR/fernet-keys" "$DIR/credential-keys"

stop() {
  for f in "$DIR/uwsgi.pid" "$DIR/memcached.pid"; do
    [ -f "$f" ] && kill -INT "$(cat "$f")" 2>/dev/null || true
    rm -f "$f"
  done
  echo "keystone baseline stopped"
}
[ "${1:-start}" = stop ] && { stop; exit 0; }

packages=(keystone python3-pymysql memcached python3-pymemcache uwsgi-core uwsgi-plugin-python3)
missing=()
for p in "${packages[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p"); done
if [ "${#missing[@]}" -gt 0 ]; then
  apt-get update -qq
  # keystone's postinst wants to start apache/keystone through invoke-rc.d: refuse service starts
  # where there is no systemd (we run it under uwsgi ourselves)
  policy=0
  if [ ! -d /run/systemd/system ] && [ ! -e /usr/sbin/policy-rc.d ]; then printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; policy=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  [ "$policy" -eq 1 ] && rm -f /usr/sbin/policy-rc.d
fi

if [ ! -f "$DIR/db.password" ]; then head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$DIR/db.password"; fi
if [ ! -f "$DIR/admin.password" ]; then head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$DIR/admin.password"; fi
DBPW=$(cat "$DIR/db.password")
ADMINPW=$(cat "$DIR/admin.password")
mariadb -u root -e "CREATE DATABASE IF NOT EXISTS keystone_bench;
  CREATE USER IF NOT EXISTS 'keystone_bench'@'127.0.0.1' IDENTIFIED BY '$DBPW';
  GRANT ALL ON keystone_bench.* TO 'keystone_bench'@'127.0.0.1'; FLUSH PRIVILEGES;"

cat > "$CONF" <<CONF
[DEFAULT]
log_dir = $DIR/log
use_stderr = false
[database]
connection = mysql+pymysql://keystone_bench:$DBPW@127.0.0.1/keystone_bench
[token]
provider = fernet
expiration = 3600
[fernet_tokens]
key_repository = $DIR/fernet-keys
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
CONF

# the cache must answer before keystone-manage runs (bootstrap reads through it)
if ! { [ -f "$DIR/memcached.pid" ] && kill -0 "$(cat "$DIR/memcached.pid")" 2>/dev/null; }; then
  if ! (exec 3<>/dev/tcp/127.0.0.1/11211) 2>/dev/null; then
    memcached -d -u memcache -l 127.0.0.1 -p 11211 -m 128 -P "$DIR/memcached.pid"
  fi
fi
for _ in $(seq 1 20); do (exec 3<>/dev/tcp/127.0.0.1/11211) 2>/dev/null && break; sleep 0.2; done
km() { keystone-manage --config-file "$CONF" "$@" 2> >(grep -v -e getcurrent -e "Exception ignored" -e Traceback -e "^  " >&2); }
km db_sync
[ -f "$DIR/fernet-keys/0" ] || km fernet_setup --keystone-user root --keystone-group root
[ -f "$DIR/credential-keys/0" ] || km credential_setup --keystone-user root --keystone-group root
km bootstrap --bootstrap-password "$ADMINPW" --bootstrap-admin-url "http://127.0.0.1:$PORT/v3" \
  --bootstrap-internal-url "http://127.0.0.1:$PORT/v3" --bootstrap-public-url "http://127.0.0.1:$PORT/v3" --bootstrap-region-id RegionOne

if ! { [ -f "$DIR/uwsgi.pid" ] && kill -0 "$(cat "$DIR/uwsgi.pid")" 2>/dev/null; }; then
  # one process per core, one thread each (Keystone's recommended uwsgi layout), behind uwsgi's HTTP
  # router, which keeps client connections alive as Apache or nginx would in front of Keystone
  OS_KEYSTONE_CONFIG_FILES="$CONF" uwsgi --plugin http,python3 --master --processes "$(nproc)" --threads 1 \
    --http "127.0.0.1:$PORT" --http-keepalive --http-workers 1 --listen 128 --wsgi-file /usr/bin/keystone-wsgi-public --lazy-apps --die-on-term \
    --env "OS_KEYSTONE_CONFIG_FILES=$CONF" --pidfile "$DIR/uwsgi.pid" --daemonize "$DIR/log/uwsgi.log" --buffer-size 65535
fi
for _ in $(seq 1 60); do curl -fsS -o /dev/null "http://127.0.0.1:$PORT/v3" && break; sleep 0.5; done
curl -fsS -o /dev/null "http://127.0.0.1:$PORT/v3" || { echo "keystone did not come up; see $DIR/log"; tail -20 "$DIR/log/uwsgi.log"; exit 1; }
echo "keystone baseline on http://127.0.0.1:$PORT (pid $(cat "$DIR/uwsgi.pid"), admin password in $DIR/admin.password)"
