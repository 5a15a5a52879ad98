// The attack catalogue of the security review (issue 8), frames group: protocol violations in
// WebSocket framing, close codes, binary and oversized messages, half frames, ping floods.
// Each case is an `attack`: around it, attack-catalogue/harness.mjs checks that the server is
// alive and answers /healthz, that its two witnesses have lost or reordered nothing and that no
// sanitizer has spoken; after the group, connections and open files are back to baseline.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import {
  OPCODE,
  WAIT_MS,
  encodeFrame,
  expectChatRoundTrip,
  expectError,
  openRawWebSocket,
  scaled,
  startServer,
  uniqueRoom,
  withTimeout,
} from './helpers.mjs';
import {
  attack,
  catalogueGroup,
  closeCode,
  flushed,
  member,
  openFiles,
  pair,
  rawClient,
  waitForBaseline,
  waitForCounts,
} from './attack-catalogue/harness.mjs';

// The defaults of docs/protocol.md the cases lean on.
const MAX_MESSAGE_SIZE = 64 * 1024;
const FRAME_DISCARD_LIMIT = 16 * MAX_MESSAGE_SIZE;
// Flood sizes: each one past the limit it tests, bounded in count.
const PINGS = 1000;

/** A masked frame with its first byte and length bytes exactly as given. */
function frameWithLength(first, [length, ...extended], payload) {
  const key = crypto.randomBytes(4);
  const data = Buffer.from(payload);
  for (let i = 0; i < data.length; i += 1) data[i] ^= key[i & 3];
  return Buffer.concat([Buffer.from([first, 0x80 | length, ...extended]), key, data]);
}

/** A frame header claiming 2^63 bytes and more, and nothing after it. */
const topBitLengthFrame = () => frameWithLength(0x81, [127, 0x80, 0, 0, 0, 0, 0, 0, 0], '');

function withFirstByteBits(bits, frame) {
  frame[0] |= bits;
  return frame;
}

// Each frame on a fresh connection.
const FRAME_VIOLATIONS = [
  ['an unmasked frame', 1002, () => [encodeFrame(OPCODE.text, '{"type":"x"}', { mask: false })]],
  [
    'reserved bits (no extension was negotiated)',
    1002,
    () => [0x40, 0x20, 0x10].map((bit) => withFirstByteBits(bit, encodeFrame(OPCODE.text, '{}'))),
  ],
  ['reserved opcodes 0x3 and 0xB', 1002, () => [encodeFrame(0x3, 'x'), encodeFrame(0xb, 'x')]],
  [
    'a fragmented ping and a ping over 125 bytes',
    1002,
    () => [
      encodeFrame(OPCODE.ping, 'p', { fin: false }),
      encodeFrame(OPCODE.ping, Buffer.alloc(126)),
    ],
  ],
  [
    'a continuation with nothing to continue, and a new message inside a fragmented one',
    1002,
    () => [
      encodeFrame(OPCODE.continuation, '{}'),
      Buffer.concat([
        encodeFrame(OPCODE.text, '{"a":', { fin: false }),
        encodeFrame(OPCODE.text, '1}'),
      ]),
    ],
  ],
  [
    'a 64-bit length with the top bit set',
    1002,
    () => [topBitLengthFrame()],
    // A client that answers this close: the case on a server of its own below.
    { replyToClose: false },
  ],
  [
    'lengths not in their shortest encoding',
    1002,
    () => [
      frameWithLength(0x81, [126, 0, 2], '{}'),
      frameWithLength(0x81, [127, 0, 0, 0, 0, 0, 0, 0, 100], `{"p":"${'p'.repeat(94)}"}`),
    ],
  ],
  [
    'invalid UTF-8 in a text frame (a stray byte, an overlong "/", a surrogate)',
    1007,
    () =>
      [
        [0x22, 0xff, 0x22],
        [0x22, 0xc0, 0xaf, 0x22],
        [0x22, 0xed, 0xa0, 0x80, 0x22],
      ].map((bytes) => encodeFrame(OPCODE.text, Buffer.from(bytes))),
  ],
];

const CLOSE_ANSWERS = [
  ['undefined close codes 5000 and 65535 are answered with 1002', [5000, 65535], () => 1002],
  [
    'close codes 999, 1005, 1006 and 2999 are answered with 1002',
    [999, 1005, 1006, 2999],
    () => 1002,
  ],
  ['application close codes 3000 and 4999 are echoed', [3000, 4999], (code) => code],
];

