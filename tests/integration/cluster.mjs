// A real cluster for the tests: one redis-server (Debian's; scripts/setup.sh installs it) on a
// free port in a temporary directory, saving nothing (--save '' --appendonly no), and N
// switchboard nodes started with --redis. Everything is ended by PID, also on failure. Ready
// means Redis logged that it accepts connections and every node logged event=cluster-up.
//
// SWITCHBOARD_CLUSTER=N makes startServer() (server-process.mjs) start such a cluster instead
// of one server: the protocol suites then run unchanged against N nodes, each new client on
// the next node round-robin (the cluster's url and port rotate).

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { WAIT_MS, scaled } from './timeouts.mjs';
import { killAtExit } from './child-processes.mjs';

export const REDIS_BINARY = process.env.REDIS_SERVER_BIN ?? 'redis-server';
const KEPT_LOG_LINES = 200;

/** A TCP port free on 127.0.0.1 just now. */
export async function freeTcpPort() {
  const server = net.createServer();
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Starts redis-server on 127.0.0.1. kill() is SIGKILL (no goodbye to its clients); restart()
 * starts it again, empty, on the same port.
 */
export async function startRedis() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-redis-'));
  const port = await freeTcpPort();
  let proc = null;
  let exited = null;
  const lines = [];

  async function launch() {
    proc = spawn(
      REDIS_BINARY,
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
        '--dir', dir],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    killAtExit(proc);
    const child = proc;
    exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        resolve({ code, signal });
      });
    });
    child.stderr.resume();
    const out = readline.createInterface({ input: child.stdout });
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`redis-server not ready in ${WAIT_MS} ms`)),
        WAIT_MS);
      out.on('line', (line) => {
        lines.push(line);
        if (lines.length > KEPT_LOG_LINES) lines.shift();
        if (line.includes('Ready to accept connections')) {
          clearTimeout(timer);
          resolve();
        }
      });
      exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited before it was ready:\n${lines.join('\n')}`));
      });
    });
  }

  async function end(signal) {
    if (proc && proc.exitCode === null && proc.signalCode === null) {
      proc.kill(signal);
      await exited;
    }
  }

  await launch();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    get pid() {
      return proc.pid;
    },
    kill: () => end('SIGKILL'),
    async restart() {
      await end('SIGTERM');
      await launch();
    },
    async stop() {
      await end('SIGTERM');
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Starts Redis and `nodes` switchboard nodes with the same flags (plus --redis and a
 * --node-id). `start` is server-process.mjs's single-server startServer.
 */
export async function startCluster(start, extraArgs = [], options = {}, nodes = 3) {
  const redis = await startRedis();
  const servers = [];
  try {
    for (let i = 0; i < nodes; i += 1) {
      const server = await start(
        [...extraArgs, '--redis', redis.url, '--node-id', `node${i}`],
        options,
      );
      servers.push(server);
    }
    await Promise.all(
      servers.map((server) => server.waitForLog('event=cluster-up', { timeoutMs: scaled(15_000) })),
    );
  } catch (error) {
    await Promise.allSettled(servers.map((server) => server.stop()));
    await redis.stop();
    throw error;
  }
  let next = 0;
  const pick = () => servers[next++ % servers.length];
  return {
    redis,
    nodes: servers,
    // Each read is the next node: clients made one after another spread round-robin.
    get port() {
      return pick().port;
    },
    get url() {
      return pick().url;
    },
    get httpUrl() {
      return pick().httpUrl;
    },
    // Log questions go to the first node (the one-node suites ask about their server's log).
    get pid() {
      return servers[0].pid;
    },
    get stderrLines() {
      return servers[0].stderrLines;
    },
    logMark: () => servers[0].logMark(),
    waitForLog: (pattern, waitOptions) => servers[0].waitForLog(pattern, waitOptions),
    exitWithin: (ms) => servers[0].exitWithin(ms),
    async stop() {
      const results = await Promise.allSettled(servers.map((server) => server.stop()));
      await redis.stop();
      const failed = results.find((result) => result.status === 'rejected');
      if (failed) throw failed.reason;
    },
  };
}

export const HAPROXY_BINARY = process.env.HAPROXY_BIN ?? 'haproxy';
const HAPROXY_CONFIG = new URL('../../packaging/haproxy.cfg', import.meta.url).pathname;

/**
 * Starts HAProxy with the shipped packaging/haproxy.cfg in front of `nodes` (up to three
 * servers, as the file names them), on a free port. Ready once /readyz answers 200 through it.
 * waitForLog: the first line of its log matching, from now on (e.g. "nodes/node1 is UP").
 */
export async function startHaproxy(nodes) {
  const port = await freeTcpPort();
  const env = { ...process.env, SB_LISTEN: `127.0.0.1:${port}` };
  nodes.forEach((node, i) => {
    env[`SB_NODE${i + 1}`] = `127.0.0.1:${node.port}`;
  });
  const proc = spawn(HAPROXY_BINARY, ['-db', '-f', HAPROXY_CONFIG], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  killAtExit(proc);
  const exited = new Promise((resolve) => {
    proc.on('exit', (code, signal) => {
      resolve({ code, signal });
    });
  });
  const lines = [];
  const waiters = new Set();
  // What HAProxy last said of each server ("Server nodes/node1 is DOWN, reason: ..."); a
  // server it never reported on is up (servers start up).
  const serverState = new Map();
  proc.stdout.resume();
  readline.createInterface({ input: proc.stderr }).on('line', (line) => {
    lines.push(line);
    if (lines.length > KEPT_LOG_LINES) lines.shift();
    const change = /Server nodes\/(\w+) is (UP|DOWN)/.exec(line);
    if (change) serverState.set(change[1], change[2]);
    for (const waiter of waiters) waiter(line);
  });
  const url = `ws://127.0.0.1:${port}`;
  const httpUrl = `http://127.0.0.1:${port}`;
  // Listening, and routing to a ready node: a bounded series of /readyz requests through it
  // (HAProxy says nothing when it is ready; a refused connection means not yet).
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const status = await fetch(`${httpUrl}/readyz`).then((r) => r.status, () => 0);
    if (status === 200) break;
    if (Date.now() > deadline || proc.exitCode !== null) {
      proc.kill('SIGKILL');
      throw new Error(`HAProxy not routing after ${WAIT_MS} ms:\n${lines.join('\n')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return {
    port,
    url,
    httpUrl,
    pid: proc.pid,
    lines,
    /** How HAProxy sees a server now: 'UP' or 'DOWN'. */
    serverState: (name) => serverState.get(name) ?? 'UP',
    /** Resolves once HAProxy sees `name` (node1..node3) as up (at once if it does). */
    waitForServerUp(name, timeoutMs = WAIT_MS) {
      if ((serverState.get(name) ?? 'UP') === 'UP') return Promise.resolve();
      return this.waitForLog(`Server nodes/${name} is UP`, timeoutMs);
    },
    waitForLog(pattern, timeoutMs = WAIT_MS) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`HAProxy logged no ${pattern} within ${timeoutMs} ms`));
        }, timeoutMs);
        const waiter = (line) => {
          if (!line.includes(pattern)) return;
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve(line);
        };
        waiters.add(waiter);
      });
    },
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGTERM');
        await exited;
      }
    },
  };
}
