// Targeted relay and typed broadcast: the signaling core (docs/protocol.md, "any message with a
// `target`"). Privacy is proven with a marker: after the targeted messages, the bystander is sent
// a targeted marker by the same sender; the server handles one connection's messages in order,
// so anything wrongly relayed to the bystander would have reached it before the marker.

import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import {
  SUITE_TIMEOUT_MS,
  TEST_TIMEOUT_MS,
  register,
  roomUrl,
  startServer,
  terminateAllClients,
  uniqueRoom,
  waitForUserlist,
} from './helpers.mjs';

const SDP_OFFER =
  'v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n' +
  'a=group:BUNDLE 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\n';
const SDP_ANSWER = SDP_OFFER.replace('4611731400430051336', '1234567890');

// Everything JSON can carry, so a server that re-serialises through a lossy model is caught.
const ARBITRARY_VALUES = {
  list: [1, 'two', [3, [4, { five: 5 }]], null, true, false, {}],
  nested: { a: { b: { c: { d: ['deep'] } } }, empty: [], none: null },
  // Exactness of every bit of a double has its own test below, so that a lossy number parser
  // fails that test alone and not every routing test that carries numbers.
  numbers: {
    int: -42,
    zero: 0,
    fraction: 0.1,
    third: 1 / 3,
    big: 1e21,
    small: 5e-324,
    exp: 6.02e23,
  },
  booleans: [true, false],
  unicode: 'ünïcödé 🎉 中文 \u2028 \u0000 "quotes" \\backslash\\ \t tab',
  markup: '<b>not stripped</b>', // only chat text is stripped; other fields pass untouched
};

describe('relay', { timeout: SUITE_TIMEOUT_MS }, () => {
  let server;
  before(async () => {
    server = await startServer();
  });
  afterEach(terminateAllClients);
  after(() => server?.stop());

  async function roomOfThree() {
    const url = roomUrl(server, uniqueRoom('relay'));
    const ana = await register(url, 'ana');
    const bob = await register(url, 'bob');
    const cy = await register(url, 'cy');
    for (const client of [ana, bob, cy]) await waitForUserlist(client, ['ana', 'bob', 'cy']);
    return { ana, bob, cy };
  }

  let markers = 0;
  /** Sends `sender` → `receiver` a marker and checks it is the first relayed message received. */
  async function assertNothingRelayedBefore(sender, receiver) {
    markers += 1;
    const marker = { type: 'x-marker', target: receiver.name, nonce: `marker-${markers}` };
    sender.send(marker);
    await receiver.next((m) => m.type === 'x-marker' && m.nonce === marker.nonce);
    assert.deepEqual(
      receiver.relayed(),
      [{ ...marker, name: sender.name }],
      `${receiver.name} received messages meant for someone else`,
    );
  }

  test(
    'signaling messages reach only their target, every field intact, name stamped',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const { ana, bob, cy } = await roomOfThree();
      const spoof = { name: 'mallory', id: 31337 }; // identity comes from the connection
      const sent = [
        { type: 'video-offer', target: 'bob', sdp: { type: 'offer', sdp: SDP_OFFER }, ...spoof },
        { type: 'video-answer', target: 'bob', sdp: { type: 'answer', sdp: SDP_ANSWER }, ...spoof },
        {
          type: 'new-ice-candidate',
          target: 'bob',
          candidate: {
            candidate:
              'candidate:842163049 1 udp 1677729535 192.0.2.3 54400 typ srflx raddr 0.0.0.0 rport 0',
            sdpMid: '0',
            sdpMLineIndex: 0,
            usernameFragment: 'f9c2',
          },
          ...spoof,
        },
        { type: 'hang-up', target: 'bob', ...spoof },
        { type: 'x-custom', target: 'bob', ...ARBITRARY_VALUES, ...spoof },
      ];
      for (const message of sent) ana.send(message);
      for (const message of sent) {
        const received = await bob.next(message.type);
        assert.deepEqual(
          received,
          { ...message, name: 'ana' },
          `${message.type} changed in transit`,
        );
      }
      await assertNothingRelayedBefore(ana, cy);
      await assertNothingRelayedBefore(cy, ana); // the sender gets no copy of its targeted messages
      // And bob got each exactly once, in order.
      const bobsTypes = bob.relayed().map((m) => m.type);
      assert.deepEqual(
        bobsTypes,
        sent.map((m) => m.type),
      );
    },
  );

  test('numbers pass through exactly, to the last bit', { timeout: TEST_TIMEOUT_MS }, async () => {
    const { ana, bob } = await roomOfThree();
    // Doubles that need all 17 significant digits, then 500 from a fixed generator (the same
    // values every run): a parser or printer that is off by one ulp changes some of them.
    let state = 0x9e3779b9;
    const numbers = [123456789.12345679, 0.9860308295480211, 2.2250738585072014e-308];
    numbers.push(
      ...Array.from({ length: 500 }, () => {
        state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
        const high = state;
        state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
        return (high * 2 ** 21 + (state >>> 11)) / 2 ** 53; // uniform in [0, 1), all 53 bits used
      }),
    );
    ana.send({ type: 'x-numbers', target: 'bob', numbers });
    const received = (await bob.next('x-numbers')).numbers;
    const changed = numbers
      .map((sent, i) => ({ sent, got: received[i] }))
      .filter(({ sent, got }) => sent !== got);
    assert.deepEqual(
      changed.slice(0, 5),
      [],
      `${changed.length} of ${numbers.length} numbers changed in transit`,
    );
  });

  test(
    'a spoofed name cannot make a relayed message look like it came from someone else',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const { ana, bob, cy } = await roomOfThree();
      bob.send({
        type: 'video-offer',
        target: 'cy',
        name: 'ana',
        sdp: { type: 'offer', sdp: SDP_OFFER },
      });
      const received = await cy.next('video-offer');
      assert.equal(received.name, 'bob');
      await assertNothingRelayedBefore(bob, ana);
    },
  );

  test(
    'a targeted chat message is private and stripped like public chat',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const { ana, bob, cy } = await roomOfThree();
      ana.send({ type: 'message', target: 'bob', text: 'psst <i>bob</i>' });
      const received = await bob.next('message');
      assert.deepEqual(received, { type: 'message', target: 'bob', text: 'psst bob', name: 'ana' });
      await assertNothingRelayedBefore(ana, cy);
      await assertNothingRelayedBefore(bob, ana);
    },
  );

  for (const [label, targetField] of [
    ['target: null', { target: null }],
    ['target: ""', { target: '' }],
    ['no target', {}],
  ]) {
    test(
      `an unknown type with ${label} is broadcast to the room, sender included`,
      { timeout: TEST_TIMEOUT_MS },
      async () => {
        const { ana, bob, cy } = await roomOfThree();
        const message = {
          type: 'x-announce',
          ...targetField,
          payload: ARBITRARY_VALUES,
          name: 'eve',
        };
        ana.send(message);
        for (const client of [ana, bob, cy]) {
          assert.deepEqual(
            await client.next('x-announce'),
            { ...message, name: 'ana' },
            `${client.name} got it changed or not at all`,
          );
        }
      },
    );
  }

  test(
    "the MDN client's hang-up with target: null reaches the other side",
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const { ana, bob } = await roomOfThree();
      ana.send({ type: 'hang-up', name: 'ana', target: null });
      assert.deepEqual(await bob.next('hang-up'), { type: 'hang-up', name: 'ana', target: null });
    },
  );
});
