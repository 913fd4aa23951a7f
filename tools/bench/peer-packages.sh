# shellcheck shell=bash
# tools/bench/peer-packages.sh — sourced by the peer setup scripts (keystone-, swift-, glance-setup.sh).

# install_peer_packages WHY PACKAGE...: installs the Debian packages of an OpenStack peer that are
# missing, with no service starting during the install (a policy-rc.d that refuses every start,
# removed afterwards): Debian's postinsts would start keystone/swift/glance on Kumo's ports. WHY
# names what such a start would take, for the comment in policy-rc.d.
install_peer_packages() {
  local why="$1" p
  shift
  local -a missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ "${#missing[@]}" -gt 0 ] || return 0
  echo "installing ${missing[*]}"
  apt-get update -qq
  local placed=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\n# %s: no service starts during the install (%s)\nexit 101\n' "$(basename "$0")" "$why" > /usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    placed=1
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  if [ "$placed" = 1 ]; then rm -f /usr/sbin/policy-rc.d; trap - EXIT; fi
}
