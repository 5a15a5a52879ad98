#!/usr/bin/env bash
# A cluster on this machine, to try it: redis-server on 127.0.0.1:6379 (started here unless one
# answers there already), three nodes on 6601-6603 sharing rooms through it, and HAProxy on
# 127.0.0.1:8080 in front of them with packaging/haproxy.cfg. Open http://127.0.0.1:8080/ in two
# browsers. Ctrl-C stops what this script started (by PID). Extra arguments go to every node.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh release switchboard

pids=()
stop() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop EXIT INT TERM

if ! redis-cli -p 6379 ping >/dev/null 2>&1; then
  redis-server --port 6379 --bind 127.0.0.1 --save '' --appendonly no &
  pids+=($!)
  until redis-cli -p 6379 ping >/dev/null 2>&1; do sleep 0.1; done
fi
for i in 1 2 3; do
  build/release/switchboard --port "660$i" --bind 127.0.0.1 --web-root web \
    --redis redis://127.0.0.1:6379 --node-id "node$i" "$@" &
  pids+=($!)
done
haproxy -db -f packaging/haproxy.cfg &
pids+=($!)
echo "cluster: open http://127.0.0.1:8080/ (HAProxy) - Ctrl-C stops it"
wait -n
