// The soak (switchboard-bench --mode soak, docs/bench.md) for 60 seconds against one server:
// calls, chat, slow readers, resumes and churn at once, every delivery accounted, the server's
// RSS and open fds sampled every 10 s. Asserts the pass result from the JSON summary and the
// samples CSV: nothing lost, duplicated or out of order, each kind of traffic really happened,
// RSS and fds at the end within 5 % of their value after the warm-up. ~65 s.
//
// The 30-minute run and its plot are bench/soak's (docs/benchmarks.md, "Soak"); this is the
// same mode, short enough for CI.
//
//   SWITCHBOARD_BIN        the server (default build/release/switchboard)
//   SWITCHBOARD_BENCH_BIN  the bench (default build/release/tools/bench/switchboard-bench)

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startServer } from '../integration/server-process.mjs';
import { scaled } from '../integration/timeouts.mjs';
import { BENCH_BINARY, BENCH_TIMEOUT_S, assertClean, runBench, summaryOf } from './bench-run.mjs';

const DURATION_S = 60;
// 60 clients in 6 rooms: a churn every 20 s (10 % a minute, a pair at a time), a drop every 2 s.
const CLIENTS = 60;
// The run, the drain and the closes, with room for a slow machine.
const RUN_LIMIT_MS = scaled((DURATION_S + 40) * 1000);

describe('switchboard-bench soak, 60 s', { timeout: RUN_LIMIT_MS + scaled(30_000) }, () => {
  let server;
  let dir;

  before(async () => {
    assert.ok(fs.existsSync(BENCH_BINARY), `no bench at ${BENCH_BINARY}: build switchboard-bench`);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-soak-'));
    server = await startServer([
      '--max-msg-rate', '0', '--max-byte-rate', '0', '--max-broadcast-rate', '0',
      '--log-level', 'warn',
    ]);
  });
  after(async () => {
    await server?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('mixed load: nothing lost, RSS and fds steady', { timeout: RUN_LIMIT_MS + scaled(10_000) }, async () => {
    const csv = path.join(dir, 'samples.csv');
    const run = await runBench([
      '--url', `${server.url}/`, '--mode', 'soak', '--duration', String(DURATION_S),
      '--clients', String(CLIENTS), '--server-pid', String(server.pid),
      '--timeout', BENCH_TIMEOUT_S, '--samples-out', csv,
    ], { limitMs: RUN_LIMIT_MS });
    const s = summaryOf(run);
    assertClean(run, s);
    const context = `\nstdout:\n${run.stdout}`;
    assert.equal(s.mode, 'soak');
    assert.equal(s.pass, true, `failures: ${JSON.stringify(s.failures)}${context}`);
    assert.deepEqual(s.failures, []);
    assert.equal(s.out_of_order, 0, context);
    assert.match(run.stdout, /verdict +PASS/);

    // Each kind of traffic happened, and was accounted.
    assert.ok(s.chats > 100, `chats: ${s.chats}`);
    assert.ok(s.calls > 50, `calls: ${s.calls}`);
    assert.ok(s.resumes >= 10, `resumes: ${s.resumes}`);
    assert.equal(s.resume_ms.count, s.resumes);
    assert.ok(s.churned >= 2, `churned: ${s.churned}`);
    assert.ok(s.slow_pauses > 0, `slow_pauses: ${s.slow_pauses}`);
    // Every connection a user ever had completed its handshake: the first ones, a new one per
    // resume, two per churn.
    assert.equal(s.connections, CLIENTS + s.resumes + s.churned, context);
    assert.equal(s.clients, s.connections);
    assert.ok(s.sent > s.chats + s.calls, 'chat counts a delivery per member');

    // The steady-state check, on the server's own numbers.
    assert.equal(s.warm_up_s, 20);
    assert.equal(s.sampled.length, 1);
    const [p] = s.sampled;
    assert.equal(p.pid, server.pid);
    assert.ok(p.rss_after_warm_up > 0 && p.rss_end > 0, JSON.stringify(p));
    assert.ok(p.fds_after_warm_up >= CLIENTS, `fds ${p.fds_after_warm_up}: one per client at least`);
    assert.ok(Math.abs(p.rss_change) <= 0.05 && Math.abs(p.fds_change) <= 0.05, JSON.stringify(p));

    // The CSV: a header, a sample every 10 s, the two quiet readings.
    const lines = fs.readFileSync(csv, 'utf8').trim().split('\n');
    assert.equal(lines[0], 't_s,kind,p99_us,deliveries,connections,rss_0,fds_0');
    const rows = lines.slice(1).map((line) => line.split(','));
    const kinds = rows.map((r) => r[1]);
    assert.equal(kinds.filter((k) => k === 'sample').length, DURATION_S / 10, lines.join('\n'));
    assert.equal(kinds.filter((k) => k === 'warm-up').length, 1);
    assert.equal(kinds.at(-1), 'end');
    for (const r of rows) {
      assert.equal(r.length, 7, r.join(','));
      assert.ok(Number(r[5]) > 0 && Number(r[6]) > 0, r.join(','));
    }
    assert.ok(s.samples === rows.length);
  });

  test('refuses a soak too short for its warm-up, or on two threads', async () => {
    const short = await runBench(['--url', `${server.url}/`, '--mode', 'soak', '--duration', '10']);
    assert.equal(short.code, 2);
    assert.match(short.stderr, /--duration >= 30/);
    const threads = await runBench([
      '--url', `${server.url}/`, '--mode', 'soak', '--duration', '60', '--threads', '2',
    ]);
    assert.equal(threads.code, 2);
    assert.match(threads.stderr, /one thread/);
  });
});
