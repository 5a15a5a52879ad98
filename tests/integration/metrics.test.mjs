// GET /metrics scraped by a real Prometheus (tests/integration/prometheus.mjs): the series
// move by exactly what the test did, promtool accepts a scrape, and --metrics-token keeps
// /metrics to the scraper that has the token (docs/operations.md, "Metrics").

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { afterEach, describe, test } from 'node:test';
import {
  SERVER_ONLY_TYPES,
  SUITE_TIMEOUT_MS,
  TEST_TIMEOUT_MS,
  WAIT_MS,
  claimsFor,
  destroyAllRawSockets,
  expectError,
  expectRefusal,
  handshakeStatus,
  httpRequest,
  openRawWebSocket,
  rawHttpRequest,
  register,
  roomUrl,
  scaled,
  signJwt,
  startServer,
  terminateAllClients,
  tokenUrl,
  uniqueRoom,
  waitForUserlist,
  withTimeout,
} from './helpers.mjs';
import { startPrometheus } from './prometheus.mjs';

const PROMETHEUS_TEST_MS = scaled(60_000);
const value = (series) => (series.length === 1 ? series[0].value : undefined);
const DIRECTED = 200;
// 1,000 × 16 KiB aimed at a client that does not read: far more than the kernel buffers on
// loopback (a few MiB) plus its 64 KiB queue.
const FLOOD_MESSAGES = 1000;
const IDLE_TIMEOUT_S = 3;

/** The kind /metrics counts a message a client received as (src/routing/peer.hpp). */
// Scrapes the metrics port until no connection is held on the client ports (each scrape is an
// HTTP round trip, so this waits on the server, not on a timer).
async function waitForIdleClientPorts(metricsPort) {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const text = (await httpRequest(metricsPort, 'GET', '/metrics')).body.toString('utf8');
    if (/^switchboard_connections\{state="handshaking"\} 0$/m.test(text)) return;
    if (Date.now() > deadline) assert.fail(`client-port connections still held:\n${text}`);
  }
}

function kindOf(message) {
  if (['userlist', 'user-joined', 'user-left'].includes(message.type)) return 'presence';
  if (SERVER_ONLY_TYPES.includes(message.type) || message.type.startsWith('token-')) return 'server';
  if (message.type === 'message') return 'chat';
  return message.target !== undefined ? 'directed' : 'broadcast';
}

