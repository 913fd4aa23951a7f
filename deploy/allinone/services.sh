# shellcheck shell=bash disable=SC2034
# deploy/allinone/services.sh — what the all-in-one stack runs. Sourced by lib.sh (so by stack.sh,
# unstack.sh, run_tests.sh and the system tests); it only defines variables and functions.
# A new service is one line in KUMO_SERVICES, plus, when it needs them, a kumo.yaml section
# (config_<section> + KUMO_CONFIG_SECTIONS), its API's catalog entry (KUMO_CATALOG), secrets
# (KUMO_SECRETS), packages (KUMO_APT_PACKAGES) and steps before the start (KUMO_PREPARE_STEPS: databases, bootstrap) or after every service
# answers (KUMO_READY_STEPS: flavors, images, networks). See deploy/allinone/README.md.

# One line per process, in start order:
#   name | entry point (repo-relative, run with node) | port[,port...] (preflight checks them all;
#   unstack.sh checks they are free) | health URL (must answer 2xx) | extra environment (KEY=VALUE ...,
#   @STACK@ = the .stack directory). compute's processes keep V8's young generation small (--max-semi-space-size:
#   4 MiB for the API and scheduler, 2 for the console proxy and agent; docs/operations.md, compute's memory budget)
KUMO_SERVICES=(
  "identity|apps/identity/dist/main.api.js|5000|http://127.0.0.1:5000/healthcheck|"
  "object-node1|apps/object/dist/main.storage.js|6200,6201,6202|http://127.0.0.1:6200/healthcheck|KUMO_OBJECT_OBJECT_PORT=6200 KUMO_OBJECT_CONTAINER_PORT=6201 KUMO_OBJECT_ACCOUNT_PORT=6202 KUMO_OBJECT_DEVICES=@STACK@/object/node1 UV_THREADPOOL_SIZE=16"
  "object-node2|apps/object/dist/main.storage.js|6210,6211,6212|http://127.0.0.1:6210/healthcheck|KUMO_OBJECT_OBJECT_PORT=6210 KUMO_OBJECT_CONTAINER_PORT=6211 KUMO_OBJECT_ACCOUNT_PORT=6212 KUMO_OBJECT_DEVICES=@STACK@/object/node2 UV_THREADPOOL_SIZE=16"
  "object-node3|apps/object/dist/main.storage.js|6220,6221,6222|http://127.0.0.1:6220/healthcheck|KUMO_OBJECT_OBJECT_PORT=6220 KUMO_OBJECT_CONTAINER_PORT=6221 KUMO_OBJECT_ACCOUNT_PORT=6222 KUMO_OBJECT_DEVICES=@STACK@/object/node3 UV_THREADPOOL_SIZE=16"
  "object-proxy|apps/object/dist/main.proxy.js|8080|http://127.0.0.1:8080/healthcheck|"
  "image|apps/image/dist/main.api.js|9292|http://127.0.0.1:9292/healthcheck|NODE_OPTIONS=--max-semi-space-size=2"
  "compute-api|apps/compute/dist/main.api.js|8774|http://127.0.0.1:8774/healthcheck|NODE_OPTIONS=--max-semi-space-size=4"
  "compute-scheduler|apps/compute/dist/main.scheduler.js|||NODE_OPTIONS=--max-semi-space-size=4"
  "compute-console|apps/compute/dist/main.console.js|6083|http://127.0.0.1:6083/healthcheck|NODE_OPTIONS=--max-semi-space-size=2"
  "compute-agent|apps/compute/dist/main.agent.js|||NODE_OPTIONS=--max-semi-space-size=2"
  "dashboard|apps/dashboard/dist/main.api.js|8000|http://127.0.0.1:8000/healthcheck|"
)

# Generated once into .stack/secrets.env (mode 600) and reused: NAME or NAME:BYTES (hex, default 16).
KUMO_SECRETS=(KUMO_DB_PASSWORD ADMIN_PASSWORD:12 DEMO_PASSWORD:12 SERVICE_PASSWORD SWIFT_HASH_PREFIX:8 SWIFT_HASH_SUFFIX:8)

