// Smoke test of switchboard-bench's --protocol mdn and --protocol peerjs, against the servers
// bench/compare measures Switchboard against (bench/peers): the MDN-style server, faithful to
// the sample and with --lean, and PeerJS. A second or two of relay and call with small counts
// must be clean (nothing lost, duplicated or failed). Each test gets a fresh server, as
// bench/compare does; the servers' output goes to a temporary file, deleted after the test. Skipped, saying why, when bench/peers/node_modules is absent
// (npm ci --prefix bench/peers).

import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, test } from 'node:test';
import { TEST_TIMEOUT_MS, SUITE_TIMEOUT_MS } from '../integration/timeouts.mjs';
import { BENCH_BINARY, BENCH_TIMEOUT_S, assertClean, runBench, summaryOf } from './bench-run.mjs';
import { peersMissing, startMdnStyleServer, startPeerjsServer } from './peer-servers.mjs';

// bench/compare's names for the servers, how to start each and the protocol it speaks.
const servers = {
  mdn: { start: () => startMdnStyleServer(), protocol: 'mdn' },
  'mdn-lean': { start: () => startMdnStyleServer({ lean: true }), protocol: 'mdn' },
  peerjs: { start: startPeerjsServer, protocol: 'peerjs' },
};

/**
 * Runs one mode against a fresh server of that name; returns the summary. `check(log)`, if
 * given, looks at what the server wrote to stdout and stderr, before the file is deleted.
 */
async function benchAgainst(name, mode, extra, check) {
  assert.ok(fs.existsSync(BENCH_BINARY), `no bench at ${BENCH_BINARY}: build switchboard-bench`);
  const { start, protocol } = servers[name];
  const server = await start();
  try {
    const run = await runBench([
      '--url', `${server.url}/`, '--protocol', protocol, '--mode', mode,
      '--server-pid', String(server.pid), '--timeout', BENCH_TIMEOUT_S, ...extra,
    ]);
    const summary = summaryOf(run);
    assertClean(run, summary);
    assert.equal(summary.protocol, protocol);
    assert.equal(summary.mode, mode);
    check?.(server.log());
    return summary;
  } finally {
    await server.stop();
  }
}

describe('switchboard-bench against bench/peers', { timeout: SUITE_TIMEOUT_MS, skip: peersMissing() ?? false }, () => {
  test('relay, MDN-style Node server', { timeout: TEST_TIMEOUT_MS }, async () => {
    const s = await benchAgainst('mdn', 'relay', ['--pairs', '4', '--window', '8', '--duration', '1']);
    assert.ok(s.sent > 0 && s.msgs_per_s > 0);
    assert.equal(s.registered, 8, 'every client found its own name in a user list');
  });

  test('the MDN-style server logs every message it receives, as the sample; --lean does not', { timeout: TEST_TIMEOUT_MS }, async () => {
    const received = /^\[[^\]]+\] Received Message: /gm;
    let logged = 0;
    const s = await benchAgainst('mdn', 'relay', ['--pairs', '2', '--window', '4', '--duration', '0.5'], (log) => {
      assert.match(log, /Server is listening on 127\.0\.0\.1 port \d+/);
      assert.match(log, /Connection accepted from /);
      assert.match(log, /Received Message: \{"type":"new-ice-candidate","target":"b\d+","name":"b\d+",/);
      logged = log.match(received)?.length ?? 0;
    });
    assert.ok(logged >= s.sent + 4, `${logged} messages logged, ${s.sent} sent and 4 usernames`);
    await benchAgainst('mdn-lean', 'relay', ['--pairs', '2', '--window', '4', '--duration', '0.5'], (log) => {
      assert.doesNotMatch(log, /Received Message|Connection accepted/);
      assert.match(log, /listening on 127\.0\.0\.1 port \d+/);
    });
  });

  test('relay, MDN-style Node server, --lean', { timeout: TEST_TIMEOUT_MS }, async () => {
    const s = await benchAgainst('mdn-lean', 'relay', ['--pairs', '4', '--window', '8', '--duration', '1']);
    assert.ok(s.sent > 0 && s.msgs_per_s > 0);
    assert.equal(s.registered, 8);
  });

  test('call, MDN-style Node server', { timeout: TEST_TIMEOUT_MS }, async () => {
    const s = await benchAgainst('mdn', 'call', ['--pairs', '2', '--duration', '1', '--candidates', '4']);
    assert.ok(s.calls > 0);
    assert.equal(s.sent % 11, 0, 'offer, answer, 4 + 4 candidates and hang-up per call');
  });

  test('call, MDN-style Node server, --lean', { timeout: TEST_TIMEOUT_MS }, async () => {
    const s = await benchAgainst('mdn-lean', 'call', ['--pairs', '2', '--duration', '1', '--candidates', '4']);
    assert.ok(s.calls > 0);
    assert.equal(s.sent % 11, 0);
  });

  test('join, MDN-style Node server: a user list to everyone on every join', { timeout: TEST_TIMEOUT_MS }, async () => {
    const s = await benchAgainst('mdn', 'join', ['--clients', '50']);
    assert.equal(s.complete, 50);
    assert.ok(s.presence_frames >= 50 * 51 / 2, 'O(N^2) user lists');
  });

  test('relay, PeerJS server', { timeout: TEST_TIMEOUT_MS }, async () => {
    const s = await benchAgainst('peerjs', 'relay', ['--pairs', '4', '--window', '8', '--duration', '1']);
    assert.ok(s.sent > 0 && s.msgs_per_s > 0);
    assert.equal(s.registered, 8, 'every client got OPEN');
  });

  test('call, PeerJS server (OFFER, ANSWER, CANDIDATE, LEAVE)', { timeout: TEST_TIMEOUT_MS }, async () => {
    const s = await benchAgainst('peerjs', 'call', ['--pairs', '2', '--duration', '1', '--candidates', '4']);
    assert.ok(s.calls > 0);
    assert.equal(s.sent % 11, 0);
  });

  test('join is refused for PeerJS: it has no presence', { timeout: TEST_TIMEOUT_MS }, async () => {
    const run = await runBench(['--url', 'ws://127.0.0.1:9/', '--protocol', 'peerjs', '--mode', 'join']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /peerjs has none/);
  });
});
