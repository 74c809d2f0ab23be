#!/usr/bin/env bash
# Fetch the Linux 6.12 source tree used for whole-tree reliability runs
# (docs/reliability.md): Debian's linux-source-6.12 package, unpacked under
# /tmp. Idempotent: does nothing when the tree is already there.
# Usage: scripts/fetch-linux.sh [DEST_PARENT]   (default /tmp)
# Prints the path of the tree.
set -euo pipefail

dest_parent="${1:-/tmp}"
tree="$dest_parent/linux-source-6.12"
tarball=/usr/src/linux-source-6.12.tar.xz

if [ -d "$tree" ] && [ -f "$tree/Makefile" ]; then
  echo "$tree"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi

if [ ! -f "$tarball" ]; then
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq linux-source-6.12 >&2
fi
if [ ! -f "$tarball" ]; then
  echo "fetch-linux: $tarball not found after installing linux-source-6.12" >&2
  exit 1
fi

mkdir -p "$dest_parent"
tmp="$(mktemp -d "$dest_parent/.linux-unpack.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
tar -xJf "$tarball" -C "$tmp"
mv "$tmp/linux-source-6.12" "$tree"
echo "$tree"