# kumo.yaml sections after database/messaging/logging; config_<name> prints one. stack.sh writes
# kumo.yaml once and later only appends the sections it lacks (a user's edits are kept).
KUMO_CONFIG_SECTIONS=(identity object image compute compute_agent dashboard)

# "step name|function": run in order after the configuration, before the services start ...
KUMO_PREPARE_STEPS=(
  "identity database|identity_db_sync"
  "identity bootstrap|identity_bootstrap"
  "service catalog|catalog_sync"
  "object storage rings|object_rings"
  "image database|image_db_sync"
)
# ... and after every service answers its health check.
KUMO_READY_STEPS=(
  "openrc files|write_openrc"
  "demo project and user|ensure_demo"
)

# The service catalog names what this stack deploys, and only that: one line per API service,
#   type | name | service (its KUMO_SERVICES name) | URL (public, internal and admin)
# registered by catalog_sync before the services start (the image service looks up object-store
# at its start). Identity registers itself at bootstrap. Kumo's other types (compute, network,
# volumev3, block-storage: an older bootstrap registered them) are removed until their line exists.
KUMO_CATALOG=()

# --- identity ------------------------------------------------------------------------------------
config_identity() {
  cat <<YAML
identity:
  port: 5000
  bind_host: 0.0.0.0
  public_url: http://127.0.0.1:5000
  key_repository: ${STACK_DIR}/identity/keys
  service_password: ${SERVICE_PASSWORD}
YAML
}

identity_db_sync() { node "$KUMO_ROOT/apps/identity/dist/manage.js" db sync identity; }
identity_bootstrap() { node "$KUMO_ROOT/apps/identity/dist/manage.js" bootstrap --admin-password "$ADMIN_PASSWORD"; }

# Registers every KUMO_CATALOG entry (idempotent) and removes Kumo's types that have none.
catalog_sync() {
  local entry type name svc url keep=() manage="$KUMO_ROOT/apps/identity/dist/manage.js"
  for entry in "${KUMO_CATALOG[@]}"; do
    IFS='|' read -r type name svc url <<< "$entry"
    svc_line "$svc" >/dev/null || { echo "KUMO_CATALOG's $type entry names service $svc, which KUMO_SERVICES does not start"; return 1; }
    node "$manage" catalog register --type "$type" --name "$name" --url "$url" || return 1
    keep+=("$type")
  done
  node "$manage" catalog prune --keep "$(IFS=,; echo "${keep[*]}")"
}

write_openrc() {
  local who project password f
  for who in admin demo; do
    f="$STACK_DIR/$who-openrc.sh"
    if [ "$who" = admin ]; then password="$ADMIN_PASSWORD"; project="admin"; else password="$DEMO_PASSWORD"; project="demo"; fi
    (umask 077 && cat > "$f" <<RC
# Kumo credentials of the $who user (written by ./stack.sh). Usage: source $f
export OS_AUTH_URL=http://127.0.0.1:5000/v3
export OS_IDENTITY_API_VERSION=3
export OS_AUTH_TYPE=password
export OS_USERNAME=$who
export OS_PASSWORD='$password'
export OS_PROJECT_NAME=$project
export OS_USER_DOMAIN_NAME=Default
export OS_PROJECT_DOMAIN_NAME=Default
export OS_REGION_NAME=RegionOne
export OS_INTERFACE=public
RC
    )
  done
  echo "wrote $STACK_DIR/admin-openrc.sh and $STACK_DIR/demo-openrc.sh"
}

