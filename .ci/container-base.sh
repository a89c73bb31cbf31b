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

# Podman's defaults must be able to start a container here (the probe below). Two things this
# kind of machine refuses, each with a drop-in for Podman alone (nothing else on the host changes):
# - crun 1.8 (Debian 12) stops at "cgroups in hybrid mode not supported, drop all controllers
#   from cgroupv2" when cgroup v1 is mounted with a v2 hierarchy beside it: runc runs there;
# - rootful Podman raises every container's RLIMIT_NOFILE to 1048576 and RLIMIT_NPROC to 4194304,
#   and a host whose hard limits are lower (and which cannot raise them) fails with
#   "setrlimit `RLIMIT_NOFILE`: Operation not permitted": the host's own limits are the defaults
#   (RLIMIT_NPROC no higher than kernel.pid_max, which such a kernel enforces too).
DROP_IN=/etc/containers/containers.conf.d/50-mailwarden-ci.conf
probe() { podman run --rm --pull=never --network=none "$IMAGE" true 2>&1; }
ensure_runnable() {
  local error
  error=$(probe) && return 0
  if [ -e "$DROP_IN" ]; then
    echo "[ci] podman cannot start a container here, even with $DROP_IN: $error" >&2
    return 1
  fi
  echo "[ci] podman cannot start a container with its defaults: $error" >&2
  local nproc pid_max runtime=''
  nproc=$(ulimit -Hu)
  pid_max=$(cat /proc/sys/kernel/pid_max)
  if [ "$nproc" = unlimited ] || [ "$nproc" -gt "$pid_max" ]; then nproc=$pid_max; fi
  if grep -q . /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null && command -v runc >/dev/null; then
    runtime='runc'
  fi
  mkdir -p "$(dirname "$DROP_IN")"
  {
    echo "# Written by mailwarden's .ci/container-base.sh: podman failed with its defaults here:"
    echo "# $error"
    echo '[containers]'
    echo "default_ulimits = [\"nofile=$(ulimit -Hn):$(ulimit -Hn)\", \"nproc=$nproc:$nproc\"]"
    if [ -n "$runtime" ]; then
      echo '[engine]'
      echo "runtime = \"$runtime\""
    fi
  } > "$DROP_IN"
  echo "[ci] wrote $DROP_IN:" >&2
  sed 's/^/[ci]   /' "$DROP_IN" >&2
  error=$(probe) && return 0
  echo "[ci] podman still cannot start a container: $error" >&2
  return 1
}

if podman image exists "$IMAGE"; then
  echo "[ci] container base image present: $IMAGE" >&2
  ensure_runnable
  exit $?
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
ensure_runnable
