#!/usr/bin/env bash
# Makes sure the image the Dockerfile starts from, node:20-bookworm-slim, is
# present in the local Docker engine.
#
#   docker/base-image.sh            do nothing if the image is there, else
#                                   build a stand-in for it
#   docker/base-image.sh --force    rebuild the stand-in even if it is there
#
# Where no image registry can be reached, the stand-in is made from parts
# this machine has: a minimal Debian bookworm root made by debootstrap (from
# Debian's package mirror), and this host's own Node.js 20 (binary, headers,
# npm, corepack), laid out as the official image lays them out
# (/usr/local/bin/node, /usr/local/lib/node_modules, /usr/local/include/node),
# plus the host's CA bundle so that npm inside builds trusts what the host
# trusts. The result is imported with `docker import`.
#
# The debootstrap root is cached in .docker-base/ at the top of the repo
# (git-ignored; SEKIWAKE_BASE_CACHE names another folder); delete it to start
# from nothing. Needs root (debootstrap) when the cache is empty.
set -euo pipefail

IMAGE="${SEKIWAKE_BASE_IMAGE:-node:20-bookworm-slim}"
SUITE=bookworm
MIRROR="${SEKIWAKE_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
REPO="$(cd "$(dirname "$0")/.." && pwd)"
CACHE="${SEKIWAKE_BASE_CACHE:-$REPO/.docker-base}"
ROOTFS="$CACHE/rootfs-$SUITE"
CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt

say() { echo "base-image: $*" >&2; }
die() { say "$*"; exit 1; }

if [ "${1:-}" != "--force" ] && docker image inspect "$IMAGE" >/dev/null 2>&1; then
  say "$IMAGE is present"
  exit 0
fi

# The host's Node.js must be the major version the image is named after.
NODE_BIN="$(readlink -f "$(command -v node)")" || die "no node on PATH"
NODE_MAJOR="$(node -p 'process.versions.node.split(".")[0]')"
[ "$NODE_MAJOR" = 20 ] || die "host node is v$NODE_MAJOR, the stand-in for $IMAGE needs v20"
NODE_PREFIX="$(dirname "$(dirname "$NODE_BIN")")"
NPM_DIR="$(readlink -f "$(dirname "$(readlink -f "$(command -v npm)")")/..")"
NODE_MODULES="$(dirname "$NPM_DIR")"
[ -f "$NPM_DIR/package.json" ] || die "cannot find npm's folder (looked at $NPM_DIR)"
[ -f "$NODE_PREFIX/include/node/node.h" ] || die "no Node.js headers in $NODE_PREFIX/include/node (node-gyp needs them)"
[ -f "$CA_BUNDLE" ] || die "no CA bundle at $CA_BUNDLE"

if [ ! -f "$ROOTFS/.complete" ]; then
  [ "$(id -u)" -eq 0 ] || die "debootstrap needs root"
  if ! command -v debootstrap >/dev/null 2>&1; then
    say "installing debootstrap"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
  fi
  say "debootstrap $SUITE into $ROOTFS (a few minutes, once)"
  rm -rf "$ROOTFS"
  mkdir -p "$CACHE"
  debootstrap --variant=minbase "$SUITE" "$ROOTFS" "$MIRROR" >"$CACHE/debootstrap.log" 2>&1 ||
    die "debootstrap failed; see $CACHE/debootstrap.log"
  touch "$ROOTFS/.complete"
fi

STAGE="$(mktemp -d "$CACHE/stage.XXXXXX")"
trap 'rm -rf "$STAGE"' EXIT
cp -a "$ROOTFS/." "$STAGE/"
rm -f "$STAGE/.complete"
# What the slim image leaves out: package lists, docs, caches.
rm -rf "$STAGE"/var/lib/apt/lists/* "$STAGE"/var/cache/apt/*.bin "$STAGE"/var/cache/apt/archives/*.deb \
  "$STAGE"/usr/share/doc/* "$STAGE"/usr/share/man/* "$STAGE"/usr/share/info/* "$STAGE"/var/log/*.log
# Package sources as the official image has them: updates and security too.
rm -f "$STAGE/etc/apt/sources.list"
cat >"$STAGE/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $MIRROR
Suites: $SUITE $SUITE-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${MIRROR%/debian}/debian-security
Suites: $SUITE-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF

install -D -m 0755 "$NODE_BIN" "$STAGE/usr/local/bin/node"
mkdir -p "$STAGE/usr/local/lib/node_modules" "$STAGE/usr/local/include"
cp -a "$NPM_DIR" "$STAGE/usr/local/lib/node_modules/npm"
[ -d "$NODE_MODULES/corepack" ] && cp -a "$NODE_MODULES/corepack" "$STAGE/usr/local/lib/node_modules/corepack"
cp -a "$NODE_PREFIX/include/node" "$STAGE/usr/local/include/node"
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$STAGE/usr/local/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$STAGE/usr/local/bin/npx"
[ -d "$STAGE/usr/local/lib/node_modules/corepack" ] &&
  ln -sf ../lib/node_modules/corepack/dist/corepack.js "$STAGE/usr/local/bin/corepack"
install -D -m 0644 "$CA_BUNDLE" "$STAGE$CA_BUNDLE"

NODE_VERSION="$(node -p process.versions.node)"
say "importing $IMAGE (Debian $SUITE minbase, node $NODE_VERSION from this host)"
tar -C "$STAGE" --numeric-owner -c . | docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change "ENV NODE_VERSION=$NODE_VERSION" \
  --change "ENV NODE_EXTRA_CA_CERTS=$CA_BUNDLE" \
  --change 'CMD ["node"]' \
  --message "stand-in for $IMAGE built by docker/base-image.sh" \
  - "$IMAGE" >/dev/null
docker image inspect --format 'base-image: {{.RepoTags}} {{.Size}} bytes' "$IMAGE" >&2