# The real openstack client, as admin (nothing of the caller's OS_* environment leaks in).
os_as() {
  local user="$1" password="$2" project="$3"; shift 3
  env -i PATH="$PATH" HOME="${HOME:-/root}" LANG=C.UTF-8 OS_AUTH_URL=http://127.0.0.1:5000/v3 OS_IDENTITY_API_VERSION=3 \
    OS_AUTH_TYPE=password OS_USERNAME="$user" OS_PASSWORD="$password" OS_PROJECT_NAME="$project" \
    OS_USER_DOMAIN_NAME=Default OS_PROJECT_DOMAIN_NAME=Default OS_REGION_NAME=RegionOne OS_INTERFACE=public openstack "$@"
}
os_admin() { os_as admin "$ADMIN_PASSWORD" admin "$@"; }

demo_is_member() {
  [ -n "$(os_admin role assignment list --user demo --user-domain Default --project demo --project-domain Default --role member -f value -c Role 2>/dev/null)" ]
}

# Check, then apply: project demo, user demo (password from secrets.env), member on demo.
ensure_demo() {
  # the usual re-run: demo logs in to its project and holds member there
  if os_as demo "$DEMO_PASSWORD" demo token issue -f value -c id >/dev/null 2>&1 && demo_is_member; then
    echo "demo project with user demo (member) exists; demo can log in"
    return 0
  fi
  if os_admin project show demo -f value -c id >/dev/null 2>&1; then echo "project demo exists"; else
    os_admin project create --domain Default --description 'Demo project' demo -f value -c id; echo "created project demo"
  fi
  if os_admin user show --domain Default demo -f value -c id >/dev/null 2>&1; then echo "user demo exists"; else
    os_admin user create --domain Default --password "$DEMO_PASSWORD" --project demo demo -f value -c id; echo "created user demo"
  fi
  if demo_is_member; then
    echo "demo holds member on demo"
  else
    os_admin role add --user demo --user-domain Default --project demo --project-domain Default member; echo "granted member on demo to demo"
  fi
  if ! os_as demo "$DEMO_PASSWORD" demo token issue -f value -c id >/dev/null 2>&1; then
    os_admin user set --password "$DEMO_PASSWORD" demo
    os_as demo "$DEMO_PASSWORD" demo token issue -f value -c id >/dev/null
    echo "reset demo's password to the one in secrets.env"
  fi
  echo "demo project with user demo (member); demo can log in"
}

# --- object --------------------------------------------------------------------------------------
config_object() {
  cat <<YAML
object:
  proxy_port: 8080
  bind_host: 0.0.0.0
  ring_dir: ${STACK_DIR}/object/rings
  hash_path_prefix: ${SWIFT_HASH_PREFIX}
  hash_path_suffix: ${SWIFT_HASH_SUFFIX}
  devices: ${STACK_DIR}/object/node1
  auth_url: http://127.0.0.1:5000/v3
  service_password: ${SERVICE_PASSWORD}
YAML
}

KUMO_CATALOG+=("object-store|swift|object-proxy|http://127.0.0.1:8080/v1/AUTH_%(project_id)s")

# Three storage nodes on loopback, one device each, in three zones; three replicas of everything.
object_rings() {
  local dir="$STACK_DIR/object/rings" ring n offset cli="$KUMO_ROOT/apps/object/dist/ring/ring.cli.js"
  mkdir -p "$dir"
  for n in 1 2 3; do mkdir -p "$STACK_DIR/object/node$n/d$n"; done
  for ring in account container object; do
    [ -f "$dir/$ring.ring.gz" ] && continue
    offset=0
    case "$ring" in container) offset=1 ;; account) offset=2 ;; esac
    rm -f "$dir/$ring.builder"
    node "$cli" "$dir/$ring.builder" create 10 3 1
    for n in 1 2 3; do
      node "$cli" "$dir/$ring.builder" add --region 1 --zone "$n" --ip 127.0.0.1 \
        --port "$((6200 + (n - 1) * 10 + offset))" --device "d$n" --weight 100
    done
    node "$cli" "$dir/$ring.builder" rebalance --seed 1
  done
  echo "rings in $dir"
}

