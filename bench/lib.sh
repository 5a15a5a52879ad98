# shellcheck shell=bash
# bench/lib.sh: the shell that bench/compare and bench/targets share. Sourced, not run:
#
#   bench_tag=compare   # prefixes this file's messages
#   . bench/lib.sh
#
# Outside: bench_enter_namespace re-executes the script in a network namespace whose only
# interface is loopback. Inside: start_server_words / stop_server run the one server under
# test, pinned to CPU 0, its PID in $server_pid; stop_server_on_exit makes sure it never
# outlives the script.

: "${bench_tag:=bench}"
server_pid=

# Re-executes script $1 inside a new network namespace with loopback up, its environment plus
# the assignments $2...; never returns. As a user, also in a user namespace mapping us to root
# (creating a network namespace needs CAP_SYS_ADMIN).
bench_enter_namespace() {
  local script=$1
  shift
  local namespace=(unshare --net)
  [ "$(id -u)" -eq 0 ] || namespace=(unshare --map-root-user --net)
  exec "${namespace[@]}" sh -c 'ip link set lo up && exec "$@"' "$bench_tag" env "$@" "$script"
}

# Stops the server started last, if any: SIGTERM, up to 5 s for its graceful shutdown, then
# SIGKILL. By PID only, so nothing else on the machine is touched.
stop_server() {
  [ -n "$server_pid" ] || return 0
  kill -TERM "$server_pid" 2>/dev/null || true
  for _ in $(seq 50); do
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=
}

stop_server_on_exit() {
  trap stop_server EXIT
  trap 'stop_server; exit 130' INT TERM
}

# Starts the command $4... on CPU 0 with stdout and stderr to file $3, and waits until it
# accepts connections on 127.0.0.1:$2 (10 s at most). $1 names it in messages.
start_server_words() { # name port log command...
  local name=$1 port=$2 log=$3
  shift 3
  taskset -c 0 "$@" >"$log" 2>&1 &
  server_pid=$!
  for _ in $(seq 100); do
    kill -0 "$server_pid" 2>/dev/null || { echo "$bench_tag: $name died at start:" >&2; cat "$log" >&2; return 1; }
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "$bench_tag: $name did not listen on port $port within 10 s" >&2
  return 1
}
