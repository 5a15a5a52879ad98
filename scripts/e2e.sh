#!/usr/bin/env bash
# End-to-end tests: real Chromium pages running web/ against the real switchboard binary, inside a
# network namespace whose only interface is loopback (nothing can leak out, nothing outside can
# interfere). Installs what it needs when missing, so a second run costs nothing extra.
#   scripts/e2e.sh                               # every tests/e2e/*.test.mjs
#   scripts/e2e.sh tests/e2e/calls.test.mjs      # some of them
#   SWITCHBOARD_BIN=build/asan/switchboard scripts/e2e.sh
# Screenshots of live calls, and the pages and logs of any failed test: test-artifacts/e2e/.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root=()
[ "$(id -u)" -eq 0 ] || as_root=(sudo)

missing=()
# Debian's Chromium: Playwright's own browser download cannot work here.
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v unshare >/dev/null 2>&1 || missing+=(util-linux)
command -v ip >/dev/null 2>&1 || missing+=(iproute2)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
# coturn: the TURN server turn-relay-call.test.mjs relays a call through.
command -v "${TURNSERVER_BIN:-turnserver}" >/dev/null 2>&1 || missing+=(coturn)
if ((${#missing[@]})); then
  echo "e2e: installing ${missing[*]}"
  "${as_root[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi

[ -d node_modules/playwright-core ] || npm ci --no-audit --no-fund --loglevel=error

if [ -z "${SWITCHBOARD_BIN:-}" ] && [ ! -x build/release/switchboard ]; then
  scripts/setup.sh
  scripts/build.sh release switchboard
fi

rm -rf test-artifacts/e2e
mkdir -p test-artifacts/e2e

((${#@})) || set -- tests/e2e/
# Root gets a plain network namespace; anyone else a user namespace mapping them to root in it.
namespace=(unshare --net)
[ "$(id -u)" -eq 0 ] || namespace=(unshare --map-root-user --net)
# One test file at a time: every call test runs two or three browsers with live video.
exec "${namespace[@]}" sh -c 'ip link set lo up && exec node --test --test-concurrency=1 "$@"' \
  e2e "$@"