# --- image ---------------------------------------------------------------------------------------
# Images go to the object service (segmented above 200 MiB) through its Swift API as the service user.
config_image() {
  cat <<YAML
image:
  port: 9292
  bind_host: 0.0.0.0
  public_url: http://127.0.0.1:9292
  store: object
  object_container: kumo-images
  file_dir: ${STACK_DIR}/images/store
  auth_url: http://127.0.0.1:5000/v3
  service_password: ${SERVICE_PASSWORD}
YAML
}

image_db_sync() { node "$KUMO_ROOT/apps/image/dist/manage.js" db sync image; }
KUMO_CATALOG+=("image|glance|image|http://127.0.0.1:9292")

# --- guest image ---------------------------------------------------------------------------------
# kumo-tiny (tools/guest-image): built once from Debian packages, rebuilt only when its inputs
# change; the image service's ready step uploads it as the public image kumo-tiny.
KUMO_APT_PACKAGES+=(qemu-system-x86 qemu-utils syslinux syslinux-common mtools dosfstools cpio genisoimage openssh-client)
KUMO_PREPARE_STEPS+=("tiny guest image|guest_image_build")

guest_image_build() { "$KUMO_ROOT/tools/guest-image/build.sh" --out "${KUMO_GUEST_IMAGE_CACHE:-$STACK_DIR/images/kumo-tiny.qcow2}"; }
KUMO_READY_STEPS+=("kumo-tiny image|upload_tiny_image")

# Uploads the built kumo-tiny as a public image unless an active one with the same checksum is there;
# a kumo-tiny left queued or saving (an interrupted upload) or from an older build is replaced.
upload_tiny_image() {
  local img sum ids id
  img="${KUMO_GUEST_IMAGE_CACHE:-$STACK_DIR/images/kumo-tiny.qcow2}"
  [ -f "$img" ] || { echo "$img is missing: the tiny guest image step builds it"; return 1; }
  sum=$(md5sum "$img" | cut -d' ' -f1)
  if [ -n "$(os_admin image list --name kumo-tiny --status active --long -f value -c Checksum 2>/dev/null | grep -x "$sum")" ]; then
    echo "image kumo-tiny ($sum) is there"
    return 0
  fi
  ids=$(os_admin image list --name kumo-tiny -f value -c ID)
  for id in $ids; do os_admin image set --unprotected "$id" >/dev/null 2>&1 || true; os_admin image delete "$id"; echo "removed an older kumo-tiny ($id)"; done
  os_admin image create --file "$img" --disk-format qcow2 --container-format bare --public \
    --property os_distro=busybox --property hw_serial_console=true kumo-tiny -f value -c id
  echo "uploaded kumo-tiny ($sum) as a public image"
}

# --- compute -------------------------------------------------------------------------------------
# The compute API (Nova v2.1, docs/compute.md); its catalog URL is Nova's, with the version.
config_compute() {
  cat <<YAML
compute:
  port: 8774
  bind_host: 0.0.0.0
  public_url: http://127.0.0.1:8774
  auth_url: http://127.0.0.1:5000/v3
  service_password: ${SERVICE_PASSWORD}
YAML
}

compute_db_sync() { node "$KUMO_ROOT/apps/compute/dist/manage.js" db sync compute; }
KUMO_PREPARE_STEPS+=("compute database|compute_db_sync")
KUMO_CATALOG+=("compute|nova|compute-api|http://127.0.0.1:8774/v2.1")

# The flavor menu (梅 ume, 竹 take, 松 matsu) and a tiny one for tests: id|vcpus|ram MiB|disk GB, public.
KUMO_FLAVORS=("ume|2|4096|20" "take|4|8192|40" "matsu|8|16384|80" "tiny|1|256|1")
KUMO_READY_STEPS+=("flavors|ensure_flavors")

