// The attack catalogue of the security review (issue 8), kept running: every attack from outside
// that the review tried, one short case each, in seven groups (HTTP, handshakes, frames, JSON,
// identity, floods, connection exhaustion). Around every case the server's promises are checked:
// the process is alive and answers /healthz; two witnesses in a room of their own exchange a
// numbered message each way, and have never lost or reordered one; no sanitizer has reported.
// The case itself checks the answer docs/protocol.md promises. At the end every connection is
// gone and the server holds the files it held before the first attack.
//
// The neighbours go deep on one subject each (http-errors, websocket-strictness, errors,
// robustness, abuse-limits, connection-aborts, slow-reader); this is the broad sweep, with the
// witnesses watching. One server for all of it, with the default limits except
// --handshake-timeout 1, so that handshakes that never finish are cut within a second.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { after, afterEach, before, describe, test } from 'node:test';
import {
  LONG_WAIT_MS,
  OPCODE,
  SERVER_ONLY_TYPES,
  SUITE_TIMEOUT_MS,
  TEST_TIMEOUT_MS,
  WAIT_MS,
  awaitRegistration,
  connect,
  connectTcp,
  destroyAllRawSockets,
  encodeFrame,
  expectChatRoundTrip,
  expectError,
  httpRequest,
  isSanitizerBuild,
  makeWebRoot,
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

const MiB = 1024 * 1024;
const HOST = 'Host: 127.0.0.1\r\n';
// The defaults of docs/protocol.md the cases lean on.
const MAX_MESSAGE_SIZE = 64 * 1024;
const FRAME_DISCARD_LIMIT = 16 * MAX_MESSAGE_SIZE;
const MSG_RATE = 1000;
const MSG_BURST = 2000;
const BROADCAST_RATE = 20;
const BROADCAST_BURST = 50;
// Flood sizes: each one past the limit it tests, bounded in count.
const PINGS = 1000;
const GARBAGE_FRAMES = 5000;
const RATE_MESSAGES = MSG_BURST + 1000;
const CHAT_LINES = BROADCAST_BURST + 30;
const SLOW_SENDERS = 8; // each within its 4 MiB byte burst: together far past queue and kernel
const SLOW_FLOOD_PER_SENDER = 64;
const SLOW_FLOOD_PAD = 'f'.repeat(60 * 1024);
const IDLE_SOCKETS = 300;
// Sanitizer builds are several times slower; fewer resetting clients still cover the path.
const RESETTERS = isSanitizerBuild() ? 25 : 100;
const RESET_BURST = 4000; // more than the message burst: the server is rate-limiting each one
// A slowloris sends a byte this often, at most this many times: far longer than the timeout.
const DRIBBLE_PAUSE_MS = 50;
const DRIBBLE_BYTES = Math.ceil(scaled(5_000) / DRIBBLE_PAUSE_MS);
// The server has no event for "forgot a connection": /healthz is polled, as an operator would.
const POLL_MS = 50;
// What startServer's stop() looks for; checked after every case to name the one that caused it.
const SANITIZER_REPORT = /(Address|Leak|Thread|Memory|UndefinedBehavior)Sanitizer|runtime error:/;
// What an HTML parser reading text takes as the start of markup.
const OPENS_MARKUP = /<[A-Za-z/!?]/;
const SECRET = `catalogue-secret-${process.pid}-${Date.now()}`;

let server;
let webRoot;
let witnesses;
let baseline;
// What the running case opened (ws clients, TCP sockets); raw WebSockets are tracked by
// raw-websocket.mjs. Not terminateAllClients(): that would take the witnesses too.
const opened = new Set();

/** Keeps a ws client or TCP socket for the case's teardown. */
function own(connection) {
  opened.add(connection);
  return connection;
}

function dropCaseConnections() {
  for (const connection of opened) {
    if (typeof connection.terminate === 'function') connection.terminate();
    else connection.destroy();
  }
  opened.clear();
  destroyAllRawSockets();
}

/**
 * Two clients in a room of their own. Each exchange sends the next number each way; the
 * receiver's whole history must then hold exactly 0..n, in order, from the other witness, and
 * nothing else but what the server sends on its own.
 */
class Witnesses {
  #next = [0, 0]; // index 0: first → second, 1: second → first

  constructor(first, second) {
    this.pair = [first, second];
  }

  async exchange() {
    await Promise.all(
      [0, 1].map(async (direction) => {
        const from = this.pair[direction];
        const to = this.pair[1 - direction];
        const seq = this.#next[direction];
        this.#next[direction] += 1;
        from.send({ type: 'x-witness', target: to.name, seq });
        await to.next((m) => m.type === 'x-witness' && m.seq === seq);
        const seen = to.history.filter((m) => m.type === 'x-witness');
        assert.deepEqual(
          seen.map((m) => m.seq),
          Array.from({ length: seq + 1 }, (_, i) => i),
          `${to.name} lost, repeated or reordered a witness message`,
        );
        assert.ok(
          seen.every((m) => m.name === from.name),
          'a witness message changed sender',
        );
      }),
    );
    for (const witness of this.pair) {
      assert.ok(witness.isOpen, `witness ${witness.name} was disconnected`);
      const stray = witness.history.filter(
        (m) => m.type !== 'x-witness' && !['id', 'config', 'userlist'].includes(m.type),
      );
      assert.deepEqual(stray, [], `witness ${witness.name} got something it never asked for`);
    }
  }
}

async function health(target = server) {
  const response = await httpRequest(target.port, 'GET', '/healthz');
  assert.equal(response.status, 200, '/healthz status');
  assert.match(response.headers['content-type'] ?? '', /^application\/json\b/);
  const body = JSON.parse(response.body.toString());
  assert.equal(body.status, 'ok');
  return body;
}

const openFiles = (target = server) => fs.readdirSync(`/proc/${target.pid}/fd`).length;
// /healthz counts the connection asking too.
const connectionCount = async (target = server) => (await health(target)).connections - 1;

/** Polls until `target` holds `expected` ({connections, files}), or fails after `ms`. */
async function waitForCounts(target, expected, ms) {
  const deadline = Date.now() + ms;
  let seen;
  for (;;) {
    // Files first: the previous poll's own connection has had a poll interval to go.
    const files = openFiles(target);
    seen = { connections: await connectionCount(target), files };
    if (seen.connections === expected.connections && seen.files === expected.files) return;
    if (Date.now() > deadline) break;
    await delay(POLL_MS);
  }
  assert.deepEqual(seen, expected, `not back to baseline after ${ms} ms`);
}

/** Until the server holds the connections and files it held before the first case. */
const waitForBaseline = (ms = scaled(15_000)) => waitForCounts(server, baseline, ms);

async function assertPromisesKept() {
  const { exitCode, signalCode } = server.proc;
  assert.deepEqual({ exitCode, signalCode }, { exitCode: null, signalCode: null }, 'server ended');
  await health();
  await witnesses.exchange();
  const report = server.stderrLines.find((line) => SANITIZER_REPORT.test(line));
  assert.equal(report, undefined, 'the server printed a sanitizer report');
}

/** One catalogue entry: the attack (with its own assertions), then the server's promises. */
function attack(name, run, { todo, timeout = TEST_TIMEOUT_MS } = {}) {
  test(name, { todo, timeout }, async () => {
    const failure = await run().then(
      () => null,
      (error) => error,
    );
    try {
      await assertPromisesKept();
    } catch (broken) {
      if (failure) broken.message += `\n(the case itself failed too: ${failure.message})`;
      throw broken;
    }
    if (failure) throw failure;
  });
}

// --- connections the cases open ---------------------------------------------------------------

const member = async (room, name) => own(await register(roomUrl(server, room), name));

/** An attacker and the peer it aims at, alone in a fresh room. */
async function pair(prefix) {
  const room = uniqueRoom(prefix);
  const ana = await member(room, 'ana');
  const bob = await member(room, 'bob');
  await waitForUserlist(ana, ['ana', 'bob']);
  return { room, ana, bob };
}

/** A ws client that has its `id` but no name yet. */
async function newcomer(room = uniqueRoom('new')) {
  const client = own(await connect(roomUrl(server, room)));
  await client.next('id');
  return client;
}

/** A hand-rolled WebSocket past its `id`, registered if `name` is given. */
async function rawClient({ name, room = uniqueRoom('raw'), ...options } = {}) {
  const raw = await openRawWebSocket(server.port, `/?room=${room}`, options);
  await raw.next('id');
  if (name) {
    raw.sendJson({ type: 'username', name });
    await raw.next((m) => m.type === 'userlist' && m.users.includes(name));
  }
  return raw;
}

async function tcp() {
  const socket = own(await connectTcp(server.port));
  socket.on('error', () => {}); // resets and EPIPE are what these cases are about
  return socket;
}

/** Resolves once the socket has written everything given to it so far. */
const flushed = (socket) => new Promise((resolve) => socket.write('', resolve));

/** Resolves with what the server sent once it has closed the connection (bounded). */
function serverCloses(socket) {
  let received = '';
  socket.on('data', (chunk) => (received += chunk.toString('latin1')));
  const closed = new Promise((resolve) => socket.once('close', () => resolve(received)));
  return withTimeout(closed, WAIT_MS, 'the server closing the connection');
}

/** The code of the server's close frame (null if it sent none), once TCP has closed. */
async function closeCode(raw, what) {
  const { closeFrame } = await withTimeout(raw.closed, WAIT_MS, `close after ${what}`);
  return closeFrame?.code ?? null;
}

/** Every text frame `client` receives, as sent (the ws client's history holds parsed ones). */
function rawTexts(client) {
  const texts = [];
  client.ws.on('message', (data, isBinary) => {
    if (!isBinary) texts.push(data.toString());
  });
  return texts;
}

/** Sends each frame as a text frame: strings as they are, anything else as JSON. */
function sendEach(client, frames) {
  for (const frame of frames) {
    client.sendRaw(typeof frame === 'string' ? frame : JSON.stringify(frame), { binary: false });
  }
}

// --- HTTP -------------------------------------------------------------------------------------

const request = (headers = '', body = '') => `GET / HTTP/1.1\r\n${HOST}${headers}\r\n${body}`;

/** The headers every HTTP answer carries (docs/protocol.md, "HTTP"). */
function assertSecurityHeaders(response, what) {
  assert.equal(response.headers['x-content-type-options'], 'nosniff', what);
  assert.equal(response.headers['x-frame-options'], 'DENY', what);
  assert.match(response.headers['content-security-policy'] ?? '', /default-src 'self'/, what);
}

/** `text` is answered with `status`, the security headers and `Connection: close`. */
async function expectRefusal(text, status, what) {
  const response = await rawHttpRequest(server.port, text);
  assert.equal(response.status, status, `${what}: answered ${response.status}`);
  assert.match(response.headers.connection ?? '', /\bclose\b/i, `${what}: Connection header`);
  assertSecurityHeaders(response, what);
  return response;
}

const HTTP_REFUSALS = [
  [
    'malformed request lines',
    400,
    () => ['GET /\r\n\r\n', '\x00\x01\x02\x7f\r\n\r\n', 'GET / HTTP/1.1\nHost: 127.0.0.1\n\n'],
  ],
  ['a 20 KB header', 431, () => [request(`X-Big: ${'a'.repeat(20_000)}\r\n`)]],
  ['a 100 KB header', 431, () => [request(`X-Big: ${'a'.repeat(100_000)}\r\n`)]],
  ['2,000 small headers', 431, () => [request('X-a: b\r\n'.repeat(2000))]],
  [
    'a 10 MB GET body',
    413,
    () => [request(`Content-Length: ${10 * MiB}\r\n`, 'b'.repeat(10 * MiB))],
  ],
  [
    'Content-Length with Transfer-Encoding',
    400,
    () => [request('Content-Length: 5\r\nTransfer-Encoding: chunked\r\n', '0\r\n\r\n')],
  ],
  [
    'two Content-Lengths',
    400,
    () => [request('Content-Length: 3\r\nContent-Length: 4\r\n', 'abcd')],
  ],
  ['a negative Content-Length', 400, () => [request('Content-Length: -1\r\n')]],
  ['a hex Content-Length', 400, () => [request('Content-Length: 0x10\r\n')]],
  [
    'Transfer-Encoding on HTTP/1.0',
    400,
    () => [`GET / HTTP/1.0\r\n${HOST}Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n`],
  ],
  [
    'Transfer-Encoding not ending in chunked',
    400,
    () => [request('Transfer-Encoding: chunked, gzip\r\n'), request('Transfer-Encoding: gzip\r\n')],
  ],
];

const TRAVERSALS = [
  '/../secret',
  '/%2e%2e/secret',
  '/%2E%2E%2Fsecret',
  '/..%2fsecret',
  '/.%2e/secret',
  '/sub/%2e%2e/%2e%2e/secret',
  '/..\\secret',
  '/%5c..%5csecret',
  '/index.html%00',
  '/%00/../secret',
  '/%2fetc%2fpasswd',
  `/${'../'.repeat(8)}etc/passwd`,
  `/${'%2e%2e%2f'.repeat(8)}etc%2fpasswd`,
];

// --- handshakes -------------------------------------------------------------------------------

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

// --- frames -----------------------------------------------------------------------------------

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

// --- JSON and identity ------------------------------------------------------------------------

// Fields a forged message would carry; the peer must never see "evil".
const EVIL = { target: 'bob', users: ['evil'], names: ['evil'], code: 'evil' };

const JSON_REJECTIONS = [
  [
    'invalid JSON',
    'invalid-json',
    ['{', 'not json', '{"type":"x-a","target":"bob","evil":', '', '{"type":"x-a"}}', "{'a':1}"],
  ],
  [
    'JSON that is not an object',
    'not-object',
    ['[{"type":"x-a","evil":1}]', '"evil"', '4', 'null'],
  ],
  [
    'a type that is missing, empty, not a string or 65 characters long',
    'invalid-type',
    [
      { ...EVIL },
      { type: '', ...EVIL },
      { type: 7, ...EVIL },
      { type: ['userlist'], ...EVIL },
    ].concat([{ type: 't'.repeat(65), ...EVIL }]),
  ],
  [
    'a type with a NUL or another control character',
    'invalid-type',
    ['userlist\u0000', 'error\u001f', 'id\u007f', 'config\u0085', 'x-a\n'].map((type) => ({
      type,
      ...EVIL,
    })),
  ],
  ['a reserved type', 'reserved-type', SERVER_ONLY_TYPES.map((type) => ({ type, ...EVIL }))],
  [
    'a reserved type spelled with escapes',
    'reserved-type',
    [
      '{"t\\u0079pe":"userlist","target":"bob","users":["evil"]}',
      '{"type":"user\\u006cist","target":"bob","users":["evil"]}',
      '{"type":"\\u0065rror","target":"bob","code":"evil"}',
    ],
  ],
  [
    'a duplicate type, target, name or text',
    'duplicate-key',
    [
      '{"type":"x-a","target":"bob","type":"userlist","users":["evil"]}',
      '{"type":"x-a","target":"nobody","target":"bob","evil":1}',
      '{"type":"x-a","target":"bob","name":"ana","name":"evil"}',
      '{"type":"message","text":"hi","text":"evil"}',
      '{"type":"x-a","target":"bob","t\\u0079pe":"userlist","users":["evil"]}',
    ],
  ],
  [
    'a target that is not a string',
    'invalid-target',
    [5, true, { name: 'bob' }, ['bob']].map((target) => ({ type: 'x-a', target, evil: 1 })),
  ],
  [
    'a target with a control character',
    'invalid-target',
    ['bob\u0000', 'bob\n', 'bob\u007f'].map((target) => ({ type: 'x-a', target, evil: 1 })),
  ],
  [
    'an unknown target',
    'unknown-target',
    ['nobody', 'bob2', 'b'.repeat(300)].map((target) => ({ type: 'x-a', target, evil: 1 })),
  ],
];

const INVALID_NAMES = [
  '<b>',
  'a>b',
  'a&b',
  'a"b',
  "a'b",
  'a\u0000b',
  'a\nb',
  'a\u001bb',
  'a\u007fb',
  'a\u0085b',
  ' ana',
  'ana ',
];

const MARKUP_ATTEMPTS = [
  '<img src=x onerror=alert(1) ',
  '<svg/onload=alert(1) ',
  '<<img src=x onerror=alert(1)>',
  '<scr<script>ipt>alert(1)',
  '</textarea><script>alert(1)</script>',
  '<!--',
  '<?xml ',
  'x<iframe src=javascript:alert(1) ',
];
const NOT_MARKUP = ['a < b', '<3', '1 <= 2', '< /', '<', '3 > 2 < 1'];

describe('attack catalogue', { timeout: SUITE_TIMEOUT_MS }, () => {
  before(async () => {
    webRoot = makeWebRoot();
    fs.writeFileSync(path.join(webRoot.parent, 'secret'), SECRET);
    server = await startServer(['--handshake-timeout', '1'], { webRoot: webRoot.dir });
    const room = uniqueRoom('witnesses');
    const first = await register(roomUrl(server, room), 'w1');
    const second = await register(roomUrl(server, room), 'w2');
    await waitForUserlist(first, ['w1', 'w2']);
    await waitForUserlist(second, ['w1', 'w2']);
    witnesses = new Witnesses(first, second);
    await witnesses.exchange();
    // Files before any HTTP request: none of ours can be half-closed yet.
    const files = openFiles();
    baseline = { connections: await connectionCount(), files };
    assert.equal(baseline.connections, 2, 'only the witnesses are connected');
  });
  afterEach(dropCaseConnections);
  after(async () => {
    dropCaseConnections();
    terminateAllClients();
    try {
      await server?.stop();
    } finally {
      webRoot?.remove();
    }
  });

  describe('HTTP', () => {
    for (const [what, status, texts] of HTTP_REFUSALS) {
      attack(`${status} and close for ${what}`, async () => {
        for (const text of texts()) await expectRefusal(text, status, what);
      });
    }

    attack('path traversal gets 404 and nothing from outside the web root', async () => {
      for (const target of TRAVERSALS) {
        const response = await httpRequest(server.port, 'GET', target);
        assert.equal(response.status, 404, `GET ${target}`);
        assertSecurityHeaders(response, target);
        const body = response.body.toString('latin1');
        assert.ok(!body.includes(SECRET) && !body.includes('root:'), `GET ${target} leaked`);
      }
    });

    attack('methods other than GET and HEAD get 405', async () => {
      for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE', 'CONNECT']) {
        const response = await httpRequest(server.port, method, '/', {}, 'x=1');
        assert.equal(response.status, 405, method);
        assertSecurityHeaders(response, method);
      }
    });

    attack('/healthz and files carry the security headers; /healthz is JSON', async () => {
      for (const target of ['/', '/index.html', '/healthz', '/healthz?x=<b>', '/missing']) {
        const response = await httpRequest(server.port, 'GET', target);
        assertSecurityHeaders(response, target);
      }
      const body = await health();
      for (const field of ['uptime_s', 'connections', 'users', 'rooms']) {
        assert.equal(typeof body[field], 'number', field);
      }
    });
  });

  describe('handshakes', () => {
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

  describe('frames', () => {
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

  describe('JSON', () => {
    for (const [what, code, frames] of JSON_REJECTIONS) {
      attack(`${code} for ${what}, and the peer sees none of it`, async () => {
        const { ana, bob } = await pair('json');
        for (const frame of frames) {
          sendEach(ana, [frame]); // one at a time: each error belongs to its frame
          await expectError(ana, code);
        }
        await expectChatRoundTrip(ana);
        // Anything relayed from the frames above would have reached bob before the chat.
        await bob.next('message');
        assert.deepEqual(
          bob.history.filter((m) => JSON.stringify(m).includes('evil')),
          [],
        );
        assert.deepEqual(
          bob.relayed().filter((m) => m.type !== 'message'),
          [],
        );
      });
    }

    attack('nesting past 32 levels gets invalid-json; 32 levels are relayed', async () => {
      const { ana, bob } = await pair('deep');
      // The object is the first level.
      const nested = (levels) =>
        `{"type":"x-deep","target":"bob","d":${'['.repeat(levels - 1)}${']'.repeat(levels - 1)}}`;
      for (const frame of [nested(33), nested(1000), nested(30_000), '['.repeat(60_000)]) {
        ana.sendRaw(frame);
        await expectError(ana, 'invalid-json');
      }
      ana.sendRaw(nested(32));
      const relayed = await bob.next('x-deep');
      assert.equal(JSON.stringify(relayed.d), `${'['.repeat(31)}${']'.repeat(31)}`);
      assert.equal(bob.history.filter((m) => m.type === 'x-deep').length, 1);
    });

    attack('numbers are relayed byte for byte (1e400, -0, 12345678901234567890123)', async () => {
      const { ana, bob } = await pair('numbers');
      const texts = rawTexts(bob);
      const values = [
        '1e400',
        '-0',
        '12345678901234567890123',
        '-1E-400',
        '[0.10,1E+2,{"n":-0.0}]',
      ];
      for (const value of values) ana.sendRaw(`{"type":"x-num","target":"bob","v":${value}}`);
      ana.send({ type: 'x-end', target: 'bob' });
      await bob.next('x-end');
      assert.deepEqual(
        texts.filter((text) => text.includes('"x-num"')),
        values.map((value) => `{"type":"x-num","target":"bob","v":${value},"name":"ana"}`),
      );
    });
  });

  describe('identity', () => {
    attack("a claimed name is replaced by the sender's, however it is written", async () => {
      const { ana, bob } = await pair('claim');
      const texts = rawTexts(bob);
      sendEach(ana, [
        { type: 'x-claim', target: 'bob', name: 'bob', id: bob.id },
        '{"name":"bob","type":"x-claim","target":"bob"}',
        '{"type":"x-claim","target":"bob","n\\u0061me":"bob"}',
        { type: 'x-claim', name: 'bob', id: bob.id }, // to the whole room
        { type: 'message', text: 'hi', name: 'bob' },
      ]);
      ana.send({ type: 'x-end', target: 'bob' });
      await bob.next('x-end');
      const claims = texts.filter((text) => /"type":"(x-claim|message)"/.test(text));
      assert.equal(claims.length, 5, JSON.stringify(texts));
      for (const text of claims) {
        assert.equal(JSON.parse(text).name, 'ana', text);
        assert.equal(text.match(/"n(ame|\\u0061me)"/g)?.length, 1, `one name in ${text}`);
      }
    });

    attack('before registering: not-registered, and nothing reaches the room', async () => {
      const room = uniqueRoom('unregistered');
      const bob = await member(room, 'bob');
      const stranger = await newcomer(room);
      sendEach(stranger, [
        { type: 'message', text: 'evil' },
        { type: 'x-a', target: 'bob', evil: 1 },
        { type: 'x-a', evil: 1 },
      ]);
      for (let i = 0; i < 3; i += 1) await expectError(stranger, 'not-registered');
      await expectChatRoundTrip(bob, 'members only');
      stranger.send({ type: 'username', name: 'late' });
      stranger.name = await awaitRegistration(stranger, 'late');
      await expectChatRoundTrip(stranger);
      await bob.next((m) => m.type === 'message' && m.name === 'late');
      assert.deepEqual(
        bob.history.filter((m) => JSON.stringify(m).includes('evil')),
        [],
      );
      assert.ok(!stranger.history.some((m) => m.text === 'members only'), 'unregistered got chat');
    });

    attack('a second username gets already-registered; the first name stays', async () => {
      const { ana, bob } = await pair('twice');
      for (const name of ['bob', 'carol']) {
        ana.send({ type: 'username', name });
        await expectError(ana, 'already-registered');
      }
      await expectChatRoundTrip(ana); // checks the echo's name is "ana"
      assert.equal((await bob.next('message')).name, 'ana');
      await waitForUserlist(bob, ['ana', 'bob']);
    });

    attack('names with markup, control characters or outer spaces get name-invalid', async () => {
      const client = await newcomer();
      for (const name of INVALID_NAMES) {
        client.send({ type: 'username', name });
        const error = await client.next('error');
        assert.equal(
          error.code,
          'name-invalid',
          `${JSON.stringify(name)}: ${JSON.stringify(error)}`,
        );
      }
      client.send({ type: 'username', name: 'fine' });
      client.name = await awaitRegistration(client, 'fine');
      await expectChatRoundTrip(client);
    });

    attack('names of 33 or more code points get name-too-long', async () => {
      const client = await newcomer();
      for (const name of ['n'.repeat(33), '😀'.repeat(33), 'n'.repeat(10_000)]) {
        client.send({ type: 'username', name });
        await expectError(client, 'name-too-long');
      }
      client.send({ type: 'username', name: '😀'.repeat(32) });
      client.name = await awaitRegistration(client, '😀'.repeat(32));
    });

    attack('a taken name gets rejectusername with a suffixed name', async () => {
      const room = uniqueRoom('taken');
      const ana = await member(room, 'ana');
      const impostor = await newcomer(room);
      impostor.send({ type: 'username', name: 'ana' });
      const { name, requested } = await impostor.next('rejectusername');
      assert.deepEqual({ name, requested }, { name: 'ana1', requested: 'ana' });
      impostor.name = await awaitRegistration(impostor, name);
      await waitForUserlist(ana, ['ana', 'ana1']);
      await expectChatRoundTrip(impostor);
      assert.equal((await ana.next('message')).name, 'ana1');
    });

    attack(
      'chat markup, finished or not, reaches the peer with nothing that opens markup',
      async () => {
        const { ana, bob } = await pair('xss');
        for (const text of MARKUP_ATTEMPTS) {
          ana.send({ type: 'message', text });
          ana.send({ type: 'message', text, target: 'bob' }); // private chat is cleaned too
        }
        for (let i = 0; i < 2 * MARKUP_ATTEMPTS.length; i += 1) {
          const { text } = await bob.next('message');
          const sent = MARKUP_ATTEMPTS[i >> 1];
          assert.doesNotMatch(
            text,
            OPENS_MARKUP,
            `${JSON.stringify(sent)} → ${JSON.stringify(text)}`,
          );
        }
      },
    );

    attack('chat that only looks like markup ("a < b", "<3") arrives unchanged', async () => {
      const { ana, bob } = await pair('lt');
      for (const text of NOT_MARKUP) ana.send({ type: 'message', text });
      for (const text of NOT_MARKUP) assert.equal((await bob.next('message')).text, text);
    });
  });

  describe('floods', () => {
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
      for (let i = 0; i < CHAT_LINES; i += 1)
        members[0].send({ type: 'message', text: `line ${i}` });
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

  describe('connection exhaustion', () => {
    attack(
      `${IDLE_SOCKETS} TCP connections that send nothing or half a request, then vanish`,
      async () => {
        const sockets = [];
        while (sockets.length < IDLE_SOCKETS) {
          const batch = Math.min(50, IDLE_SOCKETS - sockets.length);
          sockets.push(...(await Promise.all(Array.from({ length: batch }, tcp))));
        }
        const halves = sockets.filter((_, i) => i % 2 === 1);
        for (const socket of halves) socket.write(`GET / HTTP/1.1\r\n${HOST}X-Half: `);
        await Promise.all(halves.map(flushed));
        assert.ok((await connectionCount()) > baseline.connections, 'the server saw none of them');
        sockets.forEach((socket, i) => (i % 4 < 2 ? socket.resetAndDestroy() : socket.destroy()));
        await waitForBaseline();
      },
    );

    attack(
      `${RESETTERS} rate-limited clients that reset mid-burst leave no connection or file behind`,
      async () => {
        const room = uniqueRoom('resetters');
        const burst = Buffer.concat(
          Array.from({ length: RESET_BURST }, (_, n) =>
            encodeFrame(OPCODE.text, JSON.stringify({ type: 'poke', target: 'nobody', n })),
          ),
        );
        await Promise.all(
          Array.from({ length: RESETTERS }, async (_, i) => {
            const raw = await rawClient({ room, label: `r${i}` });
            raw.sendJson({ type: 'username', name: `r${i}` });
            raw.writeRaw(burst);
            await raw.next((m) => m.type === 'error' && m.code === 'unknown-target');
            raw.socket.resetAndDestroy();
          }),
        );
        await waitForBaseline(LONG_WAIT_MS);
      },
      { timeout: TEST_TIMEOUT_MS * 2 },
    );
  });

  test('after the catalogue, connections and open files are back to baseline', async () => {
    dropCaseConnections();
    await waitForBaseline(LONG_WAIT_MS);
    await assertPromisesKept();
  });
});
