#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine and runs every test: format check, unit and integration
# tests on the release build, the Debian package (installed and removed again), browser
# end-to-end tests (Chromium) against the release build, the protocol suites against a 3-node
# cluster over Redis and the cluster's failure tests (release), then unit and
# integration tests (and a session moving between two cluster nodes) again under
# AddressSanitizer + UndefinedBehaviorSanitizer and under ThreadSanitizer (the server runs one
# event loop on several threads).
set -euo pipefail
cd "$(dirname "$0")/.."
# Each step says when it began, so a slow CI run shows where its minutes went.
step() { echo "== [$((SECONDS / 60)) min $((SECONDS % 60)) s] $*"; }
scripts/setup.sh
[ -d node_modules/ws ] && [ -d node_modules/playwright-core ] ||
  npm ci --no-audit --no-fund --loglevel=error
# The servers the bench is compared with (bench/compare); the bench smoke test runs it against them.
[ -d bench/peers/node_modules/websocket ] && [ -d bench/peers/node_modules/peer ] ||
  npm ci --prefix bench/peers --no-audit --no-fund --loglevel=error

step "format check"
mapfile -t sources < <(git ls-files 'src/*.cpp' 'src/*.hpp' 'tests/*.cpp' 'tests/*.hpp' 'tools/*.cpp' 'tools/*.hpp' 'bench/*.cpp' 'bench/*.hpp' 'fuzz/*.cpp' 2>/dev/null || find src tests tools bench fuzz -name '*.[ch]pp')
clang-format --dry-run --Werror "${sources[@]}"

# The join test holds 10,000 client sockets in one process.
ulimit -n "$(ulimit -Hn)"

results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT
passed=0

run_suite() {
  local flavour=$1
  step "build ($flavour)"
  scripts/build.sh "$flavour" switchboard unit_tests
  step "unit tests ($flavour)"
  "build/$flavour/tests/unit/unit_tests" --gtest_brief=1 | tee "$results/unit.txt"
  passed=$((passed + $(sed -n 's/^\[  PASSED  \] \([0-9]*\) tests\?\./\1/p' "$results/unit.txt")))
  step "integration tests ($flavour)"
  SWITCHBOARD_BIN="$PWD/build/$flavour/switchboard" \
    node --test --test-concurrency=1 --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=tap --test-reporter-destination="$results/integration.tap" tests/integration/
  passed=$((passed + $(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$results/integration.tap")))
}

# A session moving between cluster nodes (two nodes, a real Redis) under a sanitizer: the one
# cluster path where sessions' threads and the router's strand hand state to each other.
cluster_resume() {
  local flavour=$1
  step "cross-node resume ($flavour, 2 nodes over a real Redis)"
  SWITCHBOARD_BIN="$PWD/build/$flavour/switchboard" "${loopback_only[@]}" \
    node --test --test-concurrency=1 --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=tap --test-reporter-destination="$results/cluster-resume.tap" \
    tests/cluster/resume.test.mjs
  passed=$((passed + $(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$results/cluster-resume.tap")))
}

step "browser client unit tests (node --test, no browser)"
node --test --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination="$results/client.tap" tests/client/
passed=$((passed + $(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$results/client.tap")))

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
run_suite release
step "load generator smoke test (every switchboard-bench mode, small counts; a 60 s soak)"
scripts/build.sh release switchboard-bench
SWITCHBOARD_BIN="$PWD/build/release/switchboard" \
  SWITCHBOARD_BENCH_BIN="$PWD/build/release/tools/bench/switchboard-bench" \
  node --test --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination="$results/bench.tap" tests/bench/
passed=$((passed + $(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$results/bench.tap")))
step "Debian package (scripts/package.sh: installed, its unit verified, run, removed) and packaging/alerts.yml"
node --test --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination="$results/package.tap" tests/package/
passed=$((passed + $(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$results/package.tap")))
step "end-to-end tests (Chromium, loopback-only network namespace, release build)"
SWITCHBOARD_BIN="$PWD/build/release/switchboard" scripts/e2e.sh \
  --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination="$results/e2e.tap" tests/e2e/
passed=$((passed + $(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$results/e2e.tap")))
step "cluster (release): the protocol suites again against 3 nodes over a real Redis, clients round-robin; then node loss and Redis loss"
# The suites that are about the protocol (messages, errors, rooms, presence, names, ordering,
# limits); the rest are about one process (its log, memory, metrics, TLS files, shutdown).
cluster_suites=(relay chat rooms presence names errors connect robustness abuse-limits scale
  websocket-strictness turn-credentials auth-jwt)
cluster_files=()
for suite in "${cluster_suites[@]}"; do cluster_files+=("tests/integration/$suite.test.mjs"); done
# Many processes talking: inside a network namespace whose only interface is loopback.
loopback_only=(unshare --net)
[ "$(id -u)" -eq 0 ] || loopback_only=(unshare --map-root-user --net)
loopback_only+=(sh -c 'ip link set lo up && exec "$@"' loopback-only)
SWITCHBOARD_CLUSTER=3 SWITCHBOARD_BIN="$PWD/build/release/switchboard" "${loopback_only[@]}" \
  node --test --test-concurrency=1 --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination="$results/cluster-suites.tap" \
  "${cluster_files[@]}"
passed=$((passed + $(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$results/cluster-suites.tap")))
SWITCHBOARD_BIN="$PWD/build/release/switchboard" "${loopback_only[@]}" \
  node --test --test-concurrency=1 --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination="$results/cluster.tap" tests/cluster/
passed=$((passed + $(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$results/cluster.tap")))
# Sanitizers make every operation several times slower; a smaller crowd still covers the path.
SWITCHBOARD_JOIN_USERS=2000 run_suite asan
cluster_resume asan
step "micro-benchmark smoke run (asan: each benchmark checks its result, then runs briefly)"
scripts/build.sh asan switchboard-microbench
build/asan/bench/micro/switchboard-microbench --benchmark_min_time=0.01 | tee "$results/micro.txt"
# A benchmark whose check fails reports "ERROR OCCURRED" but exits 0.
if grep -q "ERROR OCCURRED" "$results/micro.txt"; then
  echo "micro-benchmark check failed" >&2
  exit 1
fi
step "fuzz corpora replayed (asan: every seed, every input that once found a bug, and what fuzzing kept for the targets still short of 10 M executions)"
scripts/build.sh asan fuzzers
for corpus in fuzz/corpus/*/; do
  target=$(basename "$corpus")
  "build/asan/fuzz/fuzz_$target" "$corpus"
  passed=$((passed + $(find "$corpus" -type f | wc -l)))
done
export TSAN_OPTIONS=second_deadlock_stack=1
SWITCHBOARD_JOIN_USERS=500 SWITCHBOARD_TIMEOUT_SCALE=3 run_suite tsan
SWITCHBOARD_TIMEOUT_SCALE=3 cluster_resume tsan
# Every suite above stops this script on its first failure, so reaching here means none failed.
echo "all suites: $passed passed, 0 failed, in $((SECONDS / 60)) min $((SECONDS % 60)) s"