# Check, then apply: each flavor exists with its id as name and its sizes; one that differs (flavors
# cannot be changed) is deleted and created again (servers keep the copy they were built with).
ensure_flavors() {
  local entry id vcpus ram disk have want
  for entry in "${KUMO_FLAVORS[@]}"; do
    IFS='|' read -r id vcpus ram disk <<< "$entry"
    want=$(printf 'disk="%s"\nname="%s"\nos_flavor_access_is_public="True"\nram="%s"\nvcpus="%s"\n' "$disk" "$id" "$ram" "$vcpus" | sort)
    have=$(os_admin flavor show "$id" -f shell -c name -c vcpus -c ram -c disk -c os-flavor-access:is_public 2>/dev/null | sort || true)
    if [ "$have" = "$want" ]; then echo "flavor $id ($vcpus vCPU, $ram MiB, $disk GB) is there"; continue; fi
    if [ -n "$have" ]; then os_admin flavor delete "$id"; echo "removed flavor $id, which differed: $(echo "$have" | tr '\n' ' ')"; fi
    os_admin flavor create --id "$id" --vcpus "$vcpus" --ram "$ram" --disk "$disk" --public "$id" -f value -c id >/dev/null
    echo "created flavor $id ($vcpus vCPU, $ram MiB, $disk GB)"
  done
}

# --- compute agent (the hypervisor host: libvirtd and QEMU) --------------------------------------
# One agent on this machine, named after it (compute_agent.host); guests' disks, config drives,
# console logs and the image cache live under instances_path (outside .stack/, which is mode 700:
# QEMU runs as libvirt-qemu and must reach them). No health URL: the agent has no port; it
# registers with the scheduler over the bus and `openstack hypervisor list` shows it.
KUMO_INSTANCES_PATH="${KUMO_INSTANCES_PATH:-/var/lib/kumo/instances}"
KUMO_APT_PACKAGES+=(libvirt-daemon-system libvirt-clients tini)
config_compute_agent() {
  cat <<YAML
compute_agent:
  host: $(hostname)
  instances_path: ${KUMO_INSTANCES_PATH}
  libvirt_uri: qemu:///system
  virt_type: auto
  # Nova's resume_guests_state_on_host_boot: at start the agent starts again the guests of the
  # servers that were ACTIVE (a host reboot or power cut leaves them shut off)
  resume_guests_state_on_host_boot: true
  auth_url: http://127.0.0.1:5000/v3
  service_password: ${SERVICE_PASSWORD}
YAML
}

# libvirtd and virtlogd (systemd units where systemd runs, `virtlogd -d` and libvirtd under `tini -s` elsewhere),
# before the agent starts; the instances directory QEMU reads from.
compute_host_prepare() {
  start_libvirtd
  local instances
  instances=$(compute_agent_key instances_path "$KUMO_INSTANCES_PATH")
  install -d -m 755 "$(dirname "$instances")" "$instances"
  echo "libvirtd answers qemu:///system ($(virsh -c qemu:///system version --daemon 2>/dev/null | sed -n 's/^Running against daemon: //p')); instances in $instances"
}
KUMO_PREPARE_STEPS+=("libvirt daemons|compute_host_prepare")

# The agent has no health URL: ready is "its hypervisor is up in os-hypervisors" (it reports at
# start, after the KVM probe, which may take up to kvm_probe_timeout_seconds). Prints the
# hypervisor found: kvm or qemu (TCG), and why.
KUMO_READY_STEPS+=("compute agent registered|compute_agent_ready")
compute_agent_ready() {
  local host state="" deadline
  host=$(compute_agent_host)
  deadline=$(($(date +%s) + 90))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    # up, and reported by this agent process (not the row of the one before it)
    state=$(os_admin compute service list --service nova-compute --host "$host" -f value -c State 2>/dev/null || true)
    [ "$state" = up ] && compute_agent_serving && break
    svc_pid compute-agent >/dev/null || { echo "compute-agent exited"; log_tail compute-agent; return 1; }
    sleep 1
  done
  [ "$state" = up ] || { echo "compute-agent on $host did not report within 90 s (state: ${state:-none})"; log_tail compute-agent; return 1; }
  echo "compute agent on $host is up: $(compute_hypervisor)"
}

