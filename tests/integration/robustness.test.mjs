// Hostile or broken input: huge frames, floods of garbage, broken framing, clients that vanish
// mid-frame. The promise under test: one bad client never hurts the others or the server.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, afterEach, before, describe, test } from 'node:test';
import {
  LONG_WAIT_MS,
  OPCODE,
  SUITE_TIMEOUT_MS,
  TEST_TIMEOUT_MS,
  WAIT_MS,
  connect,
  connectTcp,
  destroyAllRawSockets,
  encodeFrame,
  expectChatRoundTrip,
  expectError,
  openRawWebSocket,
  register,
  roomUrl,
  startServer,
  terminateAllClients,
  uniqueRoom,
  waitForUserlist,
  withTimeout,
} from './helpers.mjs';

const MiB = 1024 * 1024;

/** Proves the server as a whole is fine: a brand-new client can register and chat. */
async function assertServerStillServes(server) {
  const fresh = await register(roomUrl(server, uniqueRoom('fresh')), 'fresh');
  await expectChatRoundTrip(fresh);
  await fresh.close();
}

/** Random text that is valid UTF-8 but never valid JSON (so the expected error is certain). */
function garbageText(random) {
  const length = 1 + (random() % 200);
  let text = '';
  for (let i = 0; i < length; i += 1) {
    let codePoint = random() % 0x11000;
    if (codePoint >= 0xd800 && codePoint <= 0xdfff) codePoint = 0x41; // no lone surrogates
    text += String.fromCodePoint(codePoint);
  }
  try {
    JSON.parse(text);
    return `${text}{`; // happened to parse ("7", " 1 "): make it invalid
  } catch {
    return text;
  }
}

describe('robustness with default limits', { timeout: SUITE_TIMEOUT_MS }, () => {
  let server;
  before(async () => {
    server = await startServer();
  });
  afterEach(() => {
    terminateAllClients();
    destroyAllRawSockets();
  });
  after(() => server?.stop());

  test(
    'a 1 MiB frame: message-too-large or close 1009, and nobody else notices',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const url = roomUrl(server, uniqueRoom('big'));
      const sender = await register(url, 'sender');
      const peer = await register(url, 'peer');
      await waitForUserlist(peer, ['peer', 'sender']);
      const shell = JSON.stringify({ type: 'x-big', pad: '' });
      sender.sendRaw(JSON.stringify({ type: 'x-big', pad: 'b'.repeat(MiB - shell.length) }));

      // Either outcome is allowed (the frame is exactly at the default discard limit); a close
      // makes next() fail, and then the close code decides.
      const outcome = await sender.next('error').then(
        (error) => ({ error }),
        async () => ({ close: await withTimeout(sender.closed, WAIT_MS, 'close after 1 MiB') }),
      );
      if (outcome.error) {
        assert.equal(outcome.error.code, 'message-too-large');
        await expectChatRoundTrip(sender);
      } else {
        assert.equal(outcome.close.code, 1009, `closed with ${JSON.stringify(outcome.close)}`);
      }
      await expectChatRoundTrip(peer);
      assert.equal(
        peer.history.filter((m) => m.type === 'x-big').length,
        0,
        'the huge message was relayed',
      );
      await assertServerStillServes(server);
    },
  );

  test(
    '1,000 garbage frames give 1,000 invalid-json errors, then a valid message is delivered',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const client = await register(roomUrl(server, uniqueRoom('garbage')), 'junk');
      const seed = crypto.randomBytes(4).readUInt32BE(0);
      let state = seed || 1;
      const random = () => {
        // xorshift32: reproducible from the seed printed on failure
        state ^= state << 13;
        state ^= state >>> 17;
        state ^= state << 5;
        return state >>> 0;
      };
      const frames = [];
      for (let i = 0; i < 1000; i += 1) {
        frames.push(
          i % 2 === 0 ? `{"type":"message","text":"unterminated ${i}` : garbageText(random),
        );
      }
      for (const frame of frames) client.sendRaw(frame);
      client.send({ type: 'message', text: 'after the garbage' });

      await client.next((m) => m.type === 'message' && m.text === 'after the garbage', {
        timeoutMs: LONG_WAIT_MS,
      });
      const beforeEcho = client.history.slice(
        0,
        client.history.findIndex((m) => m.text === 'after the garbage'),
      );
      const errors = beforeEcho.filter((m) => m.type === 'error');
      assert.equal(errors.length, 1000, `garbage seed ${seed}`);
      const codes = new Set(errors.map((e) => e.code));
      assert.deepEqual([...codes], ['invalid-json'], `garbage seed ${seed}`);
      assert.ok(client.isOpen);
    },
  );

  test(
    'clients vanishing mid-frame or mid-handshake do not disturb the others',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const url = roomUrl(server, uniqueRoom('abrupt'));
      const ana = await register(url, 'ana');
      const bob = await register(url, 'bob');
      const victims = [];
      for (let i = 0; i < 10; i += 1) {
        const raw = await openRawWebSocket(
          server.port,
          new URL(url).pathname + new URL(url).search,
          { label: `v${i}` },
        );
        await raw.next('id');
        raw.sendJson({ type: 'username', name: `v${i}` });
        await raw.next((m) => m.type === 'userlist' && m.users.includes(`v${i}`));
        victims.push(raw);
      }
      const everyone = ['ana', 'bob', ...victims.map((_, i) => `v${i}`)];
      await waitForUserlist(ana, everyone);
      await waitForUserlist(bob, everyone);
      for (const [i, raw] of victims.entries()) {
        // Half a frame: a header announcing 1,000 bytes, then only 10 of them, then gone.
        const frame = encodeFrame(
          OPCODE.text,
          JSON.stringify({ type: 'message', text: 'x'.repeat(980) }),
        );
        raw.writeRaw(frame.subarray(0, 18));
        if (i % 2 === 0) raw.destroy();
        else raw.socket.resetAndDestroy(); // RST instead of FIN
      }
      // Half a handshake, then gone.
      for (let i = 0; i < 5; i += 1) {
        const socket = await connectTcp(server.port);
        socket.write(
          `GET /?room=x HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nSec-WebSoc`,
        );
        socket.destroy();
      }
      await waitForUserlist(ana, ['ana', 'bob']);
      await waitForUserlist(bob, ['ana', 'bob']);
      await expectChatRoundTrip(ana);
      await bob.next('message');
      await assertServerStillServes(server);
    },
  );

  test(
    'invalid UTF-8 in a text frame closes that connection with 1007',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const url = roomUrl(server, uniqueRoom('utf8'));
      const bad = await register(url, 'bad');
      const good = await register(url, 'good');
      bad.sendRaw(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), { binary: false });
      const close = await withTimeout(bad.closed, WAIT_MS, 'close after invalid UTF-8');
      // RFC 6455 section 7.4.1: 1007 is "data inconsistent with the type of the message".
      assert.equal(close.code, 1007);
      await waitForUserlist(good, ['good']);
      await expectChatRoundTrip(good);
    },
  );

  test(
    'an unmasked client frame (invalid framing) closes that connection with 1002',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const url = roomUrl(server, uniqueRoom('framing'));
      const good = await register(url, 'good');
      const raw = await openRawWebSocket(
        server.port,
        `/?room=${new URL(url).searchParams.get('room')}`,
      );
      await raw.next('id');
      raw.sendFrame(OPCODE.text, JSON.stringify({ type: 'username', name: 'unmasked' }), {
        mask: false,
      });
      const { closeFrame } = await withTimeout(
        raw.closed,
        WAIT_MS,
        'close after an unmasked frame',
      );
      assert.equal(closeFrame?.code, 1002, `close frame: ${JSON.stringify(closeFrame)}`);
      await expectChatRoundTrip(good);
      assert.deepEqual(good.history.filter((m) => m.type === 'userlist').at(-1).users, ['good']);
    },
  );
});