describe('metrics', { timeout: SUITE_TIMEOUT_MS }, () => {
  afterEach(() => {
    terminateAllClients();
    destroyAllRawSockets();
  });

  test(
    'a real Prometheus scrapes /metrics: messages, bytes, errors, handshakes, presence and gauges move by exactly what was done',
    { timeout: PROMETHEUS_TEST_MS },
    async (t) => {
      const server = await startServer();
      t.after(() => server.stop());
      const prometheus = await startPrometheus(`127.0.0.1:${server.port}`);
      t.after(() => prometheus.stop());
      await prometheus.waitFor('up{job="switchboard"}', (r) => value(r) === 1);
      const baseline = await prometheus.waitFor(
        'switchboard_errors_sent_total{code="unknown-target"}',
        (r) => value(r) === 0,
      );
      assert.equal(baseline.length, 1, 'every code is exposed from the start, at 0');

      const room = uniqueRoom('metrics');
      const ana = await register(roomUrl(server, room), 'ana');
      const bob = await register(roomUrl(server, room), 'bob');
      await waitForUserlist(ana, ['ana', 'bob']);
      // Enough reads that at least one is a latency sample (1 in 64 per thread, two threads).
      for (let i = 0; i < DIRECTED; i += 1)
        ana.send({ type: 'video-offer', target: 'bob', sdp: { seq: i } });
      ana.send({ type: 'message', text: 'hello room' });
      ana.send({ type: 'x-note', note: 'to everyone' });
      for (let i = 0; i < 3; i += 1) {
        ana.send({ type: 'video-offer', target: 'nobody', sdp: {} });
        await expectError(ana, 'unknown-target');
      }
      ana.sendRaw('this is not JSON');
      await expectError(ana, 'invalid-json');
      for (const client of [ana, bob]) {
        await client.next('message');
        await client.next('x-note');
      }
      for (let i = 0; i < DIRECTED; i += 1) await bob.next('video-offer');

      // Once a scrape shows every message in and out, nothing moves any more (the clients
      // have had all they await): each query below reads that state.
      const clients = [ana, bob];
      const receivedCount = clients.reduce((sum, c) => sum + c.history.length, 0);
      await prometheus.waitFor('sum(switchboard_messages_in_total)', (r) => value(r) === DIRECTED + 8);
      await prometheus.waitFor(
        'sum(switchboard_messages_out_total)',
        (r) => value(r) === receivedCount,
      );
      const byKind = async (name) =>
        Object.fromEntries(
          (await prometheus.query(name)).map((series) => [series.metric.kind, series.value]),
        );
      assert.deepEqual(await byKind('switchboard_messages_in_total'), {
        chat: 1,
        directed: DIRECTED + 3,
        broadcast: 1,
        presence: 2, // the two username messages
        server: 1, // the one that was not JSON
      });
      assert.equal(
        value(await prometheus.query('switchboard_received_bytes_total')),
        clients.reduce((sum, c) => sum + c.sentBytes, 0),
        'every byte the clients sent, as payload',
      );
      // Out: what the two clients received, by kind, and its bytes.
      const received = { chat: 0, directed: 0, broadcast: 0, presence: 0, server: 0 };
      for (const message of clients.flatMap((c) => c.history)) received[kindOf(message)] += 1;
      const out = await byKind('switchboard_messages_out_total');
      assert.deepEqual(out, received);
      assert.equal(out.directed, DIRECTED);
      assert.equal(out.chat, 2, 'a chat line reaches the sender too');
      assert.equal(
        value(await prometheus.query('switchboard_sent_bytes_total')),
        clients.reduce((sum, c) => sum + c.receivedBytes, 0),
      );
      // Every message written went out in some batched write.
      const written = Object.values(out).reduce((a, b) => a + b, 0);
      assert.equal(value(await prometheus.query('switchboard_write_batch_messages_sum')), written);
      const writes = value(await prometheus.query('switchboard_write_batch_messages_count'));
      assert.ok(writes >= 1 && writes <= written, `${writes} writes for ${written} messages`);
      // Two joins, however the flushes grouped them.
      assert.equal(value(await prometheus.query('switchboard_presence_flush_changes_sum')), 2);
      const flushes = value(await prometheus.query('switchboard_presence_flushes_total'));
      assert.ok(flushes === 1 || flushes === 2, `${flushes} flushes`);
      const samples = value(await prometheus.query('switchboard_relay_latency_seconds_count'));
      assert.ok(samples >= 1 && samples <= (DIRECTED + 2) * 2, `${samples} latency samples`);
      assert.equal(
        value(await prometheus.query('switchboard_relay_latency_seconds_bucket{le="+Inf"}')),
        samples,
      );
      assert.ok(value(await prometheus.query('switchboard_relay_latency_seconds_sum')) > 0);
      assert.equal(
        value(await prometheus.query('sum(switchboard_errors_sent_total)')),
        4,
        'no other error was counted',
      );
      assert.equal(value(await prometheus.query('switchboard_queued_bytes')), 0);
      assert.equal(value(await prometheus.query('switchboard_users')), 2);
      assert.equal(value(await prometheus.query('switchboard_rooms')), 1);
      assert.equal(
        value(await prometheus.query('switchboard_connections{state="registered"}')),
        2,
      );
      assert.equal(
        value(await prometheus.query('switchboard_connections{state="unregistered"}')),
        0,
      );
      const build = await prometheus.query('switchboard_build_info');
      assert.equal(build.length, 1);
      assert.match(build[0].metric.version, /^\d+\.\d+\.\d+$/);
      assert.ok(build[0].metric.revision.length > 0);
      assert.ok(value(await prometheus.query('process_open_fds')) > 0);
      assert.ok(value(await prometheus.query('process_resident_memory_bytes')) > 1e6);
      const started = value(await prometheus.query('process_start_time_seconds'));
      assert.ok(Math.abs(started - Date.now() / 1000) < 120, `start time ${started}`);

      // Refused upgrades, by status.
      const upgrade = (target, version = 13) =>
        rawHttpRequest(
          server.port,
          `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
            `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: ${version}\r\n\r\n`,
        );
      assert.equal((await upgrade('/?room=bad%20room')).status, 400);
      assert.equal((await upgrade('/nowhere')).status, 404);
      assert.equal((await upgrade('/', 8)).status, 426);
      const handshakes = await prometheus.waitFor(
        'switchboard_handshakes_total{result="426"}',
        (r) => value(r) === 1,
      );
      assert.equal(handshakes.length, 1);
      const byResult = Object.fromEntries(
        (await prometheus.query('switchboard_handshakes_total')).map((series) => [
          series.metric.result,
          series.value,
        ]),
      );
      assert.deepEqual(byResult, {
        ok: 2,
        400: 1,
        401: 0,
        403: 0,
        404: 1,
        426: 1,
        429: 0,
        503: 0,
        other: 0,
      });

      // The two leave: the gauges follow, and the leave is a presence change.
      await ana.close();
      await prometheus.waitFor('switchboard_users', (r) => value(r) === 1);
      await prometheus.waitFor('switchboard_presence_flush_changes_sum', (r) => value(r) === 3);
      await prometheus.waitFor('switchboard_closes_total{reason="client"}', (r) => value(r) === 1);
    },
  );

  test(
    'closes by reason, through Prometheus: client, lost, slow reader (1008), too big (1009), idle timeout',
    { timeout: PROMETHEUS_TEST_MS },
    async (t) => {
      const server = await startServer([
        '--max-queue-bytes',
        String(64 * 1024),
        // The flood is 16 MiB: the per-connection byte rate would stretch it.
        '--max-byte-rate',
        '0',
        '--idle-timeout',
        String(IDLE_TIMEOUT_S),
      ]);
      t.after(() => server.stop());
      const prometheus = await startPrometheus(`127.0.0.1:${server.port}`);
      t.after(() => prometheus.stop());
      const room = uniqueRoom('closes');
      const url = roomUrl(server, room);
      const flooder = await register(url, 'flooder');

      // Slow reader: never reads, so its queue passes --max-queue-bytes.
      const slow = await openRawWebSocket(server.port, `/?room=${room}`, { label: 'slow' });
      await slow.next('id');
      slow.sendJson({ type: 'username', name: 'slow' });
      await slow.next((m) => m.type === 'userlist' && m.users.includes('slow'));
      slow.pause();
      const pad = 'f'.repeat(16 * 1024);
      for (let seq = 0; seq < FLOOD_MESSAGES; seq += 1) {
        flooder.send({ type: 'x-flood', target: 'slow', seq, pad });
        if (seq % 100 === 99) await yieldToEventLoop();
      }
      await prometheus.waitFor(
        'switchboard_closes_total{code="1008",reason="slow-reader"}',
        (r) => value(r) === 1,
      );

      // Too big: a message past the discard limit (16 × --max-message-size) gets 1009.
      const big = await register(url, 'big');
      big.sendRaw('x'.repeat(16 * 64 * 1024 + 1));
      assert.equal((await withTimeout(big.closed, WAIT_MS, 'the 1009')).code, 1009);
      // Lost: a client that drops the TCP connection.
      const gone = await register(url, 'gone');
      gone.terminate();
      // Idle: a peer that answers no pings.
      const silent = await openRawWebSocket(server.port, `/?room=${room}`, { autoPong: false });
      await silent.next('id');
      await withTimeout(silent.closed, scaled((IDLE_TIMEOUT_S + 5) * 1000), 'the idle timeout');

      const closes = await prometheus.waitFor(
        'switchboard_closes_total{reason="idle-timeout"}',
        (r) => value(r) === 1,
      );
      assert.equal(closes.length, 1);
      const byReason = Object.fromEntries(
        (await prometheus.query('switchboard_closes_total')).map((series) => [
          series.metric.code ? `${series.metric.reason} ${series.metric.code}` : series.metric.reason,
          series.value,
        ]),
      );
      assert.deepEqual(byReason, {
        'shutdown 1001': 0,
        'restart 1012': 0,
        'slow-reader 1008': 1,
        'too-big 1009': 1,
        'protocol-error 1002': 0,
        'token-expired 4001': 0,
        'idle-timeout': 1,
        client: 0,
        lost: 1,
      });
      // The slow reader's queue was given back when it went.
      assert.equal(value(await prometheus.query('switchboard_queued_bytes')), 0);
    },
  );

  test('promtool check metrics accepts a scrape', { timeout: TEST_TIMEOUT_MS }, async (t) => {
    const server = await startServer();
    t.after(() => server.stop());
    await register(roomUrl(server, uniqueRoom('lint')), 'ana');
    const scrape = await httpRequest(server.port, 'GET', '/metrics');
    assert.equal(scrape.status, 200);
    assert.equal(scrape.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
    const lint = spawnSync('promtool', ['check', 'metrics'], { input: scrape.body, encoding: 'utf8' });
    assert.equal(lint.status, 0, `${lint.stdout}${lint.stderr}`);
  });

  test(
    '--metrics-token: /metrics wants the bearer token; Prometheus with it scrapes',
    { timeout: PROMETHEUS_TEST_MS },
    async (t) => {
      const token = 'metrics-token-for-the-test-0123456789';
      const secret = 'jwt-secret-for-the-metrics-test-0123456789';
      const server = await startServer([
        '--metrics-token',
        token,
        '--auth',
        'jwt',
        '--jwt-secret',
        secret,
      ]);
      t.after(() => server.stop());
      const refused = await httpRequest(server.port, 'GET', '/metrics');
      assert.equal(refused.status, 401);
      assert.equal(refused.headers['www-authenticate'], 'Bearer');
      assert.doesNotMatch(refused.body.toString('utf8'), /switchboard_/);
      const wrong = await httpRequest(server.port, 'GET', '/metrics', {
        Authorization: `Bearer ${token.slice(0, -1)}x`,
      });
      assert.equal(wrong.status, 401);
      const right = await httpRequest(server.port, 'GET', '/metrics', {
        Authorization: `Bearer ${token}`,
      });
      assert.equal(right.status, 200);
      const prometheus = await startPrometheus(`127.0.0.1:${server.port}`, { bearer: token });
      t.after(() => prometheus.stop());
      await prometheus.waitFor('up{job="switchboard"}', (r) => value(r) === 1);
      assert.equal(value(await prometheus.query('switchboard_users')), 0);

      // Refused logins, by reason; one let in.
      const room = uniqueRoom('auth');
      await expectRefusal(tokenUrl(server, room, undefined), 401, 'token-missing');
      await expectRefusal(tokenUrl(server, room, 'not.a.token'), 401, 'token-invalid');
      const forged = signJwt(claimsFor('eve', room), { key: `${secret}x` });
      await expectRefusal(tokenUrl(server, room, forged), 401, 'token-invalid');
      const elsewhere = signJwt(claimsFor('ana', 'other-room'), { key: secret });
      await expectRefusal(tokenUrl(server, room, elsewhere), 403, 'room-not-allowed');
      const good = signJwt(claimsFor('ana', room), { key: secret });
      await register(tokenUrl(server, room, good), 'ana');
      await prometheus.waitFor('switchboard_handshakes_total{result="ok"}', (r) => value(r) === 1);
      const failures = Object.fromEntries(
        (await prometheus.query('switchboard_auth_failures_total')).map((series) => [
          series.metric.reason,
          series.value,
        ]),
      );
      assert.deepEqual(failures, {
        'token-missing': 1,
        'token-invalid': 2,
        'token-expired': 0,
        'token-not-yet-valid': 0,
        'room-not-allowed': 1,
        'auth-denied': 0,
        'auth-unavailable': 0,
        other: 0,
      });
      assert.equal(
        value(await prometheus.query('switchboard_handshakes_total{result="401"}')),
        3,
      );
      assert.equal(
        value(await prometheus.query('switchboard_handshakes_total{result="403"}')),
        1,
      );
    },
  );

  test(
    '--metrics-bind: /metrics, /healthz and /readyz there (plain HTTP), /metrics gone from the main port',
    { timeout: TEST_TIMEOUT_MS },
    async (t) => {
      const server = await startServer(['--metrics-bind', '127.0.0.1:0', '--max-connections', '1']);
      t.after(() => server.stop());
      const line = await server.waitForLog('event=metrics-listening');
      const metricsPort = Number(/\bport=(\d+)/.exec(line)?.[1]);
      assert.ok(metricsPort > 0 && metricsPort !== server.port, line);

      const scrape = await httpRequest(metricsPort, 'GET', '/metrics');
      assert.equal(scrape.status, 200);
      assert.match(scrape.body.toString('utf8'), /^switchboard_users 0$/m);
      assert.equal((await httpRequest(metricsPort, 'GET', '/healthz')).status, 200);
      assert.equal((await httpRequest(metricsPort, 'GET', '/readyz')).status, 200);
      // Nothing else: no web client, no WebSockets.
      assert.equal((await httpRequest(metricsPort, 'GET', '/')).status, 404);
      assert.equal(await handshakeStatus(`ws://127.0.0.1:${metricsPort}/?room=r`), 404);
      // The main port no longer tells.
      const main = await httpRequest(server.port, 'GET', '/metrics');
      assert.equal(main.status, 404);
      assert.doesNotMatch(main.body.toString('utf8'), /switchboard_/);
      // The answer can reach us before the server has let go of that connection: wait until
      // it has (the scrapes themselves, on the metrics port, take no client's place).
      await waitForIdleClientPorts(metricsPort);

      // At --max-connections the scraper still gets in; the handshake it saw was a 404.
      await register(roomUrl(server, uniqueRoom('full')), 'ana');
      assert.equal(await handshakeStatus(roomUrl(server, uniqueRoom('full'))), 503);
      const full = await httpRequest(metricsPort, 'GET', '/metrics');
      assert.equal(full.status, 200);
      const text = full.body.toString('utf8');
      assert.match(text, /^switchboard_handshakes_total\{result="ok"\} 1$/m);
      assert.match(text, /^switchboard_handshakes_total\{result="503"\} 1$/m);
      assert.match(text, /^switchboard_handshakes_total\{result="404"\} 1$/m);
      assert.match(text, /^switchboard_connections\{state="registered"\} 1$/m);
      assert.match(text, /^switchboard_connections\{state="handshaking"\} 0$/m);
    },
  );
});