catalogueGroup('frames', () => {
  for (const [what, code, frames, options] of FRAME_VIOLATIONS) {
    attack(`close ${code} for ${what}`, async () => {
      for (const [i, frame] of frames().entries()) {
        const raw = await rawClient(options);
        raw.writeRaw(frame);
        assert.equal(await closeCode(raw, `${what} #${i}`), code, `${what} #${i}`);
      }
    });
  }

  // On a server of its own, whose counts must return to zero. This was a leak: Beast's close
  // and a read of Beast's that failed behind it waited for each other forever.
  attack(
    'a 64-bit length with the top bit set, then the client answers the close: forgotten',
    async () => {
      const alone = await startServer(['--handshake-timeout', '1']);
      try {
        const files = openFiles(alone);
        const raw = await openRawWebSocket(alone.port, '/');
        await raw.next('id');
        raw.writeRaw(topBitLengthFrame());
        assert.equal(await closeCode(raw, 'a 2^63 length'), 1002);
        await waitForCounts(alone, { connections: 0, files }, scaled(3_000));
      } finally {
        await alone.stop();
      }
    },
  );

  for (const [what, codes, expected] of CLOSE_ANSWERS) {
    attack(what, async () => {
      for (const code of codes) {
        const raw = await rawClient({ replyToClose: false });
        const payload = Buffer.alloc(2);
        payload.writeUInt16BE(code);
        raw.sendFrame(OPCODE.close, payload);
        assert.equal(await closeCode(raw, `close code ${code}`), expected(code), `${code}`);
      }
    });
  }

  attack('a binary frame gets binary-unsupported; the connection stays', async () => {
    const client = await member(uniqueRoom('binary'), 'bin');
    client.sendRaw(Buffer.from([0x7b, 0x7d, 0x00, 0xff]));
    await expectError(client, 'binary-unsupported');
    await expectChatRoundTrip(client);
  });

  attack('half a frame and then a FIN or a reset: the server forgets both', async () => {
    for (const how of ['end', 'resetAndDestroy']) {
      const raw = await rawClient({ name: 'half' });
      const frame = encodeFrame(
        OPCODE.text,
        JSON.stringify({ type: 'message', text: 'h'.repeat(900) }),
      );
      raw.writeRaw(frame.subarray(0, 300));
      await flushed(raw.socket);
      raw.socket[how]();
    }
    await waitForBaseline();
  });

  attack(
    'a message over --max-message-size gets message-too-large; the connection stays',
    async () => {
      const { ana, bob } = await pair('large');
      ana.send({ type: 'x-big', target: 'bob', pad: 'p'.repeat(MAX_MESSAGE_SIZE) });
      await expectError(ana, 'message-too-large');
      await expectChatRoundTrip(ana);
      await bob.next('message');
      assert.equal(bob.history.filter((m) => m.type === 'x-big').length, 0, 'it was relayed');
    },
  );

  attack(
    'a message past 16 × the limit: close 1009, and TCP ends though the client never answers',
    async () => {
      const raw = await rawClient({ replyToClose: false });
      const pad = 'p'.repeat(FRAME_DISCARD_LIMIT + MAX_MESSAGE_SIZE);
      raw.writeRaw(encodeFrame(OPCODE.text, JSON.stringify({ type: 'x-huge', pad })));
      assert.equal(await closeCode(raw, 'a frame past the discard limit'), 1009);
    },
  );

  attack(`${PINGS} pings get ${PINGS} pongs in order; the connection stays`, async () => {
    const client = await member(uniqueRoom('pings'), 'pinger');
    const pongs = [];
    const allPongs = new Promise((resolve) => {
      client.ws.on('pong', (data) => {
        pongs.push(data.toString());
        if (pongs.length === PINGS) resolve();
      });
    });
    for (let i = 0; i < PINGS; i += 1) client.ws.ping(String(i));
    await withTimeout(allPongs, WAIT_MS, `${PINGS} pongs`);
    assert.deepEqual(
      pongs,
      Array.from({ length: PINGS }, (_, i) => String(i)),
    );
    await expectChatRoundTrip(client);
  });
});
