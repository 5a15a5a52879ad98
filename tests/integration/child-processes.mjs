// Last-resort cleanup for the processes the integration helpers start (switchboard,
// redis-server, HAProxy, coturn, Prometheus): whatever is still running when this test process
// exits, after a failed assertion or a crash too, is SIGKILLed by PID. Normal teardown stops
// each one long before; this only catches leftovers.

const running = new Set();

process.on('exit', () => {
  for (const child of running) {
    try {
      process.kill(child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

/** Kills `child` (a ChildProcess) when this process exits, unless it has exited by then. */
export function killAtExit(child) {
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}
