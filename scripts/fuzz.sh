#!/usr/bin/env bash
# Fuzzes one target for real (libFuzzer, clang-14, ASan + UBSan): scripts/fuzz.sh TARGET MINUTES
# [JOBS]. TARGET is a fuzz/fuzz_TARGET.cpp (inbound, url, node_message, ...). New inputs go to
# build/fuzz/corpus/TARGET (the repository's seeds in fuzz/corpus/TARGET are read, not
# written); a crash is written to build/fuzz/crashes/ and the run stops. Copy a crash into
# fuzz/corpus/TARGET once fixed: CI replays that directory on every run (docs/fuzzing.md).
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:?usage: scripts/fuzz.sh TARGET MINUTES [JOBS]}
minutes=${2:?usage: scripts/fuzz.sh TARGET MINUTES [JOBS]}
jobs=${3:-1}
[ -f "fuzz/fuzz_$target.cpp" ] || { echo "no fuzz/fuzz_$target.cpp" >&2; exit 2; }
scripts/setup.sh
# libFuzzer's runtime is in libclang-rt-14-dev, which clang-14 does not pull in.
missing=()
for p in clang-14 libclang-rt-14-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi
cmake --preset fuzz >/dev/null
ninja -C build/fuzz "fuzz_$target"
corpus=build/fuzz/corpus/$target
crashes=build/fuzz/crashes
mkdir -p "$corpus" "$crashes"
dict=()
case "$target" in
  inbound | object_members | ws_session) dict=(-dict=fuzz/dict/json.dict) ;;
  http_session) dict=(-dict=fuzz/dict/http.dict) ;;
  url | static_path) dict=(-dict=fuzz/dict/url.dict) ;;
  node_message) dict=(-dict=fuzz/dict/node_message.dict) ;;
  jwt) dict=(-dict=fuzz/dict/jwt.dict) ;;
esac
# libFuzzer takes its longest input from the corpus unless told: config's seed "full" (every
# option, as --dump-config prints them) is 10 KiB, and with inputs up to that long a run
# made 436 executions/s, with 4 KiB 811/s (beside two other fuzzers on 2 cores). 4 KiB,
# libFuzzer's own default, holds a real config file; CI's replay still reads "full" whole.
max_len=()
[ "$target" = config ] && max_len=(-max_len=4096)
# No leak check while fuzzing: LeakSanitizer scans the heap after every input that did not
# free all it allocated, which halves the session targets' rate (ws_session: 536 -> 260
# executions/s). Every input the run kept is replayed with it afterwards, below.
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# -close_fd_mask=3: the targets' own output (a config error, a log line) would drown the stats.
# SWITCHBOARD_FUZZ_RUNS (scripts/fuzz-all.sh): stop after that many executions, or at MINUTES.
runs=()
[ -n "${SWITCHBOARD_FUZZ_RUNS:-}" ] && runs=(-runs="$SWITCHBOARD_FUZZ_RUNS")
# -jobs, even -jobs=1, makes libFuzzer run its workers as children writing to fuzz-N.log in
# the working directory: only for JOBS > 1, then in a directory of this target's own.
parallel=()
if ((jobs > 1)); then
  parallel=(-jobs="$jobs" -workers="$jobs")
  mkdir -p "build/fuzz/logs/$target"
fi
root=$PWD
(
  ((jobs > 1)) && cd "build/fuzz/logs/$target"
  "$root/build/fuzz/fuzz/fuzz_$target" "${dict[@]/=/=$root/}" "${max_len[@]}" "${runs[@]}" \
    -max_total_time=$((minutes * 60)) "${parallel[@]}" -print_final_stats=1 -close_fd_mask=3 \
    -artifact_prefix="$root/$crashes/$target-" "$root/$corpus" "$root/fuzz/corpus/$target"
)
echo "replaying the corpus with the leak check" >&2
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 "build/fuzz/fuzz/fuzz_$target" -runs=0 \
  -close_fd_mask=3 -artifact_prefix="$crashes/$target-leak-" "$corpus" "fuzz/corpus/$target"
