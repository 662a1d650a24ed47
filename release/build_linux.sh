#!/usr/bin/env bash
# Builds the Linux release binary of one platform package in the Debian bullseye build root
# (release/debian_build_root.sh) and puts it in packages/<platform>/recurrent.node:
#
#   release/build_linux.sh linux-x64      x86-64, glibc, every instruction set (scalar, AVX2, AVX-512)
#   release/build_linux.sh linux-arm64    aarch64, glibc, by Debian's cross compiler (scalar kernels)
#
# The whole build runs inside the build root with this machine's node, its headers and npm's
# node-gyp copied in, so nothing is downloaded and the binary links against glibc 2.31 with
# libstdc++ and libgcc linked in statically. The x64 binary is then loaded in the build root
# (glibc 2.31) as a check that it runs there.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"

platform="${1:-}"
case "$platform" in
  linux-x64) arch=x64; cross="" ;;
  linux-arm64) arch=arm64; cross="aarch64-linux-gnu-" ;;
  *) echo "usage: release/build_linux.sh linux-x64|linux-arm64" >&2; exit 2 ;;
esac

root="$(release/debian_build_root.sh)"
node_bin="$(node -p process.execPath)"
nodedir="$(npm config get nodedir 2>/dev/null || true)"
if [ -z "$nodedir" ] || [ "$nodedir" = undefined ] || [ ! -f "$nodedir/include/node/node_api.h" ]; then
  nodedir="$(dirname "$(dirname "$node_bin")")"
fi
if [ ! -f "$nodedir/include/node/node_api.h" ]; then
  echo "release/build_linux.sh: no Node headers under $nodedir/include/node (set npm's nodedir)" >&2
  exit 1
fi
node_gyp="${npm_config_node_gyp:-$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")/node_modules/node-gyp/bin/node-gyp.js}"
if [ ! -f "$node_gyp" ]; then
  echo "release/build_linux.sh: npm's node-gyp not found at $node_gyp" >&2
  exit 1
fi

work="$root/opt/recurrent-build"
rm -rf "$work"
mkdir -p "$work/node/bin" "$work/node/include" "$work/src/node_modules"
cp "$node_bin" "$work/node/bin/node"
cp -r "$nodedir/include/node" "$work/node/include/node"
# node-gyp's own dependencies sit beside it in npm's node_modules: copy npm whole.
npm_dir="$(dirname "$(dirname "$(dirname "$(dirname "$node_gyp")")")")"
cp -r "$npm_dir" "$work/npm"
cp -r binding.gyp native "$work/src/"
cp -r node_modules/node-addon-api "$work/src/node_modules/"

started=$(date +%s)
chroot "$root" /usr/bin/env -i HOME=/root PATH=/opt/recurrent-build/node/bin:/usr/bin:/bin \
  CC="${cross}gcc" CXX="${cross}g++" AR="${cross}ar" LINK="${cross}g++" \
  JOBS="$(nproc)" /bin/sh -c "cd /opt/recurrent-build/src && node /opt/recurrent-build/npm/node_modules/node-gyp/bin/node-gyp.js rebuild \
    --nodedir=/opt/recurrent-build/node --arch=$arch --linux_release=true --loglevel=warn"
chroot "$root" "/usr/bin/${cross}strip" --strip-unneeded /opt/recurrent-build/src/build/Release/recurrent.node
mkdir -p "packages/$platform"
cp "$work/src/build/Release/recurrent.node" "packages/$platform/recurrent.node"
echo "== built packages/$platform/recurrent.node in $(( $(date +%s) - started )) s" >&2

if [ "$arch" = x64 ]; then
  chroot "$root" /usr/bin/env -i PATH=/opt/recurrent-build/node/bin:/usr/bin:/bin \
    node -e "const b = require('/opt/recurrent-build/src/build/Release/recurrent.node'); const i = b.runtimeInfo();
      console.error('== loads under ' + require('child_process').execSync('ldd --version').toString().split('\n')[0] + ': isa ' + i.isa + ', built ' + i.isaBuilt.join(', '))"
fi
rm -rf "$work"
