#!/usr/bin/env bash
# Configures and builds one flavour: release (default), asan (ASan + UBSan) or tsan (ThreadSanitizer).
#   scripts/build.sh [release|asan] [targets...]
set -euo pipefail
cd "$(dirname "$0")/.."
flavour=${1:-release}
shift || true
case "$flavour" in
  release) flags=(-DCMAKE_BUILD_TYPE=Release) ;;
  asan) flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DSWITCHBOARD_SANITIZE=ON) ;;
  tsan) flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DSWITCHBOARD_TSAN=ON) ;;
  *) echo "unknown flavour $flavour (release|asan|tsan)" >&2; exit 2 ;;
esac
cmake -S . -B "build/$flavour" -G Ninja -DSWITCHBOARD_WERROR=ON "${flags[@]}" >/dev/null
ninja -C "build/$flavour" "$@"
