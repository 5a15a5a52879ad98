// RFC 6455 rules Beast 1.81 does not enforce by itself (issue 8, finding 9): a Sec-WebSocket-Key
// that is not one base64 value of 16 bytes gets 400, a 64-bit frame length with its top bit set
// gets close 1002 (not a wait for 2^63 bytes), and a client's close code from 5000 up is answered
// with 1002 instead of being echoed (docs/protocol.md, "WebSocket").

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, afterEach, before, describe, test } from 'node:test';
import {
  OPCODE,
  SUITE_TIMEOUT_MS,
  TEST_TIMEOUT_MS,
  WAIT_MS,
  destroyAllRawSockets,
  encodeFrame,
  expectChatRoundTrip,
  openRawWebSocket,
  rawHttpRequest,
  register,
  roomUrl,
  startServer,
  uniqueRoom,
  withTimeout,
} from './helpers.mjs';

function upgradeRequest(port, keyLines) {
  return (
    `GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    `${keyLines}Sec-WebSocket-Version: 13\r\n\r\n`
  );
}

const key = (bytes) => `Sec-WebSocket-Key: ${crypto.randomBytes(bytes).toString('base64')}\r\n`;
const BAD_KEYS = {
  'no key': '',
  'an empty key': 'Sec-WebSocket-Key: \r\n',
  '"abc"': 'Sec-WebSocket-Key: abc\r\n',
  '8 bytes': key(8),
  '17 bytes': key(17),
  'two keys': key(16) + key(16),
  'not base64': 'Sec-WebSocket-Key: !!!!!!!!!!!!!!!!!!!!!!==\r\n',
};

/** Sends a close frame with `code` and resolves with the code of the server's close frame. */
async function closeWith(port, code) {
  const raw = await openRawWebSocket(port, '/', { replyToClose: false });
  await raw.next('id');
  const payload = Buffer.alloc(2);
  payload.writeUInt16BE(code);
  raw.sendFrame(OPCODE.close, payload);
  const { closeFrame } = await withTimeout(raw.closed, WAIT_MS, `close after ${code}`);
  return closeFrame?.code;
}

describe('WebSocket protocol strictness', { timeout: SUITE_TIMEOUT_MS }, () => {
  let server;
  before(async () => {
    server = await startServer();
  });
  afterEach(destroyAllRawSockets);
  after(() => server?.stop());

  for (const [what, lines] of Object.entries(BAD_KEYS)) {
    test(`400 for an upgrade with ${what}`, { timeout: TEST_TIMEOUT_MS }, async () => {
      const response = await rawHttpRequest(server.port, upgradeRequest(server.port, lines));
      assert.equal(response.status, 400);
    });
  }

  test('426 for another WebSocket version, with the version spoken and the security headers', {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    const request = upgradeRequest(server.port, key(16)).replace(
      'Sec-WebSocket-Version: 13',
      'Sec-WebSocket-Version: 8',
    );
    const response = await rawHttpRequest(server.port, request);
    assert.equal(response.status, 426);
    assert.equal(response.headers['sec-websocket-version'], '13');
    assert.equal(response.headers['x-content-type-options'], 'nosniff');
  });

  test('a well-formed key still upgrades', { timeout: TEST_TIMEOUT_MS }, async () => {
    const raw = await openRawWebSocket(server.port, '/');
    assert.equal((await raw.next('id')).type, 'id');
  });

  test('a frame length with its top bit set is refused with 1002', { timeout: TEST_TIMEOUT_MS }, async () => {
    const raw = await openRawWebSocket(server.port, '/');
    await raw.next('id');
    const header = Buffer.alloc(14);
    header[0] = 0x81;
    header[1] = 0x80 | 127;
    header.writeBigUInt64BE(1n << 63n, 2);
    crypto.randomBytes(4).copy(header, 10);
    raw.writeRaw(header);
    const { closeFrame } = await withTimeout(raw.closed, WAIT_MS, 'close after a 2^63 length');
    assert.equal(closeFrame?.code, 1002);
    // Others are not affected.
    const witness = await register(roomUrl(server, uniqueRoom('strict')), 'witness');
    await expectChatRoundTrip(witness);
    await witness.close();
  });

  for (const code of [5000, 5001, 65535]) {
    test(`close code ${code} is answered with 1002, not echoed`, { timeout: TEST_TIMEOUT_MS }, async () => {
      assert.equal(await closeWith(server.port, code), 1002);
    });
  }

  for (const code of [1000, 3000, 4000, 4999]) {
    test(`close code ${code} is echoed`, { timeout: TEST_TIMEOUT_MS }, async () => {
      assert.equal(await closeWith(server.port, code), code);
    });
  }

  test('a large valid frame length is not refused', { timeout: TEST_TIMEOUT_MS }, async () => {
    const raw = await openRawWebSocket(server.port, '/');
    await raw.next('id');
    raw.sendJson({ type: 'username', name: 'big' });
    await raw.next('userlist');
    raw.writeRaw(encodeFrame(OPCODE.text, JSON.stringify({ type: 'x', pad: 'p'.repeat(70_000) })));
    raw.sendJson({ type: 'message', text: 'after' });
    assert.equal((await raw.next('message')).text, 'after');
  });
});
