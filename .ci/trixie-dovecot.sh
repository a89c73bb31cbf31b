#!/usr/bin/env bash
# Builds, once per machine, a Debian 13 (trixie) root filesystem with Dovecot 2.4 for the mail-stack
# tests of deploy/dovecot-2.4/ (test/mailstack/dovecot24.test.ts runs Dovecot from it with chroot,
# on this machine's loopback). Kept outside the clone; built into a temporary folder and renamed, so
# that a half-built tree is never used. Needs root and mmdebstrap (Debian package). The test adds a
# postfix user and group with the host's ids to its /etc/passwd and /etc/group (the owner of the SASL
# socket in the host Postfix's spool), so the tree does not depend on when Postfix was installed.
set -euo pipefail
ROOTFS=${MAILWARDEN_TRIXIE_ROOTFS:-/var/cache/mailwarden-ci/trixie-dovecot}
MIRROR=${MAILWARDEN_DEBIAN_MIRROR:-http://deb.debian.org/debian}
if [ -x "$ROOTFS/usr/sbin/dovecot" ]; then
  echo "[ci] Dovecot 2.4 root filesystem present: $ROOTFS" >&2
  exit 0
fi
command -v mmdebstrap >/dev/null || {
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends mmdebstrap >/dev/null
}
mkdir -p "$(dirname "$ROOTFS")"
tmp="$ROOTFS.building.$$"
rm -rf "$tmp"
start=$(date +%s)
mmdebstrap --quiet --variant=essential --mode=root \
  --include=dovecot-core,dovecot-imapd,dovecot-pop3d,dovecot-auth-lua,dovecot-sieve,dovecot-managesieved,ca-certificates \
  trixie "$tmp" "$MIRROR"
mv "$tmp" "$ROOTFS"
end=$(date +%s)
echo "[ci] built the Dovecot 2.4 root filesystem in $((end - start)) s ($(du -sm "$ROOTFS" | cut -f1) MB): $ROOTFS" >&2