# compute_agent_key KEY DEFAULT: the compute_agent section's KEY in kumo.yaml (a user may edit it)
compute_agent_key() {
  sed -n "/^compute_agent:/,/^[^ ]/ s/^  $1: *//p" "$KUMO_CONFIG_FILE" 2>/dev/null | head -n 1 | grep . || echo "$2"
}
compute_agent_host() { compute_agent_key host "$(hostname)"; }
# the agent started last by stack.sh logged that it serves (after its KVM probe and first report)
compute_agent_serving() {
  awk '/^=== stack.sh starts / {s = 0; next} /"msg":"compute agent serving"/ {s = 1} END {exit !s}' "$LOG_DIR/compute-agent.log" 2>/dev/null
}

# "kvm (why)" or "qemu (why)", from the agent's report as os-hypervisors shows it (cpu_info).
compute_hypervisor() {
  os_admin hypervisor show "$(compute_agent_host)" -f json 2>/dev/null | node -e '
    let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
      try { const h = JSON.parse(s); const c = typeof h.cpu_info === "string" ? JSON.parse(h.cpu_info) : h.cpu_info || {};
        console.log(c.virt_type ? `${c.virt_type} (${c.virt_type_reason})` : "unknown (the agent did not say)"); } catch { console.log("unknown (no hypervisor)"); }
    });'
}

# ./unstack.sh leaves guests alone (they keep running; the next ./stack.sh's agent finds them);
# ./unstack.sh --purge destroys and undefines Kumo's domains (those carrying Kumo's metadata,
# named <domain_prefix><uuid>) and removes instances_path (disks, config drives, image cache).
KUMO_UNSTACK_STEPS+=("compute guests|compute_unstack")
compute_unstack() {
  [ "${KUMO_UNSTACK_PURGE:-0}" = 1 ] || return 0
  local dom prefix instances suffix
  prefix=$(compute_agent_key domain_prefix instance-)
  instances=$(compute_agent_key instances_path "$KUMO_INSTANCES_PATH")
  if command -v virsh >/dev/null 2>&1 && libvirtd_running; then
    for dom in $(virsh -c qemu:///system list --all --name 2>/dev/null | grep -F -- "$prefix" || true); do
      # <prefix><instance uuid> only (another domain that happens to start with the prefix is not Kumo's)
      suffix=${dom#"$prefix"}
      [ "$suffix" != "$dom" ] && [[ "$suffix" =~ ^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$ ]] || continue
      virsh -c qemu:///system metadata "$dom" http://kumo.openstack.local/xmlns/libvirt/instance/1.0 >/dev/null 2>&1 || continue
      virsh -c qemu:///system destroy "$dom" >/dev/null 2>&1 || true
      virsh -c qemu:///system undefine --managed-save --snapshots-metadata --checkpoints-metadata --nvram "$dom" >/dev/null 2>&1 \
        || virsh -c qemu:///system undefine "$dom" >/dev/null || { echo "could not undefine domain $dom"; return 1; }
      echo "destroyed and undefined domain $dom"
    done
  fi
  if [ -d "$instances" ]; then rm -rf "$instances" && echo "removed $instances (disks, config drives, image cache)"; fi
  return 0
}

# --- dashboard -----------------------------------------------------------------------------------
# The web console (apps/dashboard, docs/dashboard.md): users log in at identity through it; it is
# not in the catalog (Horizon is not either). Its app is built by system.sh's build (Vite).
config_dashboard() {
  cat <<YAML
dashboard:
  port: 8000
  bind_host: 0.0.0.0
  auth_url: http://127.0.0.1:5000/v3
YAML
}

# The dashboard's URL for the summary: this host's first address, else loopback.
dashboard_url() {
  local ip
  ip=$(hostname -I 2>/dev/null | awk '{print $1}')
  echo "http://${ip:-127.0.0.1}:8000/"
}
