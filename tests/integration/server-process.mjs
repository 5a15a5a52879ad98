// Starts the switchboard binary on a free port and stops it again. The port comes from the
// server's own `event=listening` log line (port 0 lets the kernel pick one, so test files never
// collide); nothing here sleeps to "give the server time".

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { startCluster } from './cluster.mjs';
import { makeWebRoot } from './web-root.mjs';
import { WAIT_MS, scaled } from './timeouts.mjs';
import { killAtExit } from './child-processes.mjs';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The binary under test: $SWITCHBOARD_BIN, else the release build in this checkout. */
export const SERVER_BINARY =
  process.env.SWITCHBOARD_BIN ?? path.join(REPO_ROOT, 'build/release/switchboard');

// Teardown first asks politely (SIGTERM) so that LeakSanitizer gets to run at exit in sanitizer
// builds; a server that has not exited by then is killed.
const GRACEFUL_STOP_MS = scaled(5_000);
// Enough of the log to explain a failure without letting a chatty server eat the test's memory.
const KEPT_LOG_LINES = 5_000;
// Sanitizer reports go to stderr; any such line fails the test that owned the server.
const SANITIZER_REPORT = /(Address|Leak|Thread|Memory|UndefinedBehavior)Sanitizer|runtime error:/;
const SANITIZER_CONTEXT_LINES = 60;

let sanitizerBuildCache;
/** Whether the binary carries ASan/TSan instrumentation (its allocator changes what RSS means). */
export function isSanitizerBuild() {
  sanitizerBuildCache ??= (() => {
    const image = fs.readFileSync(SERVER_BINARY);
    return ['__asan_init', '__tsan_init', '__msan_init'].some((symbol) => image.includes(symbol));
  })();
  return sanitizerBuildCache;
}

/** Reads `VmRSS` / `VmHWM` (peak RSS) of a live process, in bytes. */
export function readMemory(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field) =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]) * 1024;
  return { rss: kib('VmRSS'), peakRss: kib('VmHWM') };
}

