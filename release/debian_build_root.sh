#!/usr/bin/env bash
# Makes (or reuses) the Debian 11 "bullseye" build root in which the Linux release binaries
# are compiled: GCC 10 and glibc 2.31 from Debian's own packages, plus the aarch64 cross
# compiler. A binary linked there, with libstdc++ and libgcc linked in statically, asks the
# host for no symbol newer than what it uses from glibc (test/glibc_floor.test.ts reads them),
# so it loads on older distributions than the machine that builds it.
#
#   release/debian_build_root.sh [DIR]      prints the build root's path
#
# DIR defaults to $RECURRENT_BUILD_ROOT, else ~/.cache/recurrent/debian-bullseye. Needs root
# and debootstrap (apt-get install debootstrap); the mirror is debootstrap's default unless
# RECURRENT_DEBIAN_MIRROR names another.
set -euo pipefail

root="${1:-${RECURRENT_BUILD_ROOT:-${XDG_CACHE_HOME:-$HOME/.cache}/recurrent/debian-bullseye}}"
packages=g++,make,python3,g++-aarch64-linux-gnu,binutils-aarch64-linux-gnu

if [ -x "$root/usr/bin/aarch64-linux-gnu-g++" ] && [ -x "$root/usr/bin/g++" ] && [ -f "$root/.recurrent-complete" ]; then
  echo "$root"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "release/debian_build_root.sh: making a build root needs root (debootstrap and chroot)" >&2
  exit 1
fi
if ! command -v debootstrap >/dev/null 2>&1; then
  echo "release/debian_build_root.sh: debootstrap is missing (apt-get install debootstrap)" >&2
  exit 1
fi
rm -rf "$root"
mkdir -p "$(dirname "$root")"
echo "== making the Debian bullseye build root in $root (a few minutes)" >&2
# shellcheck disable=SC2086
debootstrap --variant=minbase --include="$packages" bullseye "$root" ${RECURRENT_DEBIAN_MIRROR:-} >&2
touch "$root/.recurrent-complete"
echo "$root"
