// Last-resort cleanup: whatever a test started (servers, browsers) and has not stopped yet is
// killed by PID when this test process exits, even if it crashed, timed out or was interrupted.
// Normal teardown (scene.close) stops everything long before; this only catches the leftovers.

const leftovers = new Map(); // pid -> function killing it

function killAll() {
  for (const kill of leftovers.values()) {
    try {
      kill();
    } catch {
      // already gone
    }
  }
  leftovers.clear();
}

process.on('exit', killAll);
// Interrupted (Ctrl-C, the test runner's own timeout): exit, which runs the hook above.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(signal, () => process.exit(128 + 2));
}

/** Registers a running process; `kill` SIGKILLs it. Returns the function unregistering it. */
export function trackProcess(pid, kill = () => process.kill(pid, 'SIGKILL')) {
  leftovers.set(pid, kill);
  return () => leftovers.delete(pid);
}
