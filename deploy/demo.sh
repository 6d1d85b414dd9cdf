#!/usr/bin/env bash
# The README's first command: install what is missing, build, and run the
# main job. Until the node daemon lands (replication over ZeroMQ), the main job
# is the single-machine demonstration of signed, hash-chained feeds in LMDB:
# `liandong demo`. Its output directory is printed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
deploy/install-deps.sh
if [ -d build ]; then meson setup --reconfigure build >/dev/null; else meson setup build >/dev/null; fi
ninja -C build
dir=${1:-$(mktemp -d /tmp/liandong-demo.XXXXXX)}
rmdir "$dir" 2>/dev/null || true
build/client/liandong demo --dir "$dir"
echo
build/client/liandong store check --data "$dir/county-b" --root "$dir/root.pub"
echo
echo "Demonstration data is in $dir (remove it with: rm -rf $dir)"
