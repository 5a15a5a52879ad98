// Process and connection lifecycle: graceful shutdown on SIGTERM/SIGINT, the connection limit,
// the idle timeout, and the inbound rate limit (docs/protocol.md, "Close codes" and "Connecting").

import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, test } from 'node:test';
import {
  SUITE_TIMEOUT_MS,
  TEST_TIMEOUT_MS,
  WAIT_MS,
  connect,
  destroyAllRawSockets,
  expectChatRoundTrip,
  handshakeStatus,
  httpRequest,
  openRawWebSocket,
  rawHttpRequest,
  register,
  roomUrl,
  scaled,
  startServer,
  terminateAllClients,
  uniqueRoom,
  waitForUserlist,
  withTimeout,
} from './helpers.mjs';

// Process exit is not instant (sanitizer builds print reports and run leak checks at exit).
const EXIT_SLACK_MS = scaled(1_500);

describe('lifecycle', { timeout: SUITE_TIMEOUT_MS }, () => {
  afterEach(() => {
    terminateAllClients();
    destroyAllRawSockets();
  });

  // SIGTERM (a service manager, a rolling upgrade): 1012, come back; SIGINT (by hand): 1001.
  for (const [signal, expectedCode] of [
    ['SIGTERM', 1012],
    ['SIGINT', 1001],
  ]) {
    test(
      `${signal}: every client gets close ${expectedCode}, then the process exits with code 0`,
      { timeout: TEST_TIMEOUT_MS },
      async (t) => {
        const SHUTDOWN_TIMEOUT_S = 5;
        const server = await startServer(['--shutdown-timeout', String(SHUTDOWN_TIMEOUT_S)]);
        t.after(() => server.stop());
        const url = roomUrl(server, uniqueRoom('bye'));
        const clients = [
          await register(url, 'ana'),
          await register(url, 'bob'),
          await connect(url), // not registered: still a client that must be told
        ];
        await clients[2].next('id');

        const signalledAt = Date.now();
        server.proc.kill(signal);
        for (const client of clients) {
          const close = await withTimeout(client.closed, WAIT_MS, `${client.label} close`);
          assert.equal(
            close.code,
            expectedCode,
            `${client.label} closed with ${JSON.stringify(close)}`,
          );
        }
        const exit = await server.exitWithin(SHUTDOWN_TIMEOUT_S * 1000 + EXIT_SLACK_MS);
        assert.ok(exit, `still running ${SHUTDOWN_TIMEOUT_S} s after ${signal}`);
        assert.deepEqual(
          exit,
          { code: 0, signal: null },
          `exit after ${signal}; stderr tail:\n${server.stderrLines.slice(-20).join('\n')}`,
        );
        t.diagnostic(`exited ${Date.now() - signalledAt} ms after ${signal}`);
      },
    );
  }

  test(
    'SIGTERM: what was queued for a client before the drain is written before its 1012, none of it lost',
    { timeout: TEST_TIMEOUT_MS },
    async (t) => {
      const COUNT = 400;
      const SIZE = 16 * 1024; // 6.4 MB in all: more than the sockets buffer, so most is queued
      const server = await startServer([
        '--shutdown-timeout', '10', '--max-queue-bytes', String(16 * 1024 * 1024),
        '--max-byte-rate', '0', '--max-msg-rate', '0',
      ]);
      t.after(() => server.stop());
      const url = roomUrl(server, uniqueRoom('drain'));
      const ana = await register(url, 'ana');
      const bob = await register(url, 'bob');
      await waitForUserlist(ana, ['ana', 'bob']);
      let received = 0;
      bob.taps.push((message) => {
        if (message.type !== 'bulk') return false;
        assert.equal(message.n, received, 'in order');
        received += 1;
        return true;
      });
      // Bob stops reading: the server's queue for him fills.
      bob.ws._socket.pause();
      const padding = 'x'.repeat(SIZE);
      for (let n = 0; n < COUNT; n += 1) ana.send({ type: 'bulk', target: 'bob', n, padding });
      // Ana's own chat comes back after the server has relayed every one of hers before it.
      await expectChatRoundTrip(ana);
      server.proc.kill('SIGTERM');
      bob.ws._socket.resume();
      const close = await withTimeout(bob.closed, WAIT_MS, 'bob close');
      assert.equal(close.code, 1012);
      assert.equal(received, COUNT, 'every message queued before the drain, then the close');
    },
  );

  test(
    'SIGTERM drains: /readyz 503, new WebSockets 503, /healthz 200; a client that never reads still ends within --shutdown-timeout',
    { timeout: TEST_TIMEOUT_MS },
    async (t) => {
      const SHUTDOWN_TIMEOUT_S = 3;
      const server = await startServer(['--shutdown-timeout', String(SHUTDOWN_TIMEOUT_S)]);
      t.after(() => server.stop());
      const room = uniqueRoom('stuck');
      const polite = await register(roomUrl(server, room), 'polite');
      // Never answers the close handshake: it stops reading and sends nothing. It keeps the
      // server draining until --shutdown-timeout.
      const stuck = await openRawWebSocket(server.port, `/?room=${room}`, { replyToClose: false });
      await stuck.next('id');
      stuck.pause();
      const ready = await httpRequest(server.port, 'GET', '/readyz');
      assert.equal(ready.status, 200);
      assert.deepEqual(JSON.parse(ready.body), { status: 'ready' });

      const mark = server.logMark();
      server.proc.kill('SIGTERM');
      await server.waitForLog(/event=shutdown /, { since: mark });
      const close = await withTimeout(polite.closed, WAIT_MS, 'polite client close');
      assert.equal(close.code, 1012);
      // Still draining (the stuck client holds it): the port answers a load balancer.
      // Asked to keep the connection (HTTP/1.1's default), it does not while draining.
      const draining = await rawHttpRequest(
        server.port,
        `GET /readyz HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\n\r\n`,
      );
      assert.equal(draining.status, 503);
      assert.deepEqual(JSON.parse(draining.body), { status: 'draining' });
      assert.equal(draining.headers['retry-after'], '5');
      assert.equal(draining.headers.connection, 'close', 'a draining server keeps no connection');
      const health = await httpRequest(server.port, 'GET', '/healthz');
      assert.equal(health.status, 200, 'alive while draining');
      const refused = await rawHttpRequest(
        server.port,
        [
          `GET /?room=${room} HTTP/1.1`,
          `Host: 127.0.0.1:${server.port}`,
          'Upgrade: websocket',
          'Connection: Upgrade',
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
          'Sec-WebSocket-Version: 13',
          '',
          '',
        ].join('\r\n'),
      );
      assert.equal(refused.status, 503);
      assert.equal(JSON.parse(refused.body).code, 'server-draining');
      const exit = await server.exitWithin(SHUTDOWN_TIMEOUT_S * 1000 + EXIT_SLACK_MS);
      assert.ok(exit, `still running ${SHUTDOWN_TIMEOUT_S} s after SIGTERM with a stuck client`);
      assert.deepEqual(exit, { code: 0, signal: null });
    },
  );

  test(
    '--max-connections 3: the 4th handshake gets 503; after one leaves, a new one gets in',
    { timeout: TEST_TIMEOUT_MS },
    async (t) => {
      const server = await startServer(['--max-connections', '3']);
      t.after(() => server.stop());
      const url = roomUrl(server, uniqueRoom('cap'));
      const ana = await register(url, 'ana');
      await register(url, 'bob');
      const cy = await register(url, 'cy');
      assert.equal(await handshakeStatus(url), 503);
      assert.ok(
        ana.isOpen && cy.isOpen,
        'a refused newcomer must not cost anyone their connection',
      );

      await cy.close();
      await waitForUserlist(ana, ['ana', 'bob']);
      // The slot frees when the server has torn the session down, which may trail the user-list
      // update by a moment: retry a refused handshake a bounded number of times.
      let status;
      for (let attempt = 0; attempt < 20; attempt += 1) {
        status = await handshakeStatus(url);
        if (status !== 503) break;
        await sleep(100);
      }
      assert.equal(status, 101);
    },
  );

  test(
    '--idle-timeout 1: a peer that answers no pings is dropped; one that answers stays',
    { timeout: TEST_TIMEOUT_MS },
    async (t) => {
      const server = await startServer(['--idle-timeout', '1']);
      t.after(() => server.stop());
      const room = uniqueRoom('idle');
      const lively = await register(roomUrl(server, room), 'lively'); // ws answers pings by itself
      const silent = await openRawWebSocket(server.port, `/?room=${room}`, { autoPong: false });
      await silent.next('id');
      const openedAt = Date.now();

      await withTimeout(silent.closed, scaled(10_000), 'idle connection drop');
      const idleFor = Date.now() - openedAt;
      assert.ok(idleFor >= 900, `dropped after ${idleFor} ms, before the 1 s idle timeout`);
      assert.ok(silent.pingCount >= 1, 'the server dropped the peer without pinging it first');

      // Twice the timeout later, the client that answers pings is still connected and usable.
      await sleep(2_000);
      assert.ok(lively.isOpen, `lively client closed: ${JSON.stringify(lively.closeInfo)}`);
      await expectChatRoundTrip(lively);
    },
  );

  test(
    '--max-msg-rate: a fast sender is slowed down, not dropped, and loses nothing',
    { timeout: TEST_TIMEOUT_MS },
    async (t) => {
      const RATE = 20;
      const BURST = 5;
      const COUNT = 40;
      const server = await startServer([
        '--max-msg-rate',
        String(RATE),
        '--msg-burst',
        String(BURST),
      ]);
      t.after(() => server.stop());
      const url = roomUrl(server, uniqueRoom('rate'));
      const fast = await register(url, 'fast');
      const peer = await register(url, 'peer');
      await waitForUserlist(fast, ['fast', 'peer']);

      const startedAt = Date.now();
      for (let i = 0; i < COUNT; i += 1) fast.send({ type: 'message', text: `m${i}` });
      for (let i = 0; i < COUNT; i += 1) {
        assert.equal((await peer.next('message', { timeoutMs: WAIT_MS })).text, `m${i}`);
      }
      const elapsed = Date.now() - startedAt;
      // At RATE msgs/s after a burst of BURST, COUNT messages need (COUNT - BURST) / RATE s.
      const minimum = ((COUNT - BURST) / RATE) * 1000;
      assert.ok(
        elapsed >= minimum * 0.7,
        `${COUNT} messages took only ${elapsed} ms (expected ≥ ~${minimum} ms)`,
      );
      assert.ok(fast.isOpen, 'the fast sender was disconnected');
    },
  );
});
