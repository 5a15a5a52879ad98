#!/usr/bin/env bash
# Configures and builds one flavour with its CMake preset (CMakePresets.json) into build/<flavour>:
#   scripts/build.sh [release|debug|asan|tsan] [targets...]
# release (default), debug, asan (ASan + UBSan: preset asan-ubsan), tsan (ThreadSanitizer).
# Warnings are errors only in CI (CI=true) or with SWITCHBOARD_WERROR=ON: a newer compiler than
# the one CI uses may warn where it does not, and must still build the server.
set -euo pipefail
cd "$(dirname "$0")/.."
flavour=${1:-release}
shift || true
case "$flavour" in
  release | debug | tsan) preset=$flavour ;;
  asan) preset=asan-ubsan ;;
  *) echo "unknown flavour $flavour (release|debug|asan|tsan)" >&2; exit 2 ;;
esac
if [ -z "${SWITCHBOARD_WERROR:-}" ]; then
  if [ "${CI:-}" = true ]; then SWITCHBOARD_WERROR=ON; else SWITCHBOARD_WERROR=OFF; fi
fi
export SWITCHBOARD_WERROR
cmake --preset "$preset" >/dev/null
ninja -C "build/$flavour" "$@"
