// What one connection can cost the server (issue 8, findings 3 and 7): parsing is linear however
// the JSON is written, bytes per second are limited as well as messages, and room broadcasts
// have their own, lower rate — each enforced by reading the sender more slowly, never by
// dropping what it sent (docs/protocol.md, "Limits").

import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import {
  SUITE_TIMEOUT_MS,
  TEST_TIMEOUT_MS,
  WAIT_MS,
  register,
  roomUrl,
  scaled,
  startServer,
  terminateAllClients,
  uniqueRoom,
  waitForUserlist,
} from './helpers.mjs';

const MiB = 1024 * 1024;

async function pair(server, prefix) {
  const url = roomUrl(server, uniqueRoom(prefix));
  const sender = await register(url, 'sender');
  const peer = await register(url, 'peer');
  await waitForUserlist(sender, ['peer', 'sender']);
  return { sender, peer };
}

/** Asserts that `elapsed` ms is at least about `minimum` (timers and scheduling jitter aside). */
function assertSlowedTo(elapsed, minimum, what) {
  assert.ok(elapsed >= minimum * 0.7, `${what} took only ${elapsed} ms (expected ≥ ~${minimum})`);
}

describe('abuse limits', { timeout: SUITE_TIMEOUT_MS }, () => {
  afterEach(terminateAllClients);

  // Finding 3: a string of escapes used to be scanned to its end once per escape (2 MiB of
  // them took 11 s here, 3 MiB about 25 s). Linear, 3 MiB takes ~15 ms: a 5 s bound is far
  // from either.
  test(
    'a 3 MiB message of escapes is relayed at once, byte for byte',
    { timeout: TEST_TIMEOUT_MS },
    async (t) => {
      const server = await startServer(['--max-message-size', String(4 * MiB)]);
      t.after(() => server.stop());
      const { sender, peer } = await pair(server, 'escapes');
      const data = '\n'.repeat(1.5 * MiB); // JSON.stringify writes each as the two bytes "\n"
      sender.send({ type: 'blob', target: 'peer', data });
      const received = await peer.next('blob', { timeoutMs: scaled(5_000) });
      assert.equal(received.data, data);
      assert.equal(received.name, 'sender');
    },
  );

  test(
    '--max-byte-rate: a sender of big messages is slowed down and loses nothing',
    { timeout: TEST_TIMEOUT_MS },
    async (t) => {
      const RATE = 256 * 1024;
      const BURST = 128 * 1024;
      const COUNT = 12;
      const server = await startServer([
        '--max-byte-rate',
        String(RATE),
        '--byte-burst',
        String(BURST),
      ]);
      t.after(() => server.stop());
      const { sender, peer } = await pair(server, 'bytes');
      const pad = 'x'.repeat(60 * 1024);
      const startedAt = Date.now();
      for (let i = 0; i < COUNT; i += 1) sender.send({ type: 'blob', target: 'peer', i, pad });
      for (let i = 0; i < COUNT; i += 1) {
        assert.equal((await peer.next('blob', { timeoutMs: WAIT_MS })).i, i);
      }
      // The last message is relayed once the bytes before it are paid for.
      const owed = (COUNT - 1) * pad.length - BURST;
      assertSlowedTo(Date.now() - startedAt, (owed / RATE) * 1000, `${COUNT} × 60 KiB`);
      assert.ok(sender.isOpen, 'the sender was disconnected');
    },
  );

  // Finding 7: with only the message limit, one member pushed ~1,200 chat lines a second into
  // a room — a frame per line per member.
  test(
    'room broadcasts: past the default burst of 50 a sender gets about 20 a second, in order',
    { timeout: TEST_TIMEOUT_MS },
    async (t) => {
      const RATE = 20;
      const BURST = 50;
      const COUNT = 90;
      const server = await startServer();
      t.after(() => server.stop());
      const { sender, peer } = await pair(server, 'broadcast');
      const startedAt = Date.now();
      for (let i = 0; i < COUNT; i += 1) sender.send({ type: 'message', text: `line ${i}` });
      let burstDoneAt = null;
      for (let i = 0; i < COUNT; i += 1) {
        assert.equal((await peer.next('message', { timeoutMs: WAIT_MS })).text, `line ${i}`);
        if (i === BURST - 2) burstDoneAt = Date.now();
      }
      const elapsed = Date.now() - startedAt;
      assertSlowedTo(elapsed, ((COUNT - BURST) / RATE) * 1000, `${COUNT} chat lines`);
      // A person typing is never slowed: the burst itself went through at once.
      assert.ok(
        burstDoneAt - startedAt < elapsed / 2,
        `the first ${BURST - 1} lines took ${burstDoneAt - startedAt} ms of ${elapsed}`,
      );
      // Directed messages still flow (slowed only while the sender is in debt).
      sender.send({ type: 'probe', target: 'peer' });
      await peer.next('probe', { timeoutMs: WAIT_MS });
      assert.ok(sender.isOpen, 'the sender was disconnected');
    },
  );
});
