# shellcheck shell=bash
# deploy/allinone/system.sh — what the all-in-one stack needs from the host: Debian packages, node
# modules and the build, and the shared system daemons (MariaDB, RabbitMQ, libvirt), started when down
# and never stopped by Kumo. Sourced by lib.sh (after services.sh and memory.sh); it only defines
# functions.

# --- packages --------------------------------------------------------------------------------
# (Functions below return non-zero on failure explicitly: callers may use them in && chains or
# conditions, where bash ignores set -e.)
# missing_packages PKG...: those of PKG that are not installed (one dpkg-query for all)
missing_packages() {
  local installed p
  # dpkg-query exits 1 when a package is unknown to it: not an error here (set -e/pipefail callers)
  installed=" $({ dpkg-query -W -f='${Package} ${Status}\n' "$@" 2>/dev/null || true; } | awk '/ install ok installed$/ {printf "%s ", $1}')"
  for p in "$@"; do case "$installed" in *" $p "*) ;; *) echo "$p" ;; esac; done
}

# apt_install PKG...: installs the packages that are missing (apt-get update first).
apt_install() {
  local missing=()
  mapfile -t missing < <(missing_packages "$@")
  if [ "${#missing[@]}" -eq 0 ]; then echo "all ${#} packages present"; return 0; fi
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q || return 1
  # without an init system the packages' own service start would fail: stack.sh starts them itself
  local policy=""
  if ! have_systemd && [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; policy=1
  fi
  local rc=0
  apt-get install -y -q -o Dpkg::Options::=--force-confold "${missing[@]}" || rc=$?
  [ -n "$policy" ] && rm -f /usr/sbin/policy-rc.d
  [ "$rc" -eq 0 ] && echo "installed ${#missing[@]} packages: ${missing[*]}"
  return "$rc"
}

pnpm_version() {
  local bin pkg
  bin=$(command -v pnpm 2>/dev/null) || return 1
  # the installed package's version, without starting pnpm (a second on a small machine)
  pkg="$(dirname "$(readlink -f "$bin")")/../package.json"
  if [ -f "$pkg" ] && grep -q '"name": *"pnpm"' "$pkg"; then
    sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$pkg" | head -n 1
  else
    pnpm --version 2>/dev/null
  fi
}

ensure_pnpm() {
  local have
  have=$(pnpm_version || true)
  if [ "$have" != "$PNPM_VERSION" ]; then
    echo "installing pnpm $PNPM_VERSION (have: ${have:-none})"
    npm install -g --no-fund --no-audit "pnpm@$PNPM_VERSION" || { echo "could not install pnpm $PNPM_VERSION with npm"; return 1; }
    [ "$(pnpm_version)" = "$PNPM_VERSION" ] || { echo "pnpm $PNPM_VERSION is not on PATH after npm install -g"; return 1; }
  fi
}

# Node modules from the lockfile; skipped while the lockfile is the one last installed.
node_modules_install() {
  ensure_pnpm || return 1
  local stamp="$KUMO_ROOT/node_modules/.kumo-lock-sha" sha
  sha=$(sha256sum "$KUMO_ROOT/pnpm-lock.yaml" | cut -d' ' -f1) || return 1
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sha" ]; then
    echo "node modules match pnpm-lock.yaml"; return 0
  fi
  # native modules that fall back to a source build (no prebuilt binary reachable) need Node's
  # headers: use those installed next to node rather than downloading them
  local prefix
  prefix="$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")"
  if [ -z "${npm_config_nodedir:-}" ] && [ -f "$prefix/include/node/node.h" ]; then export npm_config_nodedir="$prefix"; fi
  (cd "$KUMO_ROOT" && CI=true pnpm install --frozen-lockfile --reporter=append-only) || { echo "pnpm install --frozen-lockfile failed"; return 1; }
  echo "$sha" > "$stamp"
  echo "node modules installed from pnpm-lock.yaml"
}

build() {
  (cd "$KUMO_ROOT" && pnpm -s build) || { echo "pnpm build failed"; return 1; }
  build_dashboard_web || return 1
  echo "build up to date"
}

# The dashboard's app (Vite, apps/dashboard/web → apps/dashboard/dist/web): built again only when a
# file of it (tests aside), the package's manifest or the lockfile is newer than the last build.
build_dashboard_web() {
  local dir="$KUMO_ROOT/apps/dashboard" out="$KUMO_ROOT/apps/dashboard/dist/web/index.html" newer
  [ -d "$dir/web" ] || return 0
  if [ -f "$out" ]; then
    newer=$(find "$dir/web" "$dir/package.json" "$KUMO_ROOT/pnpm-lock.yaml" -newer "$out" -type f -not -name '*.test.ts' -not -name '*.test.tsx' -print -quit 2>/dev/null)
    [ -z "$newer" ] && return 0
  fi
  (cd "$dir" && pnpm -s build:web > /dev/null) || { echo "the dashboard app's build failed (cd apps/dashboard && pnpm build:web)"; return 1; }
  echo "built the dashboard app into apps/dashboard/dist/web"
}

# --- MariaDB and RabbitMQ (shared system services: started when down, never stopped by Kumo) ---
tcp_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }
mariadb_running() { mariadb-admin ping >/dev/null 2>&1 || mariadb-admin -h 127.0.0.1 -u root ping >/dev/null 2>&1; }
rabbitmq_running() { tcp_open 127.0.0.1 5672 && return 0; rabbitmqctl -q status >/dev/null 2>&1; }

