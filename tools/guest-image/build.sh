#!/usr/bin/env bash
# tools/guest-image/build.sh — builds kumo-tiny, a small bootable qcow2 made from Debian packages
# (the cloud kernel, busybox-static, dropbear), for tests and for a user's first boot. See README.md.
#
#   build.sh [--out FILE] [--force] [--no-ssh]
#
# The image goes to FILE (default $KUMO_GUEST_IMAGE_CACHE, else <repo>/.stack/images/kumo-tiny.qcow2)
# with FILE.inputs beside it, a hash of everything it was built from (this script, rootfs/, the exact
# Debian packages). A re-run whose inputs hash the same does nothing. The last line printed is FILE.
# Needs the Debian archive (apt-get download), no other network. Builds as any user once the host
# packages (HOST_PACKAGES below) are installed (root installs them); uses no loop device and no mount.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
out="${KUMO_GUEST_IMAGE_CACHE:-$repo/.stack/images/kumo-tiny.qcow2}"
force=0
ssh=1

usage() { sed -n '2,12s/^# \{0,1\}//p' "$0"; }
die() { echo "guest-image: $*" >&2; exit 1; }
log() { echo "guest-image: $*" >&2; }

while [ $# -gt 0 ]; do
  case "$1" in
    --out) [ $# -ge 2 ] || die "--out needs a file"; out="$2"; shift 2 ;;
    --out=*) out="${1#--out=}"; shift ;;
    --force) force=1; shift ;;
    --no-ssh) ssh=0; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done