describe('robustness with small limits', { timeout: SUITE_TIMEOUT_MS }, () => {
  const MESSAGE_LIMIT = 4096;
  const DISCARD_LIMIT = 16384;
  let server;
  before(async () => {
    server = await startServer([
      '--max-message-size',
      String(MESSAGE_LIMIT),
      '--max-frame-discard',
      String(DISCARD_LIMIT),
    ]);
  });
  afterEach(terminateAllClients);
  after(() => server?.stop());

  test(
    'between the message limit and the discard limit: message-too-large, connection stays',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const client = await register(roomUrl(server, uniqueRoom('mid')), 'mid');
      client.send({ type: 'x-pad', pad: 'm'.repeat(10_000) });
      await expectError(client, 'message-too-large');
      await expectChatRoundTrip(client);
    },
  );

  test(
    'a frame over --max-frame-discard closes that connection with 1009',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const url = roomUrl(server, uniqueRoom('huge'));
      const sender = await register(url, 'sender');
      const peer = await register(url, 'peer');
      sender.send({ type: 'x-pad', pad: 'h'.repeat(DISCARD_LIMIT * 2) });
      const close = await withTimeout(sender.closed, WAIT_MS, 'close after an oversized frame');
      assert.equal(close.code, 1009);
      await waitForUserlist(peer, ['peer']);
      await expectChatRoundTrip(peer);
      await assertServerStillServes(server);
    },
  );

  test(
    'a fragmented message whose fragments add up past --max-frame-discard closes with 1009',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const sender = await register(roomUrl(server, uniqueRoom('frag')), 'sender');
      const fragment = 'f'.repeat(8000); // each fragment is under both limits on its own
      sender.sendRaw(`{"type":"x-pad","pad":"${fragment}`, { binary: false, fin: false });
      sender.sendRaw(fragment, { binary: false, fin: false });
      sender.sendRaw(fragment, { binary: false, fin: false });
      sender.sendRaw(`${fragment}"}`, { binary: false, fin: true });
      const close = await withTimeout(sender.closed, WAIT_MS, 'close after oversized fragments');
      assert.equal(close.code, 1009);
      await assertServerStillServes(server);
    },
  );

  test(
    'a fragmented message within the limits is reassembled and delivered',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const sender = await register(roomUrl(server, uniqueRoom('frag-ok')), 'sender');
      sender.sendRaw('{"type":"message",', { binary: false, fin: false });
      sender.sendRaw('"text":"in three', { binary: false, fin: false });
      sender.sendRaw(' parts"}', { binary: false, fin: true });
      assert.equal((await sender.next('message')).text, 'in three parts');
    },
  );
});
