// Smoke test of switchboard-bench: every mode runs for a second or two, with small counts,
// against the real server on an ephemeral loopback port, and its final JSON line must report
// a clean run: nothing lost, duplicated or failed, every tracked message received. Nothing
// here is timed: speed belongs to the benchmarks (docs/bench.md), not to tests.
//
//   SWITCHBOARD_BIN        the server (default build/release/switchboard)
//   SWITCHBOARD_BENCH_BIN  the bench (default build/release/tools/bench/switchboard-bench)

import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { startServer } from '../integration/server-process.mjs';
import { makeTestCertificates } from '../integration/tls-certs.mjs';
import { TEST_TIMEOUT_MS, SUITE_TIMEOUT_MS } from '../integration/timeouts.mjs';
import { BENCH_BINARY, BENCH_TIMEOUT_S, assertClean, runBench, summaryOf } from './bench-run.mjs';

describe('switchboard-bench smoke', { timeout: SUITE_TIMEOUT_MS }, () => {
  let server;

  before(async () => {
    assert.ok(fs.existsSync(BENCH_BINARY), `no bench at ${BENCH_BINARY}: build switchboard-bench`);
    server = await startServer(['--max-msg-rate', '0', '--max-byte-rate', '0', '--max-broadcast-rate', '0', '--log-level', 'warn']);
  });
  after(async () => {
    await server?.stop();
  });

  const bench = async (mode, extra) => {
    const run = await runBench([
      '--url', `${server.url}/`, '--mode', mode, '--server-pid', String(server.pid),
      '--timeout', BENCH_TIMEOUT_S, ...extra,
    ]);
    const summary = summaryOf(run);
    assertClean(run, summary);
    assert.equal(summary.mode, mode);
    assert.equal(typeof summary.server_cpu_s, 'number', 'the server CPU time is reported');
    assert.ok(['server', 'generator', 'neither'].includes(summary.bottleneck), summary.bottleneck);
    return summary;
  };

  test('relay: closed loop between pairs', { timeout: TEST_TIMEOUT_MS }, async () => {
    const s = await bench('relay', ['--pairs', '4', '--window', '8', '--duration', '1']);
    assert.equal(s.clients, 8);
    assert.ok(s.sent > 0 && s.msgs_per_s > 0);
    assert.equal(s.latency_us.count, s.received);
  });

  test('relay on two threads', { timeout: TEST_TIMEOUT_MS }, async () => {
    const s = await bench('relay', ['--pairs', '4', '--threads', '2', '--duration', '1']);
    assert.equal(s.threads, 2);
    assert.ok(s.sent > 0);
  });

  test('rate: open loop at a fixed rate', { timeout: TEST_TIMEOUT_MS }, async () => {
    const s = await bench('rate', ['--clients', '10', '--rate', '2000', '--duration', '1']);
    assert.equal(s.sent, 2000, 'exactly rate x duration messages');
    assert.equal(s.schedule_lag_us.count, 2000);
    assert.equal(typeof s.on_schedule, 'boolean');
  });

  test('conns: open, register, hold, verify, close', { timeout: TEST_TIMEOUT_MS }, async () => {
    const s = await bench('conns', ['--clients', '200', '--hold', '0.5']);
    assert.equal(s.registered, 200);
    assert.equal(s.sent, 200, 'every held connection carried one message');
    assert.ok(s.server_rss.held > 0 && typeof s.rss_per_conn === 'number');
  });

  test('conns from two processes and two source addresses', { timeout: TEST_TIMEOUT_MS }, async () => {
    const s = await bench('conns', [
      '--clients', '200', '--processes', '2', '--source-addrs', '2', '--hold', '0',
    ]);
    assert.equal(s.processes, 2);
    assert.equal(s.registered, 200);
  });

  test('join: everyone sees the whole room', { timeout: TEST_TIMEOUT_MS }, async () => {
    const s = await bench('join', ['--clients', '100']);
    assert.equal(s.complete, 100);
    assert.ok(s.presence_frames >= 100);
  });

  test('call: full call setups', { timeout: TEST_TIMEOUT_MS }, async () => {
    const s = await bench('call', ['--pairs', '4', '--duration', '1', '--candidates', '10']);
    assert.ok(s.calls > 0);
    assert.equal(s.setup_ms.count, s.calls);
    assert.equal(s.sent % 23, 0, 'offer, answer, 10 + 10 candidates and hang-up per call');
  });

  test('refuses a host that is not loopback', { timeout: TEST_TIMEOUT_MS }, async () => {
    const wss = await runBench(['--url', 'wss://198.51.100.1:6503/', '--mode', 'relay']);
    assert.equal(wss.code, 2);
    assert.match(wss.stderr, /not a loopback address/);
    const run = await runBench(['--url', 'ws://192.0.2.1:6503/', '--mode', 'relay']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /not a loopback address/);
    assert.equal(run.stdout, '');
  });
});

describe('switchboard-bench over wss:// with a token per client', { timeout: SUITE_TIMEOUT_MS }, () => {
  let server;
  let certificates;
  const secret = 'bench-smoke-secret-0123456789abcdef012345';

  before(async () => {
    certificates = await makeTestCertificates();
    server = await startServer([
      '--max-msg-rate', '0', '--max-byte-rate', '0', '--max-broadcast-rate', '0',
      '--log-level', 'warn', ...certificates.serverArgs,
      '--auth', 'jwt', '--jwt-secret', secret,
    ]);
  });
  after(async () => {
    await server?.stop();
    certificates?.remove();
  });

  const bench = async (mode, extra) => {
    const run = await runBench([
      '--url', `wss://127.0.0.1:${server.port}/`, '--mode', mode, '--server-pid',
      String(server.pid), '--timeout', BENCH_TIMEOUT_S, '--jwt-secret', secret, ...extra,
    ]);
    const summary = summaryOf(run);
    assertClean(run, summary);
    return summary;
  };

  test('relay: every message over TLS, once, in order', { timeout: TEST_TIMEOUT_MS }, async () => {
    const s = await bench('relay', ['--pairs', '4', '--window', '8', '--duration', '1']);
    assert.match(s.url, /^wss:/);
    assert.ok(s.sent > 0 && s.received === s.sent);
  });

  test('conns: TLS handshakes, registered under the tokens\' names', { timeout: TEST_TIMEOUT_MS }, async () => {
    const s = await bench('conns', ['--clients', '100', '--hold', '0.2']);
    assert.equal(s.registered, 100);
  });

  test('without a token the server refuses every client', { timeout: TEST_TIMEOUT_MS }, async () => {
    const run = await runBench([
      '--url', `wss://127.0.0.1:${server.port}/`, '--mode', 'conns', '--clients', '4',
      '--hold', '0', '--timeout', '5',
    ]);
    const summary = summaryOf(run);
    assert.equal(summary.registered, 0);
    assert.ok(summary.errors >= 4, `errors: ${summary.errors}`);
    assert.match(JSON.stringify(summary.error_kinds), /handshake/);
  });
});