case "$out" in /*) ;; *) out="$PWD/$out" ;; esac

# --- host tools ----------------------------------------------------------------------------------
HOST_PACKAGES=(qemu-utils syslinux syslinux-common mtools dosfstools cpio gzip)
missing=()
for p in "${HOST_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || die "missing Debian packages: ${missing[*]} (run: sudo apt-get install ${missing[*]})"
  log "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
fi
MBR_BIN=/usr/lib/syslinux/mbr/mbr.bin
[ -f "$MBR_BIN" ] || die "$MBR_BIN not found (package syslinux-common)"

# --- inputs: the exact Debian packages (the archive's candidates) and our own files ---------------
# One apt-cache call (each one rebuilds APT's cache where, as in Docker images, it is not kept).
# A package is identified by name and version; apt-get download checks its hash against the lists.
GUEST_PACKAGES=(busybox-static)
# dropbear is dynamically linked: these packages hold it and its libraries
SSH_PACKAGES=(dropbear-bin libc6 libcrypt1 zlib1g libtomcrypt1 libtommath1 libgmp10)
SSH_LIBS=(ld-linux-x86-64.so.2 libc.so.6 libcrypt.so.1 libz.so.1 libtomcrypt.so.1 libtommath.so.1 libgmp.so.10)
[ "$ssh" = 1 ] && GUEST_PACKAGES+=("${SSH_PACKAGES[@]}")
kernel_meta=linux-image-cloud-amd64
declare -A pkg_version
while IFS=' ' read -r p v; do pkg_version[$p]=$v; done < <(
  apt-cache show --no-all-versions "$kernel_meta" "${GUEST_PACKAGES[@]}" 2>/dev/null |
    awk '/^Package: / { p = $2 } /^Version: / { print p, $2 }
         p == "'"$kernel_meta"'" && /^Depends: / { if (match($0, /linux-image-[0-9][^ ,]*-cloud-amd64 \(= [^)]*\)/)) {
           d = substr($0, RSTART, RLENGTH); gsub(/[()=]/, "", d); split(d, a, / +/); print "@kernel", a[1]; print a[1], a[2] } }'
)
kernel_pkg="${KUMO_GUEST_KERNEL_PACKAGE:-${pkg_version[@kernel]:-}}"
[ -n "$kernel_pkg" ] || die "no $kernel_meta in the apt lists (run: apt-get update)"
if [ -z "${pkg_version[$kernel_pkg]:-}" ]; then
  pkg_version[$kernel_pkg]=$(apt-cache show --no-all-versions "$kernel_pkg" 2>/dev/null | sed -n 's/^Version: //p' | head -n1)
fi
GUEST_PACKAGES=("$kernel_pkg" "${GUEST_PACKAGES[@]}")
for p in "${GUEST_PACKAGES[@]}"; do
  [ -n "${pkg_version[$p]:-}" ] || die "package $p is not in the apt lists (run: apt-get update)"
done

inputs=$(
  cd "$here"
  echo "ssh=$ssh"
  for p in "${GUEST_PACKAGES[@]}"; do echo "deb $p ${pkg_version[$p]}"; done
  find build.sh rootfs -type f | LC_ALL=C sort | while read -r f; do
    echo "file $f $(stat -c %a "$f") $(sha256sum <"$f" | cut -d' ' -f1)"
  done
)
stamp=$(sha256sum <<<"$inputs" | cut -d' ' -f1)

up_to_date() { [ -s "$out" ] && [ "$(cat "$out.inputs" 2>/dev/null)" = "$stamp" ]; }
if [ "$force" = 0 ] && up_to_date; then
  log "up to date ($kernel_pkg ${pkg_version[$kernel_pkg]})"
  echo "$out"
  exit 0
fi

cache_dir=$(dirname "$out")
mkdir -p "$cache_dir"
exec 9>"$out.lock"
flock 9 # one build at a time per output; the second one finds the first one's image
if [ "$force" = 0 ] && up_to_date; then
  log "up to date (built meanwhile)"
  echo "$out"
  exit 0
fi

start=$(date +%s.%N)
work=$(mktemp -d "${TMPDIR:-/tmp}/kumo-guest-image.XXXXXX")
trap 'rm -rf "$work" "$out.new"' EXIT

# --- Debian packages, downloaded once into <cache>/debs (apt-get verifies their SHA256) -----------
debs="$cache_dir/debs"
mkdir -p "$debs" "$work/dl"
deb_of() { echo "$debs/${1}_${pkg_version[$1]//:/_}.deb"; }
want=()
for p in "${GUEST_PACKAGES[@]}"; do
  [ -f "$(deb_of "$p")" ] || want+=("$p=${pkg_version[$p]}")
done
if [ ${#want[@]} -gt 0 ]; then
  log "downloading ${want[*]}"
  (cd "$work/dl" && apt-get -q -o APT::Sandbox::User="$(id -un)" download "${want[@]}" >&2)
  for p in "${GUEST_PACKAGES[@]}"; do
    for f in "$work/dl/${p}_"*.deb; do [ -f "$f" ] && mv "$f" "$(deb_of "$p")"; done
  done
fi
for p in "${GUEST_PACKAGES[@]}"; do # drop older versions of these packages
  for f in "$debs/${p}_"*.deb; do [ -f "$f" ] && [ "$f" != "$(deb_of "$p")" ] && rm -f "$f"; done
done

x="$work/x" # the packages' contents
mkdir -p "$x"
for p in "${GUEST_PACKAGES[@]}"; do dpkg-deb -x "$(deb_of "$p")" "$x"; done
kver=${kernel_pkg#linux-image-}
[ -f "$x/boot/vmlinuz-$kver" ] || die "no /boot/vmlinuz-$kver in $kernel_pkg"

# --- initramfs: busybox, our rootfs/, the modules /init loads (with their dependencies) -----------
ir="$work/initramfs"
mkdir -p "$ir"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,run,tmp,root,mnt/config}
cp -a "$here/rootfs/." "$ir/"
chmod 700 "$ir/root"
cp "$x/bin/busybox" "$ir/bin/busybox"
ln -s busybox "$ir/bin/sh"

MODULES=$(grep -v '^#' "$here/rootfs/etc/kumo/modules" | tr '\n' ' ')
moddir="lib/modules/$kver"
"$x/bin/busybox" depmod -b "$x" "$kver"
needed=$(awk -v want="$MODULES" '
  BEGIN { n = split(want, w, " "); for (i = 1; i <= n; i++) { gsub(/-/, "_", w[i]); wanted[w[i]] = 1 } }
  { f = $1; sub(/:$/, "", f); name = f; sub(/.*\//, "", name); sub(/\.ko.*$/, "", name); gsub(/-/, "_", name)
    if (name in wanted) { found[name] = 1; print f; for (i = 2; i <= NF; i++) print $i } }
  END { for (m in wanted) if (!(m in found)) { print "no module " m > "/dev/stderr"; exit 1 } }
' "$x/$moddir/modules.dep" | sort -u) || die "a module of rootfs/etc/kumo/modules is missing from $kernel_pkg"
for m in $needed; do
  mkdir -p "$ir/$moddir/$(dirname "$m")"
  cp "$x/$moddir/$m" "$ir/$moddir/$m"
done
cp "$x/$moddir/modules.builtin" "$x/$moddir/modules.order" "$ir/$moddir/"
"$x/bin/busybox" depmod -b "$ir" "$kver"

if [ "$ssh" = 1 ]; then
  cp "$x/usr/sbin/dropbear" "$ir/usr/sbin/"
  cp "$x/usr/bin/dropbearkey" "$x/usr/bin/dbclient" "$ir/usr/bin/"
  mkdir -p "$ir/lib/x86_64-linux-gnu" "$ir/lib64"
  for l in "${SSH_LIBS[@]}"; do
    src=$(find "$x/lib/x86_64-linux-gnu" "$x/usr/lib/x86_64-linux-gnu" -maxdepth 1 -name "$l" 2>/dev/null | head -n1)
    [ -n "$src" ] || die "no $l in ${SSH_PACKAGES[*]}"
    cp -L "$src" "$ir/lib/x86_64-linux-gnu/$l"
  done
  ln -s ../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 "$ir/lib64/ld-linux-x86-64.so.2"
fi

(cd "$ir" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | gzip -9 -n >"$work/initrd.gz"

# --- disk: MBR (syslinux's mbr.bin) + one active FAT16 partition from 1 MiB with syslinux ---------
part_start=2048 # sectors
kib=$(($(stat -c %s "$x/boot/vmlinuz-$kver") / 1024 + $(stat -c %s "$work/initrd.gz") / 1024))
part_mib=$(((kib + 1024) / 1024 + 2))
[ "$part_mib" -ge 16 ] || part_mib=16
disk="$work/disk.img"
truncate -s $((1 + part_mib))M "$disk"
part_sectors=$((part_mib * 2048))

le32() { printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(($1 & 255)) $(($1 >> 8 & 255)) $(($1 >> 16 & 255)) $(($1 >> 24 & 255)); }
dd if="$MBR_BIN" of="$disk" bs=440 count=1 conv=notrunc status=none
# one entry: active, CHS "use LBA", type 0x0e (FAT16 LBA), first sector, sector count; then 55 AA
# shellcheck disable=SC2059
printf "\\x80\\xfe\\xff\\xff\\x0e\\xfe\\xff\\xff$(le32 $part_start)$(le32 $part_sectors)" |
  dd of="$disk" bs=1 seek=446 conv=notrunc status=none
printf '\x55\xaa' | dd of="$disk" bs=1 seek=510 conv=notrunc status=none

mkfs.vfat -F 16 -n KUMOBOOT -i 6b756d6f -h $part_start --offset=$part_start "$disk" $((part_mib * 1024)) >/dev/null
cat >"$work/syslinux.cfg" <<CFG
SERIAL 0 115200
DEFAULT kumo
PROMPT 0
TIMEOUT 1
LABEL kumo
  KERNEL /vmlinuz
  INITRD /initrd.gz
  APPEND console=tty0 console=ttyS0,115200n8 quiet
CFG
export MTOOLS_SKIP_CHECK=1
fat="$disk@@$((part_start * 512))"
mcopy -i "$fat" "$x/boot/vmlinuz-$kver" ::/vmlinuz
mcopy -i "$fat" "$work/initrd.gz" ::/initrd.gz
mcopy -i "$fat" "$work/syslinux.cfg" ::/syslinux.cfg
syslinux --offset $((part_start * 512)) --install "$disk"

# written beside FILE, then renamed: a reader never sees half an image
rm -f "$out.inputs"
qemu-img convert -q -c -f raw -O qcow2 "$disk" "$out.new"
mv -f "$out.new" "$out"
echo "$stamp" >"$out.inputs"
log "built $out: $(du -k "$out" | cut -f1) KiB ($((part_mib + 1)) MiB virtual), $kernel_pkg ${pkg_version[$kernel_pkg]}, $(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }') s"
echo "$out"
