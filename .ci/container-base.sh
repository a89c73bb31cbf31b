#!/usr/bin/env bash
# Builds, once per machine, the base image the Dockerfile starts from (docker.io/library/debian:trixie-slim)
# without any image registry: a Debian 13 (trixie) minbase root filesystem made with mmdebstrap from
# Debian's package mirror, packed as a tarball kept outside the clone and imported into Podman's
# local storage under the Dockerfile's name. `podman build --pull=never` then finds it locally.
# Needs root, mmdebstrap and podman (Debian packages). Same mirror settings as trixie-dovecot.sh.
set -euo pipefail
IMAGE=${MAILWARDEN_CONTAINER_BASE:-docker.io/library/debian:trixie-slim}
TARBALL=${MAILWARDEN_CONTAINER_BASE_TARBALL:-/var/cache/mailwarden-ci/debian-trixie-minbase.tar}
MIRROR=${MAILWARDEN_DEBIAN_MIRROR:-http://deb.debian.org/debian}
SECURITY_MIRROR=${MAILWARDEN_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}

if podman image exists "$IMAGE"; then
  echo "[ci] container base image present: $IMAGE" >&2
  exit 0
fi
command -v mmdebstrap >/dev/null || {
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends mmdebstrap >/dev/null
}
start=$(date +%s)
if [ ! -s "$TARBALL" ]; then
  mkdir -p "$(dirname "$TARBALL")"
  tmp="$TARBALL.building.$$"
  rm -f "$tmp"
  # minbase: dpkg, apt and the Essential set, as the official slim image. Without documentation and
  # apt lists (the Dockerfile runs apt-get update), like the official image; the sources are the
  # same three suites it has (release, updates, security).
  mmdebstrap --quiet --variant=minbase --mode=root --format=tar \
    --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --dpkgopt='path-exclude=/usr/share/locale/*' \
    --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*.bin' \
    trixie "$tmp" \
    "deb $MIRROR trixie main" \
    "deb $MIRROR trixie-updates main" \
    "deb $SECURITY_MIRROR trixie-security main"
  mv "$tmp" "$TARBALL"
fi
podman import --quiet \
  --change 'CMD ["bash"]' \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  "$TARBALL" "$IMAGE" >/dev/null
end=$(date +%s)
echo "[ci] built and imported the container base image $IMAGE in $((end - start)) s ($(du -sm "$TARBALL" | cut -f1) MB tarball: $TARBALL)" >&2
