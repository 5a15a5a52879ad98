// A client that stops reading must not make the server buffer without bound, and must not slow
// anyone else down (docs/protocol.md, close code 1008 and `--max-queue-bytes`).

import assert from 'node:assert/strict';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { after, afterEach, describe, test } from 'node:test';
import {
  LONG_WAIT_MS,
  SUITE_TIMEOUT_MS,
  WAIT_MS,
  destroyAllRawSockets,
  expectChatRoundTrip,
  isSanitizerBuild,
  openRawWebSocket,
  readMemory,
  register,
  roomUrl,
  scaled,
  startServer,
  terminateAllClients,
  uniqueRoom,
  waitForUserlist,
  withTimeout,
} from './helpers.mjs';

const MiB = 1024 * 1024;
const QUEUE_LIMIT = MiB;
// 4,000 × 16 KiB ≈ 64 MiB aimed at the slow client: far more than the kernel buffers between
// the server and a non-reading peer can absorb (a few MiB on loopback) plus the 1 MiB queue, so
// the queue limit must trip, and a server that queued without bound would have to hold ~60 MiB.
const FLOOD_MESSAGES = 4000;
const FLOOD_PAYLOAD = 'f'.repeat(16 * 1024);
// Peak RSS may exceed the idle RSS by the 1 MiB queue, a few in-flight 16 KiB messages and their
// parsed forms, and allocator slack: well under 48 MiB. An unbounded queue needs ~60 MiB more.
const MAX_RSS_GROWTH = 48 * MiB;
const MAX_RSS = 150 * MiB;
const PAIR_MESSAGES = 300;

describe('slow reader', { timeout: SUITE_TIMEOUT_MS }, () => {
  afterEach(() => {
    terminateAllClients();
    destroyAllRawSockets();
  });

  let server;
  after(() => server?.stop());

  test(
    'the server drops a client that never reads, stays small, and everyone else keeps talking',
    { timeout: scaled(120_000) },
    async (t) => {
      server = await startServer([
        '--max-queue-bytes',
        String(QUEUE_LIMIT),
        '--idle-timeout',
        '300',
        // The flood is 64 MiB: the per-connection byte rate would stretch it over a minute.
        '--max-byte-rate',
        '0',
      ]);
      const room = uniqueRoom('slow');
      const url = roomUrl(server, room);
      const flooder = await register(url, 'flooder');
      const cy = await register(url, 'cy');
      const dee = await register(url, 'dee');
      const slow = await openRawWebSocket(server.port, `/?room=${room}`, { label: 'slow' });
      await slow.next('id');
      slow.sendJson({ type: 'username', name: 'slow' });
      await slow.next((m) => m.type === 'userlist' && m.users.includes('slow'));
      for (const client of [flooder, cy, dee]) {
        await waitForUserlist(client, ['cy', 'dee', 'flooder', 'slow']);
      }
      slow.pause(); // from here on it never reads: the kernel buffers fill, then the server's queue
      const baseline = readMemory(server.pid).rss;

      const flood = (async () => {
        for (let seq = 0; seq < FLOOD_MESSAGES; seq += 1) {
          flooder.send({ type: 'x-flood', target: 'slow', seq, pad: FLOOD_PAYLOAD });
          if (seq % 100 === 99) await yieldToEventLoop(); // let the pair's traffic interleave
        }
      })();

      // The pair exchanges numbered targeted messages while the flood is on.
      async function sendNumbered(from, to) {
        for (let seq = 0; seq < PAIR_MESSAGES; seq += 1) {
          from.send({ type: 'x-pair', target: to.name, seq });
          if (seq % 10 === 9) await yieldToEventLoop();
        }
      }
      async function receiveNumbered(client, fromName) {
        for (let seq = 0; seq < PAIR_MESSAGES; seq += 1) {
          const message = await client.next('x-pair', { timeoutMs: LONG_WAIT_MS });
          assert.deepEqual({ seq: message.seq, name: message.name }, { seq, name: fromName });
        }
      }
      await Promise.all([
        flood,
        sendNumbered(cy, dee),
        sendNumbered(dee, cy),
        receiveNumbered(dee, 'cy'),
        receiveNumbered(cy, 'dee'),
      ]);

      // The server gave up on the slow client (without it ever reading): it left the room.
      await waitForUserlist(cy, ['cy', 'dee', 'flooder'], { timeoutMs: LONG_WAIT_MS });
      // Everything the flooder sent has been handled once its own later chat comes back.
      await expectChatRoundTrip(flooder, 'flood done');
      const memory = readMemory(server.pid);
      t.diagnostic(
        `RSS idle ${(baseline / MiB).toFixed(1)} MiB, peak ${(memory.peakRss / MiB).toFixed(1)} MiB`,
      );
      if (isSanitizerBuild()) {
        // ASan keeps freed memory in quarantine (256 MiB by default), so RSS measures the
        // allocator, not the server's queues; the release run checks the bound.
        t.diagnostic('sanitizer build: RSS bound not checked');
      } else {
        assert.ok(
          memory.peakRss - baseline < MAX_RSS_GROWTH,
          `peak RSS grew by ${((memory.peakRss - baseline) / MiB).toFixed(1)} MiB during the flood`,
        );
        assert.ok(memory.peakRss < MAX_RSS, `peak RSS ${(memory.peakRss / MiB).toFixed(1)} MiB`);
      }

      // The TCP connection is closed by the server. Reading again lets the socket see it: what is
      // left in the kernel buffers drains, then comes the close (frame and/or FIN/RST).
      slow.resume();
      const { closeFrame } = await withTimeout(slow.closed, WAIT_MS, 'slow client TCP close');
      if (closeFrame) assert.equal(closeFrame.code, 1008, 'close code for a queue overflow');
      else t.diagnostic('the slow client saw no close frame, only the TCP close');

      // Only the slow client was closed.
      for (const client of [flooder, cy, dee])
        assert.ok(client.isOpen, `${client.name} was closed`);
      await expectChatRoundTrip(cy);
      const unknownTargets = flooder.history.filter((m) => m.type === 'error');
      assert.ok(
        unknownTargets.every((e) => e.code === 'unknown-target' && e.target === 'slow'),
        `unexpected errors for the flooder: ${JSON.stringify(unknownTargets.find((e) => e.code !== 'unknown-target'))}`,
      );
    },
  );
});
