#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine, builds, and runs the server on port 6503 serving web/.
# Extra arguments go to switchboard (see: scripts/run.sh --help).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh release switchboard
exec build/release/switchboard --web-root web "$@"
