// The attack catalogue of the security review (issue 8), floods group: garbage frames, a sender
// past the message rate, a client that never reads, a chat burst past the broadcast limit.
// Each case is an `attack`: around it, attack-catalogue/harness.mjs checks that the server is
// alive and answers /healthz, that its two witnesses have lost or reordered nothing and that no
// sanitizer has spoken; after the group, connections and open files are back to baseline.

import assert from 'node:assert/strict';
import {
  LONG_WAIT_MS,
  TEST_TIMEOUT_MS,
  expectChatRoundTrip,
  uniqueRoom,
  waitForUserlist,
} from './helpers.mjs';
import {
  attack,
  catalogueGroup,
  closeCode,
  member,
  pair,
  rawClient,
} from './attack-catalogue/harness.mjs';

// The defaults of docs/protocol.md the cases lean on.
const MSG_RATE = 1000;
const MSG_BURST = 2000;
const BROADCAST_RATE = 20;
const BROADCAST_BURST = 50;
// Flood sizes: each one past the limit it tests, bounded in count.
const GARBAGE_FRAMES = 5000;
const RATE_MESSAGES = MSG_BURST + 1000;
const CHAT_LINES = BROADCAST_BURST + 30;
const SLOW_SENDERS = 8; // each within its 4 MiB byte burst: together far past queue and kernel
const SLOW_FLOOD_PER_SENDER = 64;
const SLOW_FLOOD_PAD = 'f'.repeat(60 * 1024);

catalogueGroup('floods', () => {
  attack(`${GARBAGE_FRAMES} garbage frames get an error each; the connection stays`, async () => {
    const client = await member(uniqueRoom('garbage'), 'junk');
    const kinds = [
      ['{"type":', 'invalid-json'],
      ['[1]', 'not-object'],
      ['{"type":""}', 'invalid-type'],
      ['{"type":"userlist"}', 'reserved-type'],
      ['{"type":"x-a","target":"nobody"}', 'unknown-target'],
    ];
    for (let i = 0; i < GARBAGE_FRAMES; i += 1) client.sendRaw(kinds[i % kinds.length][0]);
    client.send({ type: 'message', text: 'after the garbage' });
    await client.next((m) => m.type === 'message' && m.text === 'after the garbage', {
      timeoutMs: LONG_WAIT_MS,
    });
    const codes = client.history.filter((m) => m.type === 'error').map((m) => m.code);
    assert.equal(codes.length, GARBAGE_FRAMES);
    const wrong = codes.findIndex((code, i) => code !== kinds[i % kinds.length][1]);
    assert.equal(wrong, -1, `error #${wrong} was ${codes[wrong]}`);
  });

  attack('a sender past --max-msg-rate is read more slowly and loses nothing', async () => {
    const { ana, bob } = await pair('rate');
    const startedAt = Date.now();
    for (let seq = 0; seq < RATE_MESSAGES; seq += 1)
      ana.send({ type: 'x-seq', target: 'bob', seq });
    for (let seq = 0; seq < RATE_MESSAGES; seq += 1) {
      assert.equal((await bob.next('x-seq')).seq, seq);
    }
    const elapsed = Date.now() - startedAt;
    const owed = ((RATE_MESSAGES - MSG_BURST) / MSG_RATE) * 1000;
    assert.ok(elapsed >= owed * 0.7, `${RATE_MESSAGES} messages took only ${elapsed} ms`);
    assert.ok(ana.isOpen, 'the fast sender was disconnected');
  });

  attack(
    'a client that never reads is closed with 1008; the senders and the room carry on',
    async () => {
      const room = uniqueRoom('slow');
      const observer = await member(room, 'observer');
      const senders = [];
      for (let i = 0; i < SLOW_SENDERS; i += 1) senders.push(await member(room, `s${i}`));
      const slow = await rawClient({ room, name: 'slow' });
      slow.pause(); // from here on its kernel buffers fill, then the server's queue for it
      const everyone = ['observer', 'slow', ...senders.map((sender) => sender.name)];
      await waitForUserlist(observer, everyone);
      // The observer sees the slow client leave the room the moment the server drops it.
      let dropped = false;
      const slowLeft = waitForUserlist(
        observer,
        everyone.filter((name) => name !== 'slow'),
        { timeoutMs: LONG_WAIT_MS },
      );
      slowLeft.then(
        () => {
          dropped = true;
          slow.resume(); // now it may read what is left, and then its close frame
        },
        () => (dropped = true),
      );
      await Promise.all(
        senders.map(async (sender) => {
          for (let seq = 0; seq < SLOW_FLOOD_PER_SENDER && !dropped; seq += 1) {
            const message = JSON.stringify({
              type: 'x-flood',
              target: 'slow',
              seq,
              pad: SLOW_FLOOD_PAD,
            });
            await new Promise((resolve) => sender.ws.send(message, resolve));
          }
        }),
      );
      await slowLeft;
      assert.equal(await closeCode(slow, 'the queue overflowed'), 1008);
      for (const client of [observer, ...senders])
        assert.ok(client.isOpen, `${client.name} closed`);
      await expectChatRoundTrip(observer);
    },
    { timeout: TEST_TIMEOUT_MS * 2 },
  );

  attack('a chat burst past the broadcast limit is slowed and arrives in order', async () => {
    const room = uniqueRoom('chat-burst');
    const members = [];
    for (const name of ['ana', 'bob', 'cy']) members.push(await member(room, name));
    await waitForUserlist(members[0], ['ana', 'bob', 'cy']);
    const startedAt = Date.now();
    for (let i = 0; i < CHAT_LINES; i += 1) members[0].send({ type: 'message', text: `line ${i}` });
    for (const client of members) {
      for (let i = 0; i < CHAT_LINES; i += 1) {
        const { text, name } = await client.next('message');
        assert.deepEqual({ text, name }, { text: `line ${i}`, name: 'ana' }, client.name);
      }
    }
    const elapsed = Date.now() - startedAt;
    const owed = ((CHAT_LINES - BROADCAST_BURST) / BROADCAST_RATE) * 1000;
    assert.ok(elapsed >= owed * 0.7, `${CHAT_LINES} chat lines took only ${elapsed} ms`);
  });
});
