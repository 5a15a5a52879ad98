#!/usr/bin/env bash
# Installs what building and testing Switchboard needs on Debian 12. Idempotent: installs only
# what is missing, so a second run costs a second.
set -euo pipefail

packages=(
  g++ cmake ninja-build pkg-config
  libboost1.81-dev   # Beast (HTTP/WebSocket), Asio (event loop), JSON
  libcli11-dev       # command-line flags with environment-variable fallbacks
  libicu-dev         # ICU 72: NFC, case folding and UTS #39 confusables for user names
  libssl-dev openssl # TLS on the one port; openssl makes the test certificates
  libjwt-dev         # JSON Web Token signatures (--auth jwt)
  prometheus-cpp-dev # GET /metrics: Prometheus's data model and text format
  prometheus         # the tests scrape /metrics with a real Prometheus (and promtool)
  coturn             # the TURN server the tests relay calls through (turnserver)
  libhiredis-dev     # --redis: the Redis client (async API, driven by our Asio adapter)
  redis-server       # the cluster tests start a real Redis per test file
  haproxy            # the cluster tests put a real load balancer in front of the nodes
  libgtest-dev libgmock-dev  # unit tests
  libbenchmark-dev   # Google Benchmark: the hot-path micro-benchmarks (bench/micro)
  gnuplot-nox        # bench/soak plots RSS, fds and p99 over time (PNG, no X11)
  clang-format       # the CI format check
  iproute2 util-linux        # ip / unshare, for loopback-only test namespaces
  dpkg-dev help2man man-db   # scripts/package.sh: dpkg-shlibdeps, the man page from --help
  systemd                    # systemd-analyze verify on the packaged unit
)
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi
