// The attack catalogue of the security review (issue 8), handshakes group: bad upgrade keys and
// versions, bad room names, upgrades to no endpoint, handshakes that never finish (slowloris).
// Each case is an `attack`: around it, attack-catalogue/harness.mjs checks that the server is
// alive and answers /healthz, that its two witnesses have lost or reordered nothing and that no
// sanitizer has spoken; after the group, connections and open files are back to baseline.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { openRawWebSocket, scaled } from './helpers.mjs';
import {
  HOST,
  attack,
  catalogueGroup,
  expectRefusal,
  server,
  serverCloses,
  tcp,
} from './attack-catalogue/harness.mjs';

// A slowloris sends a byte this often, at most this many times: far longer than the timeout.
const DRIBBLE_PAUSE_MS = 50;
const DRIBBLE_BYTES = Math.ceil(scaled(5_000) / DRIBBLE_PAUSE_MS);

const wsKey = (bytes = 16) => crypto.randomBytes(bytes).toString('base64');

function upgrade(target, { keys = [wsKey()], version = 13 } = {}) {
  const keyLines = keys.map((key) => `Sec-WebSocket-Key: ${key}\r\n`).join('');
  return (
    `GET ${target} HTTP/1.1\r\n${HOST}Upgrade: websocket\r\nConnection: Upgrade\r\n` +
    `${keyLines}Sec-WebSocket-Version: ${version}\r\n\r\n`
  );
}

/** The status of an upgrade to `target` as written (101 if it was accepted). */
async function upgradeStatus(target) {
  try {
    (await openRawWebSocket(server.port, target)).destroy();
    return 101;
  } catch (error) {
    if (error.statusCode) return error.statusCode;
    throw error;
  }
}

const BAD_KEYS = [
  ['no Sec-WebSocket-Key', []],
  ['an empty key', ['']],
  ['the key "abc"', ['abc']],
  ['a key of 8 bytes', [wsKey(8)]],
  ['two keys', [wsKey(), wsKey()]],
];

// Each in the query and in the path form.
const BAD_ROOMS = [
  ['a space', 'a%20b'],
  ['65 characters', 'r'.repeat(65)],
  ['a NUL', 'a%00b'],
  ['a climb out ("../x")', '..%2Fx'],
  ['dots alone ("..")', '..'],
];

catalogueGroup('handshakes', () => {
  for (const [what, keys] of BAD_KEYS) {
    attack(`400 for an upgrade with ${what}`, () =>
      expectRefusal(upgrade('/', { keys }), 400, what),
    );
  }

  attack('426 for Sec-WebSocket-Version: 8, naming version 13', async () => {
    const text = upgrade('/', { version: 8 });
    const response = await expectRefusal(text, 426, 'version 8');
    assert.equal(response.headers['sec-websocket-version'], '13');
  });

  for (const [what, room] of BAD_ROOMS) {
    attack(`400 for a room name with ${what}`, async () => {
      for (const target of [`/?room=${room}`, `/room/${room}`, `/ws?room=${room}`]) {
        assert.equal(await upgradeStatus(target), 400, target);
      }
    });
  }

  attack('404 for an upgrade to a path that is no WebSocket endpoint', async () => {
    for (const target of ['/nope', '/ws/x', '/rooms/x', '/healthz', '/index.html']) {
      await expectRefusal(upgrade(target), 404, target);
    }
  });

  attack('a handshake that never finishes is closed without an answer', async () => {
    const silent = await tcp();
    const half = await tcp();
    half.write(`GET /?room=x HTTP/1.1\r\n${HOST}Upgrade: websocket\r\nSec-WebSoc`);
    const answers = await Promise.all([serverCloses(silent), serverCloses(half)]);
    assert.deepEqual(answers, ['', '']);
  });

  attack('a request dribbled a byte at a time is closed at the handshake timeout', async () => {
    const socket = await tcp();
    let closed = false;
    const answer = serverCloses(socket);
    socket.once('close', () => (closed = true));
    socket.write(`GET /?room=x HTTP/1.1\r\n${HOST}Upgrade: websocket\r\nX-Pad: `);
    // The pause is the attack (each byte restarts nothing), not a wait for the server.
    for (let i = 0; i < DRIBBLE_BYTES && !closed; i += 1) {
      socket.write('a');
      await delay(DRIBBLE_PAUSE_MS);
    }
    assert.ok(closed, `still open after ${DRIBBLE_BYTES} dribbled bytes`);
    assert.equal(await answer, '');
  });
});