/** `promise`'s value, or null if `ms` pass first (the timer is cleared either way). */
async function raceTimer(promise, ms) {
  let timer;
  const timeout = new Promise((resolve) => {
    timer = setTimeout(() => resolve(null), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Starts the server on 127.0.0.1 (or `bind`) with a kernel-chosen port.
 * @param {string[]} extraArgs flags after `--port 0 --bind 127.0.0.1 --web-root DIR`
 * @param {{ webRoot?: string | false, env?: object, launcher?: string[], bind?: string,
 *   binary?: string }} options
 *   without webRoot a temp root with an index.html is made and removed on stop(); webRoot
 *   false: no --web-root (the one a --config file names); binary: another server binary (the
 *   installed package's); launcher: a
 *   command that execs the server (e.g. `prlimit --nofile=N --`), so that the PID is still the
 *   server's; bind: the address to listen on (default 127.0.0.1; clients always use 127.0.0.1);
 *   port: a fixed one (a node restarted where its load balancer expects it), default a free one
 */
export async function startServer(extraArgs = [], options = {}) {
  const nodes = Number(process.env.SWITCHBOARD_CLUSTER ?? 0);
  if (nodes > 0) return startCluster(startOneServer, extraArgs, options, nodes);
  return startOneServer(extraArgs, options);
}

/** startServer's one server, also when SWITCHBOARD_CLUSTER is set (cluster tests use it). */
export async function startOneServer(
  extraArgs = [],
  { webRoot, env, launcher = [], bind = '127.0.0.1', binary = SERVER_BINARY, port: fixedPort = 0 } = {},
) {
  if (!fs.existsSync(binary)) {
    throw new Error(`no server binary at ${binary}: build it or set SWITCHBOARD_BIN`);
  }
  const ownWebRoot = webRoot || webRoot === false ? null : makeWebRoot();
  const args = ['--port', String(fixedPort), '--bind', bind];
  if (webRoot !== false) args.push('--web-root', webRoot || ownWebRoot.dir);
  args.push(...extraArgs);
  const [command, ...commandArgs] = [...launcher, binary, ...args];
  const proc = spawn(command, commandArgs, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  killAtExit(proc);

  const stderrLines = [];
  let linesSeen = 0; // every line ever read; stderrLines keeps only the newest KEPT_LOG_LINES
  const lineWaiters = new Set();
  const sanitizerLines = [];
  let contextLeft = 0;
  const exited = new Promise((resolve) => {
    proc.on('exit', (code, signal) => {
      resolve({ code, signal });
    });
  });
  proc.on('error', () => {}); // reported through `exited` / the startup failure below
  proc.stdout.resume(); // the server logs to stderr; never let stdout fill its pipe
  const stderr = readline.createInterface({ input: proc.stderr });
  const stderrDone = new Promise((resolve) => stderr.on('close', resolve));

  const listening = new Promise((resolve, reject) => {
    stderr.on('line', (line) => {
      stderrLines.push(line);
      linesSeen += 1;
      if (stderrLines.length > KEPT_LOG_LINES) stderrLines.shift();
      for (const waiter of lineWaiters) waiter(line);
      if (SANITIZER_REPORT.test(line)) contextLeft = SANITIZER_CONTEXT_LINES;
      if (contextLeft > 0) {
        sanitizerLines.push(line);
        contextLeft -= 1;
      }
      // logfmt (event=listening port=N) or --log-format json ("event":"listening","port":N).
      if (line.includes('event=listening') || line.includes('"event":"listening"')) {
        const port = Number(/\bport"?[=:](\d+)/.exec(line)?.[1]);
        if (port > 0) resolve(port);
        else reject(new Error(`listening line without a port: ${line}`));
      }
    });
    exited.then(({ code, signal }) =>
      reject(new Error(`server exited (code ${code}, signal ${signal}) before listening`)),
    );
    setTimeout(() => reject(new Error(`no event=listening within ${WAIT_MS} ms`)), WAIT_MS).unref();
  });

  let port;
  try {
    port = await listening;
  } catch (error) {
    proc.kill('SIGKILL');
    await exited;
    ownWebRoot?.remove();
    throw new Error(
      `${error.message}\nargs: ${args.join(' ')}\nstderr:\n${stderrLines.join('\n')}`,
    );
  }

  let stopped = false;
  return {
    port,
    pid: proc.pid,
    proc,
    args,
    url: `ws://127.0.0.1:${port}`,
    httpUrl: `http://127.0.0.1:${port}`,
    stderrLines,
    exited,
    /** A mark in the log, for waitForLog's `since`: take it before doing what logs the line. */
    logMark: () => linesSeen,
    /**
     * Resolves with the first log line matching `pattern` (a RegExp or a substring) logged after
     * `since` (a logMark(); default: lines already read count too, as far as they are kept).
     * Rejects if the server exits first or `timeoutMs` passes.
     */
    waitForLog(pattern, { since = 0, timeoutMs = WAIT_MS } = {}) {
      const matches = (line) =>
        typeof pattern === 'string' ? line.includes(pattern) : pattern.test(line);
      const firstKept = linesSeen - stderrLines.length;
      const earlier = stderrLines.find((line, i) => firstKept + i >= since && matches(line));
      if (earlier !== undefined) return Promise.resolve(earlier);
      return new Promise((resolve, reject) => {
        const finish = (error, line) => {
          lineWaiters.delete(waiter);
          clearTimeout(timer);
          if (!error) return resolve(line);
          const tail = stderrLines.slice(-20).join('\n');
          reject(new Error(`${error}: ${pattern}\nlog tail:\n${tail}`));
        };
        const waiter = (line) => matches(line) && finish(null, line);
        const timer = setTimeout(
          () => finish(`no log line within ${timeoutMs} ms matching`),
          timeoutMs,
        );
        lineWaiters.add(waiter);
        exited
          .then(() => stderrDone)
          .then(() => finish('the server exited without a log line matching'));
      });
    },
    /** Resolves with {code, signal} once the process has exited, or null after `ms`. */
    exitWithin: (ms) => raceTimer(exited, ms),
    /** SIGTERM, then SIGKILL if needed; throws if the server printed a sanitizer report. */
    async stop() {
      if (stopped) return;
      stopped = true;
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGTERM');
        if (!(await raceTimer(exited, GRACEFUL_STOP_MS))) proc.kill('SIGKILL');
      }
      await exited;
      await stderrDone;
      ownWebRoot?.remove();
      if (sanitizerLines.length > 0) {
        throw new Error(`the server printed a sanitizer report:\n${sanitizerLines.join('\n')}`);
      }
    },
  };
}
