#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine and runs every test: format check, unit and integration
# tests on the release build, then both again under AddressSanitizer + UndefinedBehaviorSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
[ -d node_modules/ws ] || npm ci --no-audit --no-fund --loglevel=error

echo "== format check"
mapfile -t sources < <(git ls-files 'src/*.cpp' 'src/*.hpp' 'tests/*.cpp' 'tests/*.hpp' 2>/dev/null || find src tests -name '*.[ch]pp')
clang-format --dry-run --Werror "${sources[@]}"

run_suite() {
  local flavour=$1
  echo "== build ($flavour)"
  scripts/build.sh "$flavour" switchboard unit_tests
  echo "== unit tests ($flavour)"
  "build/$flavour/tests/unit/unit_tests" --gtest_brief=1
  echo "== integration tests ($flavour)"
  SWITCHBOARD_BIN="$PWD/build/$flavour/switchboard" \
    node --test --test-concurrency=1 --test-reporter=spec tests/integration/
}

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
run_suite release
run_suite asan
echo "== all tests passed"
