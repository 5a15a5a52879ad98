// The real switchboard binary, serving the real web/ client on 127.0.0.1. Same approach as the
// integration tests (tests/integration/server-process.mjs): the port comes from the server's own
// `event=listening` log line, so `--port 0` lets the kernel pick one. Unlike them, these tests
// also kill the server mid-call (SIGKILL) and start a new one on the same port, so the port is a
// parameter and kill() is exposed.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { trackProcess } from './processes.mjs';
import { PROCESS_MS } from './timeouts.mjs';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** The binary under test: $SWITCHBOARD_BIN, else the release build in this checkout. */
export const SERVER_BINARY =
  process.env.SWITCHBOARD_BIN ?? path.join(REPO_ROOT, 'build/release/switchboard');

/** The web client under test. */
export const WEB_ROOT = path.join(REPO_ROOT, 'web');

// Enough of the log to explain a failure.
const KEPT_LOG_LINES = 2_000;

/** `promise`'s value, or `fallback` if `ms` pass first (the timer is cleared either way). */
export async function within(promise, ms, fallback = null) {
  let timer;
  const timeout = new Promise((resolve) => {
    timer = setTimeout(() => resolve(fallback), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Starts `switchboard --port PORT --bind 127.0.0.1 --web-root web` and resolves once it listens.
 * @param {{ port?: number, args?: string[], webRoot?: string,
 *   tls?: { certFile: string, keyFile: string } }} options port 0 (default) lets the kernel
 *   pick; pass a previous server's port to restart "the same" server. tls: serve https:// and
 *   wss:// with these PEM files (`url` is then https://).
 */
export async function startServer({ port = 0, args = [], webRoot = WEB_ROOT, tls } = {}) {
  if (!fs.existsSync(SERVER_BINARY)) {
    throw new Error(`no server binary at ${SERVER_BINARY}: build it or set SWITCHBOARD_BIN`);
  }
  const argv = ['--port', String(port), '--bind', '127.0.0.1', '--web-root', webRoot, ...args];
  if (tls) argv.push('--tls-cert', tls.certFile, '--tls-key', tls.keyFile);
  // The server reads SWITCHBOARD_* variables as defaults; none from the caller's shell may leak in.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith('SWITCHBOARD_')),
  );
  const proc = spawn(SERVER_BINARY, argv, { stdio: ['ignore', 'pipe', 'pipe'], env });
  const untrack = trackProcess(proc.pid);

  const log = [];
  const exited = new Promise((resolve) => {
    proc.on('exit', (code, signal) => {
      untrack();
      resolve({ code, signal });
    });
  });
  proc.on('error', () => {}); // reported through `exited` / the startup failure below
  proc.stdout.resume();
  const stderr = readline.createInterface({ input: proc.stderr });
  const stderrDone = new Promise((resolve) => stderr.on('close', resolve));

  const listening = new Promise((resolve, reject) => {
    stderr.on('line', (line) => {
      log.push(line);
      if (log.length > KEPT_LOG_LINES) log.shift();
      if (line.includes('event=listening')) {
        const listened = Number(/\bport=(\d+)/.exec(line)?.[1]);
        if (listened > 0) resolve(listened);
        else reject(new Error(`listening line without a port: ${line}`));
      }
    });
    exited.then(({ code, signal }) =>
      reject(new Error(`server exited (code ${code}, signal ${signal}) before listening`)),
    );
  });

  let actualPort;
  try {
    actualPort = await within(listening, PROCESS_MS);
    if (actualPort === null) throw new Error(`no event=listening within ${PROCESS_MS} ms`);
  } catch (error) {
    proc.kill('SIGKILL');
    await exited;
    throw new Error(`${error.message}\nargv: ${argv.join(' ')}\nstderr:\n${log.join('\n')}`);
  }

  const alive = () => proc.exitCode === null && proc.signalCode === null;
  return {
    port: actualPort,
    pid: proc.pid,
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${actualPort}`,
    log,
    exited,
    alive,
    /** Sends `signal` by PID and resolves once the process is gone. */
    async kill(signal = 'SIGKILL') {
      if (alive()) process.kill(proc.pid, signal);
      const result = await within(exited, PROCESS_MS);
      if (!result) {
        throw new Error(`server ${proc.pid} still running ${PROCESS_MS} ms after ${signal}`);
      }
      await stderrDone;
      return result;
    },
    /** SIGTERM (the server's graceful shutdown), SIGKILL if it is still there after the bound. */
    async stop() {
      if (alive()) {
        process.kill(proc.pid, 'SIGTERM');
        if (!(await within(exited, PROCESS_MS))) process.kill(proc.pid, 'SIGKILL');
      }
      await exited;
      await stderrDone;
    },
  };
}
