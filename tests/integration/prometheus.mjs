// Starts a real Prometheus (Debian's `prometheus` 2.42; scripts/setup.sh installs it) on
// loopback with a temporary data directory, scraping one Switchboard every second, and stops
// it by PID. Ready means its /-/ready answered 200; a value is there when a query returns it.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { killAtExit } from './child-processes.mjs';
import { scaled } from './timeouts.mjs';

export const PROMETHEUS_BINARY = process.env.PROMETHEUS_BIN ?? 'prometheus';
const KEPT_LOG_LINES = 100;

/** A free TCP port on 127.0.0.1 (Prometheus cannot report one it picked itself). */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function get(port, pathAndQuery) {
  return new Promise((resolve, reject) => {
    const request = http.get({ host: '127.0.0.1', port, path: pathAndQuery }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode, body }));
    });
    request.on('error', reject);
  });
}

/**
 * Prometheus scraping `target` ("127.0.0.1:PORT") every second; `bearer` is sent as the
 * scrape's Authorization token when given.
 */
export async function startPrometheus(target, { bearer } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-prometheus-'));
  const auth = bearer ? `\n    authorization:\n      credentials: ${JSON.stringify(bearer)}` : '';
  fs.writeFileSync(
    path.join(dir, 'prometheus.yml'),
    `global:\n  scrape_interval: 1s\n  scrape_timeout: 900ms\nscrape_configs:\n  - job_name: switchboard\n    static_configs:\n      - targets: [${JSON.stringify(target)}]${auth}\n`,
  );
  const port = await freePort();
  const proc = spawn(
    PROMETHEUS_BINARY,
    [
      `--config.file=${path.join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const log = [];
  proc.stderr.setEncoding('utf8');
  proc.stderr.on('data', (chunk) => {
    log.push(...chunk.split('\n').filter(Boolean));
    log.splice(0, Math.max(0, log.length - KEPT_LOG_LINES));
  });
  killAtExit(proc);
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  let gone = false;
  exited.then(() => (gone = true));

  const stop = async () => {
    if (!gone) proc.kill('SIGTERM');
    await exited;
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + scaled(20_000);
  for (;;) {
    if (gone) {
      await stop();
      throw new Error(`prometheus exited before it was ready:\n${log.join('\n')}`);
    }
    const ready = await get(port, '/-/ready').catch(() => null);
    if (ready?.status === 200) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`prometheus not ready in time:\n${log.join('\n')}`);
    }
    await sleep(100);
  }

  /** The instant vector of a PromQL query: [{metric: {...labels}, value: number}]. */
  const query = async (promql) => {
    const answer = await get(port, `/api/v1/query?query=${encodeURIComponent(promql)}`);
    const parsed = JSON.parse(answer.body);
    if (parsed.status !== 'success') throw new Error(`query ${promql}: ${answer.body}`);
    return parsed.data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
  };
  /**
   * Resolves with the first answer to `promql` that `accept` takes, asking again after each
   * answer until `timeoutMs` (Prometheus scrapes every second: the value comes with a scrape).
   */
  const waitFor = async (promql, accept, timeoutMs = scaled(15_000)) => {
    const until = Date.now() + timeoutMs;
    let last;
    for (;;) {
      last = await query(promql);
      if (accept(last)) return last;
      if (Date.now() > until)
        throw new Error(`${promql}: still ${JSON.stringify(last)} after ${timeoutMs} ms\n${log.join('\n')}`);
      await sleep(200);
    }
  };
  return { port, pid: proc.pid, query, waitFor, stop, log };
}
