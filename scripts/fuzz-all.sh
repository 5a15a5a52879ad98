#!/usr/bin/env bash
# Fuzzes every target in fuzz/ for RUNS executions each (default 10,000,000), one after the
# other, and prints docs/fuzzing.md's table of what ran: scripts/fuzz-all.sh [RUNS]. Same
# build, seeds, corpora and crash handling as scripts/fuzz.sh (which it runs per target, with
# a time cap of MAX_MINUTES each, default 60). A target that crashes stops the run.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-10000000}
max_minutes=${MAX_MINUTES:-60}
logs=build/fuzz/logs
mkdir -p "$logs"
rows=()
for source in fuzz/fuzz_*.cpp; do
  target=$(basename "$source" .cpp)
  target=${target#fuzz_}
  log="$logs/$target.log"
  SWITCHBOARD_FUZZ_RUNS=$runs scripts/fuzz.sh "$target" "$max_minutes" >"$log" 2>&1 || {
    echo "$target: crashed or failed, see $log" >&2
    exit 1
  }
  executed=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
  seconds=$(((executed + speed - 1) / (speed > 0 ? speed : 1)))
  corpus=$(find "build/fuzz/corpus/$target" "fuzz/corpus/$target" -type f | wc -l)
  rows+=("| \`$target\` | $executed | $speed | $seconds | $corpus | 0 |")
  echo "$target: $executed executions, $speed/s" >&2
done
echo "| target | executions | per second | seconds | corpus files | crashes |"
echo "| --- | ---: | ---: | ---: | ---: | ---: |"
printf '%s\n' "${rows[@]}"
