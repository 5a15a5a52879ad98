// Starts a real coturn (`turnserver`, Debian's coturn package; scripts/setup.sh installs it) on
// loopback, unprivileged, with the REST API's shared secret (use-auth-secret), and stops it by
// PID. Ready means it answered a STUN Binding request, not that some time has passed.

import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { stunBinding } from './turn-client.mjs';
import { scaled } from './timeouts.mjs';
import { killAtExit } from './child-processes.mjs';

export const TURN_BINARY = process.env.TURNSERVER_BIN ?? 'turnserver';

const KEPT_LOG_LINES = 200;
const RELAY_PORTS = 100;

function bindUdp(port) {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket('udp4');
    socket.once('error', reject);
    socket.bind(port, '127.0.0.1', () => resolve(socket));
  });
}

function listenTcp(port) {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

/** A port free for both UDP and TCP on 127.0.0.1 (coturn listens on both). */
async function freePort() {
  for (let attempt = 0; attempt < 20; attempt += 1) {
    const udp = await bindUdp(0);
    const { port } = udp.address();
    try {
      const tcp = await listenTcp(port);
      await new Promise((resolve) => tcp.close(resolve));
      return port;
    } catch {
      // taken for TCP: try another
    } finally {
      udp.close();
    }
  }
  throw new Error('no port free for both UDP and TCP');
}

/**
 * Starts coturn with `secret` as its static-auth-secret and `realm`. Resolves with {port, pid,
 * realm, relayPorts: {min, max}, logLines, stop()} once it answers STUN (on `port`, UDP and
 * TCP); relayed addresses are 127.0.0.1 with a port in relayPorts.
 */
export async function startCoturn({ secret, realm = 'test' }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-coturn-'));
  const port = await freePort();
  // Relay ports from the top of the range, away from most ephemeral ports; coturn skips any
  // that are taken.
  const minPort = 61000 + Math.floor(Math.random() * (4400 / RELAY_PORTS)) * RELAY_PORTS;
  const args = [
    '-n',
    '--listening-ip=127.0.0.1',
    '--relay-ip=127.0.0.1',
    `--listening-port=${port}`,
    `--min-port=${minPort}`,
    `--max-port=${minPort + RELAY_PORTS - 1}`,
    `--realm=${realm}`,
    '--use-auth-secret',
    `--static-auth-secret=${secret}`,
    '--no-tls',
    '--no-dtls',
    '--no-cli',
    '--fingerprint',
    `--userdb=${path.join(dir, 'turndb')}`,
    `--pidfile=${path.join(dir, 'turn.pid')}`,
    '--allow-loopback-peers',
    '--log-file=stdout',
    '--simple-log',
  ];
  const proc = spawn(TURN_BINARY, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  killAtExit(proc);
  const logLines = [];
  const keep = (chunk) => {
    logLines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    if (logLines.length > KEPT_LOG_LINES) logLines.splice(0, logLines.length - KEPT_LOG_LINES);
  };
  proc.stdout.on('data', keep);
  proc.stderr.on('data', keep);
  let spawnError = null;
  proc.on('error', (error) => {
    spawnError = error;
  });
  const exited = new Promise((resolve) => {
    proc.on('exit', (code, signal) => {
      resolve({ code, signal });
    });
  });

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (proc.exitCode === null && proc.signalCode === null && proc.pid) {
      proc.kill('SIGTERM');
      let timer;
      const killed = await Promise.race([
        exited.then(() => false),
        new Promise((resolve) => {
          timer = setTimeout(() => resolve(true), scaled(5_000));
        }),
      ]);
      clearTimeout(timer);
      if (killed) proc.kill('SIGKILL');
    }
    await exited;
    fs.rmSync(dir, { recursive: true, force: true });
  };

  try {
    const died = exited.then(({ code, signal }) => {
      throw new Error(`turnserver exited (code ${code}, signal ${signal}) before answering`);
    });
    died.catch(() => {});
    await Promise.race([stunBinding(port, { timeoutMs: scaled(10_000) }), died]);
  } catch (error) {
    await stop();
    const why = spawnError ? `${spawnError.message} (is coturn installed?)` : error.message;
    throw new Error(`coturn did not start: ${why}\n${logLines.slice(-40).join('\n')}`);
  }
  const relayPorts = { min: minPort, max: minPort + RELAY_PORTS - 1 };
  return { port, pid: proc.pid, realm, relayPorts, logLines, stop };
}
