#!/usr/bin/env bash
# Configures and builds one flavour: release (default) or asan (ASan + UBSan, debug info).
#   scripts/build.sh [release|asan] [targets...]
set -euo pipefail
cd "$(dirname "$0")/.."
flavour=${1:-release}
shift || true
case "$flavour" in
  release) flags=(-DCMAKE_BUILD_TYPE=Release) ;;
  asan) flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DSWITCHBOARD_SANITIZE=ON) ;;
  *) echo "unknown flavour $flavour (release|asan)" >&2; exit 2 ;;
esac
cmake -S . -B "build/$flavour" -G Ninja -DSWITCHBOARD_WERROR=ON "${flags[@]}" >/dev/null
ninja -C "build/$flavour" "$@"
