#!/bin/sh
# Runs inside the new root after every package is installed (recipe hook post_install).
# What vzpkg's EZ post-install scripts did for every EL container: no hardware units,
# a usable root login over SSH keys only, and an empty machine-id so each CT gets its own.
set -e
: > /etc/machine-id
for unit in systemd-udevd.service systemd-udev-trigger.service systemd-udev-settle.service \
            getty@tty1.service serial-getty@.service sys-fs-fuse-connections.mount; do
  ln -sf /dev/null "/etc/systemd/system/$unit"
done
if [ -f /etc/ssh/sshd_config ]; then
  sed -i 's/^#\?PermitRootLogin.*/PermitRootLogin prohibit-password/' /etc/ssh/sshd_config
fi
