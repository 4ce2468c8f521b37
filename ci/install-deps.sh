#!/usr/bin/env bash
# Installs everything crsync builds and tests with, from Debian's packages only.
# Idempotent and quick when all is present: apt is only touched when a package
# is missing, and the rsync 3.2.7 peer is only extracted when its folder is absent.
#
#   ci/install-deps.sh            install build + test dependencies and peers
#   CRSYNC_PEERS_DIR=/opt/x ...   where the extracted upstream peers live
set -euo pipefail

PEERS_DIR="${CRSYNC_PEERS_DIR:-/opt/crsync-peers}"
RSYNC_327_VERSION="${CRSYNC_RSYNC_327_VERSION:-}"

PACKAGES=(
  build-essential cmake ninja-build pkg-config clang clang-format clang-tidy
  libclang-rt-14-dev lcov gcovr
  libboost-dev libboost-system-dev
  libpcap-dev tcpdump
  libgtest-dev libgmock-dev libbenchmark-dev librapidcheck-dev
  libxxhash-dev libzstd-dev liblz4-dev zlib1g-dev libssl-dev
  libacl1-dev libattr1-dev nlohmann-json3-dev xxhash
  python3-pytest python3-matplotlib
  rsync openssh-server openssh-client
)

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "install-deps: all ${#PACKAGES[@]} packages present"
fi

# Upstream peer 3.2.7: Debian's .deb extracted into a folder (never installed
# system-wide, so it does not replace the 3.5.0 peer).
if [ ! -x "$PEERS_DIR/rsync-3.2.7/usr/bin/rsync" ]; then
  if [ -z "$RSYNC_327_VERSION" ]; then
    [ -n "$(apt-cache madison rsync 2>/dev/null)" ] || $SUDO apt-get update -qq
    RSYNC_327_VERSION=$(apt-cache madison rsync | awk -F'|' '{gsub(/ /,"",$2); print $2}' | grep '^3\.2\.7' | head -n1)
  fi
  if [ -z "$RSYNC_327_VERSION" ]; then
    echo "install-deps: no rsync 3.2.7 in apt-cache madison" >&2
    exit 1
  fi
  tmp=$(mktemp -d)
  (cd "$tmp" && apt-get download -qq "rsync=$RSYNC_327_VERSION" >/dev/null)
  $SUDO mkdir -p "$PEERS_DIR/rsync-3.2.7"
  $SUDO dpkg -x "$tmp"/rsync_*.deb "$PEERS_DIR/rsync-3.2.7"
  rm -rf "$tmp"
  echo "install-deps: rsync $RSYNC_327_VERSION extracted to $PEERS_DIR/rsync-3.2.7"
fi

echo "install-deps: peers: $(rsync --version | head -n1) | $("$PEERS_DIR/rsync-3.2.7/usr/bin/rsync" --version | head -n1)"
