// 200 clients in one room chatting at once: every message reaches everyone exactly once, and
// each sender's messages arrive in the order sent.

import assert from 'node:assert/strict';
import { after, afterEach, describe, test } from 'node:test';
import {
  LONG_WAIT_MS,
  SUITE_TIMEOUT_MS,
  register,
  roomUrl,
  scaled,
  startServer,
  terminateAllClients,
  uniqueRoom,
  withTimeout,
} from './helpers.mjs';

const CLIENTS = 200;
const MESSAGES_EACH = 10;
const CONNECT_BATCH = 20;

describe('200 clients in one room', { timeout: SUITE_TIMEOUT_MS }, () => {
  let server;
  afterEach(terminateAllClients);
  after(() => server?.stop());

  test(
    'each of 200 clients sends 10 numbered messages; all arrive once, in order per sender',
    { timeout: scaled(120_000) },
    async () => {
      // Limits raised explicitly: this test is about delivery, not about the defaults of the
      // connection, room and queue limits (each client receives 2,000 messages in a burst).
      server = await startServer([
        '--threads',
        '2',
        '--max-connections',
        '1000',
        '--max-room-users',
        '1000',
        '--max-queue-messages',
        '100000',
        '--max-queue-bytes',
        String(64 * 1024 * 1024),
      ]);
      const url = roomUrl(server, uniqueRoom('crowd'));
      const clients = [];
      for (let start = 0; start < CLIENTS; start += CONNECT_BATCH) {
        const batch = Array.from({ length: Math.min(CONNECT_BATCH, CLIENTS - start) }, (_, i) =>
          register(url, `u${start + i}`, { keepHistory: false }),
        );
        clients.push(...(await Promise.all(batch)));
      }
      assert.equal(new Set(clients.map((c) => c.name)).size, CLIENTS);

      // Count chat per receiver and sender as it arrives (no inbox: 400,000 messages).
      const problems = [];
      const everythingReceived = clients.map((client) => {
        const nextSeq = new Map(clients.map((c) => [c.name, 0]));
        let received = 0;
        return new Promise((resolve) => {
          client.taps.push((message) => {
            if (message.type !== 'message') return false;
            const [sender, seqText] = message.text.split(':');
            const expected = nextSeq.get(sender);
            if (message.name !== sender)
              problems.push(`${client.name}: text ${message.text} named ${message.name}`);
            else if (Number(seqText) !== expected) {
              problems.push(
                `${client.name}: from ${sender} got #${seqText}, expected #${expected}`,
              );
            }
            nextSeq.set(sender, Number(seqText) + 1);
            received += 1;
            if (received === CLIENTS * MESSAGES_EACH) resolve();
            return true;
          });
        });
      });

      for (const client of clients) {
        for (let seq = 0; seq < MESSAGES_EACH; seq += 1) {
          client.send({ type: 'message', text: `${client.name}:${seq}` });
        }
      }
      await withTimeout(Promise.all(everythingReceived), LONG_WAIT_MS, 'all 400,000 deliveries');
      // A duplicate still in flight would arrive before a later message from the same sender.
      clients[0].send({ type: 'message', text: `${clients[0].name}:${MESSAGES_EACH}` });
      await withTimeout(
        Promise.all(
          clients.map(
            (client) =>
              new Promise((resolve) =>
                client.taps.unshift((m) => {
                  if (m.type === 'message' && m.text === `${clients[0].name}:${MESSAGES_EACH}`)
                    resolve();
                  return false;
                }),
              ),
          ),
        ),
        LONG_WAIT_MS,
        'the final marker',
      );
      assert.deepEqual(
        problems.slice(0, 20),
        [],
        `${problems.length} ordering/duplication problems`,
      );
      for (const client of clients) assert.ok(client.isOpen, `${client.name} was disconnected`);
    },
  );
});
