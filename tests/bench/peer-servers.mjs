// Starts the servers bench/compare measures Switchboard against (bench/peers): the MDN-style
// Node server (faithful to MDN's sample, or --lean) and the PeerJS server's CLI, each on a free
// loopback port with its output in a temporary file, and stops them by PID.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { WAIT_MS } from '../integration/timeouts.mjs';
import { REPO_ROOT } from './bench-run.mjs';

const PEERS = path.join(REPO_ROOT, 'bench/peers');
const PEERJS_CLI = path.join(PEERS, 'node_modules/peer/dist/bin/peerjs.js');

/** Why the peers cannot run here, or null when `npm ci --prefix bench/peers` has been done. */
export function peersMissing() {
  const needed = ['websocket', 'peer'].map((name) => path.join(PEERS, 'node_modules', name));
  return needed.every((dir) => fs.existsSync(dir))
    ? null
    : 'bench/peers/node_modules is absent: run npm ci --prefix bench/peers';
}

/** A port nobody listens on right now (the PeerJS CLI cannot take port 0). */
function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Spawns `args` with node, its stdout and stderr to a temporary file (the faithful MDN-style
 * server logs every message it receives: that belongs neither in a pipe nobody reads nor in the
 * test's output); resolves once that file names the port it listens on. `stop()` ends the
 * process and deletes the file; `log()` reads what it has written so far.
 */
function startNode(args, label) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-peer-'));
  const logPath = path.join(dir, 'server.log');
  const fd = fs.openSync(logPath, 'w');
  let child;
  try {
    child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ['ignore', fd, fd] });
  } finally {
    fs.closeSync(fd); // the child has its own copy
  }
  const readLog = () => {
    try {
      return fs.readFileSync(logPath, 'utf8');
    } catch {
      return '';
    }
  };
  const removeLog = () => fs.rmSync(dir, { recursive: true, force: true });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + WAIT_MS;
    let done = false;
    const fail = (why) => {
      done = true;
      const output = readLog();
      child.kill('SIGKILL');
      removeLog();
      reject(new Error(`${label} ${why}:\n${output}`));
    };
    child.once('error', (error) => done || fail(`could not start (${error.message})`));
    child.once('exit', (code) => done || fail(`exited (${code}) at start`));
    const poll = () => {
      if (done) return;
      // The first line is the listening one; only a short prefix needs reading.
      const port = /port:? (\d+)/.exec(readLog().slice(0, 4096))?.[1];
      if (!port) {
        if (Date.now() > deadline) fail(`did not start within ${WAIT_MS} ms`);
        else setTimeout(poll, 20);
        return;
      }
      done = true;
      resolve({
        pid: child.pid,
        url: `ws://127.0.0.1:${port}`,
        log: readLog,
        stop: async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          await exited;
          removeLog();
        },
      });
    };
    poll();
  });
}

/** The MDN-style server: faithful to the sample (logging every message), or with --lean. */
export function startMdnStyleServer({ lean = false } = {}) {
  const args = [path.join(PEERS, 'mdn-style-server.mjs'), ...(lean ? ['--lean'] : []), '0'];
  return startNode(args, lean ? 'mdn-style-server --lean' : 'mdn-style-server');
}

export async function startPeerjsServer() {
  const port = await freePort();
  return startNode(
    [PEERJS_CLI, '--host', '127.0.0.1', '--port', String(port), '--path', '/',
      '--concurrent_limit', '100000', '--alive_timeout', '3600000'],
    'peerjs',
  );
}
