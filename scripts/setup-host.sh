#!/usr/bin/env bash
# Install the Debian packages vzbuild's tests and demo use as real peers: rpm, createrepo_c,
# dnf (libsolv), LXC, busybox (stub userland), compressors. Idempotent; needs root.
set -euo pipefail
PKGS=(rpm rpm2cpio cpio createrepo-c dnf python3-dnf libsolv-tools lxc busybox-static
      zstd xz-utils bzip2 gzip pigz db5.3-util bubblewrap util-linux tar iproute2 procps
      attr libcap2-bin perl-base)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then echo "setup-host: need root to install: ${missing[*]}" >&2; exit 1; fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