start_mariadb() {
  if mariadb_running; then echo "MariaDB is running"; return 0; fi
  if have_systemd; then
    systemctl enable --now mariadb || return 1
  else
    if [ ! -d /var/lib/mysql/mysql ]; then
      echo "initialising /var/lib/mysql"
      if command -v mariadb-install-db >/dev/null 2>&1; then
        mariadb-install-db --user=mysql --datadir=/var/lib/mysql || return 1
      else
        mysql_install_db --user=mysql --datadir=/var/lib/mysql || return 1
      fi
    fi
    install -d -o mysql -g mysql -m 755 /run/mysqld || return 1
    start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- --user=mysql || return 1
  fi
  for _ in $(seq 1 60); do mariadb_running && { echo "MariaDB is up"; return 0; }; sleep 1; done
  echo "MariaDB did not come up within 60 s; last lines of its error log:"
  tail -n 20 /var/log/mysql/error.log 2>/dev/null || journalctl -u mariadb -n 20 --no-pager 2>/dev/null || true
  return 1
}

start_rabbitmq() {
  if rabbitmq_running; then echo "RabbitMQ is running"; return 0; fi
  if have_systemd; then systemctl enable --now rabbitmq-server || return 1; else rabbitmq-server -detached || return 1; fi
  # the AMQP listener opens last; rabbitmqctl await_startup fails at once while the node is still
  # registering, so poll the port
  for _ in $(seq 1 120); do tcp_open 127.0.0.1 5672 && { echo "RabbitMQ is up"; return 0; }; sleep 1; done
  echo "RabbitMQ did not come up within 120 s; last lines of its log:"
  tail -n 20 /var/log/rabbitmq/rabbit@*.log 2>/dev/null || true
  return 1
}

# libvirtd (with virtlogd, which it needs for QEMU's logs): libs/libvirt's integration tests start
# it, as the compute service will. "Running" means its socket answers a qemu:///system connection.
libvirtd_running() { timeout 10 virsh -c qemu:///system uri >/dev/null 2>&1; }

# libvirt_daemon: the systemd unit that serves qemu:///system here. Ubuntu (22.04, 24.04) and Debian 12
# run the monolithic libvirtd.service; newer releases (Debian 13, Fedora, and Ubuntu where an admin
# switched) the modular per-driver daemons, virtqemud for QEMU. virtqemud when its socket is enabled or
# active, or when there is no libvirtd unit at all; else libvirtd. (@kumo/libvirt then dials
# virtqemud-sock when libvirt-sock is absent, as libvirt's own client does.)
libvirt_daemon() {
  if systemctl is-enabled --quiet virtqemud.socket 2>/dev/null || systemctl is-active --quiet virtqemud.socket 2>/dev/null \
    || { ! systemctl cat libvirtd.service >/dev/null 2>&1 && systemctl cat virtqemud.service >/dev/null 2>&1; }; then
    echo virtqemud
  else
    echo libvirtd
  fi
}

start_libvirtd() {
  if libvirtd_running; then echo "libvirtd is running"; return 0; fi
  command -v libvirtd >/dev/null 2>&1 || command -v virtqemud >/dev/null 2>&1 || { echo "libvirtd is not installed (apt-get install libvirt-daemon-system)"; return 1; }
  if have_systemd; then
    local d
    d=$(libvirt_daemon)
    echo "starting libvirt's $d (systemd)"
    systemctl enable --now virtlogd.socket "$d.socket" "$d-ro.socket" "$d-admin.socket" >/dev/null 2>&1 \
      || systemctl start virtlogd.socket "$d.socket" || return 1
    systemctl start "$d.service" || return 1
  else
    pgrep -x virtlogd >/dev/null 2>&1 || virtlogd -d || return 1
    start_libvirtd_reaped || return 1
  fi
  for _ in $(seq 1 60); do libvirtd_running && { echo "libvirtd is up"; return 0; }; sleep 0.5; done
  echo "libvirtd did not answer within 30 s"
  return 1
}

# Without systemd, libvirtd runs under `tini -s` (a child subreaper): each QEMU, which libvirtd
# daemonizes, is reparented to tini, which reaps it the moment it exits. Reparented to PID 1, an
# exited QEMU stays a zombie until PID 1 reaps it (1.2-1.6 s on this machine kind, whose PID 1 is
# the VM's own init), and virDomainDestroy waits for the pid to disappear (libvirt checks it every
# 200 ms): a server delete took 1.3-2.3 s, 0.2-0.3 s under tini. systemd, PID 1 where it runs,
# reaps at once. libvirtd's stderr goes to /var/log/libvirt/libvirtd-stderr.log.
start_libvirtd_reaped() {
  if ! command -v tini >/dev/null 2>&1; then
    echo "tini is not installed (apt-get install tini): libvirtd -d, and deleting a server waits for PID 1 to reap its QEMU"
    libvirtd -d
    return
  fi
  install -d -m 700 /var/log/libvirt
  setsid -f tini -s -- libvirtd </dev/null >>/var/log/libvirt/libvirtd-stderr.log 2>&1
}
