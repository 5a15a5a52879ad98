// The harness of the attack catalogue of the security review (issue 8), kept running: every
// attack from outside that the review tried, one short case each, in seven groups (HTTP,
// handshakes, frames, JSON, identity, floods, connection exhaustion), one test file per group:
// ../attack-catalogue-<group>.test.mjs. Around every case the server's promises are checked:
// the process is alive and answers /healthz; two witnesses in a room of their own exchange a
// numbered message each way, and have never lost or reordered one; no sanitizer has reported.
// The case itself checks the answer docs/protocol.md promises. At the end of each group every
// connection is gone and the server holds the files it held before the group's first attack.
//
// The neighbours go deep on one subject each (http-errors, websocket-strictness, errors,
// robustness, abuse-limits, connection-aborts, slow-reader); this is the broad sweep, with the
// witnesses watching. One server per group file (node --test runs each file in a process of its
// own, so this module's state is the file's), with the default limits except
// --handshake-timeout 1, so that handshakes that never finish are cut within a second.
//
// Not named *.test.mjs: `node --test tests/integration/` would run it as a test file.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { after, afterEach, before, describe, test } from 'node:test';
import {
  LONG_WAIT_MS,
  SUITE_TIMEOUT_MS,
  TEST_TIMEOUT_MS,
  WAIT_MS,
  connect,
  connectTcp,
  destroyAllRawSockets,
  httpRequest,
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
} from '../helpers.mjs';

export const HOST = 'Host: 127.0.0.1\r\n';
// The server has no event for "forgot a connection": /healthz is polled, as an operator would.
const POLL_MS = 50;
// What startServer's stop() looks for; checked after every case to name the one that caused it.
const SANITIZER_REPORT = /(Address|Leak|Thread|Memory|UndefinedBehavior)Sanitizer|runtime error:/;
// Put beside the web root (in its parent): no path may reach it.
export const SECRET = `catalogue-secret-${process.pid}-${Date.now()}`;

// The running group's server, and what it held once the witnesses were in (files, connections).
export let server;
let webRoot;
let witnesses;
export let baseline;
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

export async function health(target = server) {
  const response = await httpRequest(target.port, 'GET', '/healthz');
  assert.equal(response.status, 200, '/healthz status');
  assert.match(response.headers['content-type'] ?? '', /^application\/json\b/);
  const body = JSON.parse(response.body.toString());
  assert.equal(body.status, 'ok');
  return body;
}

export const openFiles = (target = server) => fs.readdirSync(`/proc/${target.pid}/fd`).length;
// /healthz counts the connection asking too.
export const connectionCount = async (target = server) => (await health(target)).connections - 1;

/** Polls until `target` holds `expected` ({connections, files}), or fails after `ms`. */
export async function waitForCounts(target, expected, ms) {
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

/** Until the server holds the connections and files it held before the group's first case. */
export const waitForBaseline = (ms = scaled(15_000)) => waitForCounts(server, baseline, ms);

async function assertPromisesKept() {
  const { exitCode, signalCode } = server.proc;
  assert.deepEqual({ exitCode, signalCode }, { exitCode: null, signalCode: null }, 'server ended');
  await health();
  await witnesses.exchange();
  const report = server.stderrLines.find((line) => SANITIZER_REPORT.test(line));
  assert.equal(report, undefined, 'the server printed a sanitizer report');
}

/** One catalogue entry: the attack (with its own assertions), then the server's promises. */
export function attack(name, run, { todo, timeout = TEST_TIMEOUT_MS } = {}) {
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

/**
 * Declares a group file's suite: `describe('attack catalogue')` with the server and the
 * witnesses set up before the group, each case's connections dropped after it, and at the end
 * the check that connections and open files are back to baseline. `cases` declares the group's
 * `attack`s; its describe keeps the test names they had in the single file.
 */
export function catalogueGroup(group, cases) {
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

    describe(group, cases);

    test(`after the ${group} cases, connections and open files are back to baseline`, async () => {
      dropCaseConnections();
      await waitForBaseline(LONG_WAIT_MS);
      await assertPromisesKept();
    });
  });
}

// --- connections the cases open ---------------------------------------------------------------

export const member = async (room, name) => own(await register(roomUrl(server, room), name));

/** An attacker and the peer it aims at, alone in a fresh room. */
export async function pair(prefix) {
  const room = uniqueRoom(prefix);
  const ana = await member(room, 'ana');
  const bob = await member(room, 'bob');
  await waitForUserlist(ana, ['ana', 'bob']);
  return { room, ana, bob };
}

/** A ws client that has its `id` but no name yet. */
export async function newcomer(room = uniqueRoom('new')) {
  const client = own(await connect(roomUrl(server, room)));
  await client.next('id');
  return client;
}

/** A hand-rolled WebSocket past its `id`, registered if `name` is given. */
export async function rawClient({ name, room = uniqueRoom('raw'), ...options } = {}) {
  const raw = await openRawWebSocket(server.port, `/?room=${room}`, options);
  await raw.next('id');
  if (name) {
    raw.sendJson({ type: 'username', name });
    await raw.next((m) => m.type === 'userlist' && m.users.includes(name));
  }
  return raw;
}

export async function tcp() {
  const socket = own(await connectTcp(server.port));
  socket.on('error', () => {}); // resets and EPIPE are what these cases are about
  return socket;
}

/** Resolves once the socket has written everything given to it so far. */
export const flushed = (socket) => new Promise((resolve) => socket.write('', resolve));

/** Resolves with what the server sent once it has closed the connection (bounded). */
export function serverCloses(socket) {
  let received = '';
  socket.on('data', (chunk) => (received += chunk.toString('latin1')));
  const closed = new Promise((resolve) => socket.once('close', () => resolve(received)));
  return withTimeout(closed, WAIT_MS, 'the server closing the connection');
}

/** The code of the server's close frame (null if it sent none), once TCP has closed. */
export async function closeCode(raw, what) {
  const { closeFrame } = await withTimeout(raw.closed, WAIT_MS, `close after ${what}`);
  return closeFrame?.code ?? null;
}

/** Every text frame `client` receives, as sent (the ws client's history holds parsed ones). */
export function rawTexts(client) {
  const texts = [];
  client.ws.on('message', (data, isBinary) => {
    if (!isBinary) texts.push(data.toString());
  });
  return texts;
}

/** Sends each frame as a text frame: strings as they are, anything else as JSON. */
export function sendEach(client, frames) {
  for (const frame of frames) {
    client.sendRaw(typeof frame === 'string' ? frame : JSON.stringify(frame), { binary: false });
  }
}

// --- HTTP answers (the HTTP and handshake groups) ------------------------------------------

/** The headers every HTTP answer carries (docs/protocol.md, "HTTP"). */
export function assertSecurityHeaders(response, what) {
  assert.equal(response.headers['x-content-type-options'], 'nosniff', what);
  assert.equal(response.headers['x-frame-options'], 'DENY', what);
  assert.match(response.headers['content-security-policy'] ?? '', /default-src 'self'/, what);
}

/** `text` is answered with `status`, the security headers and `Connection: close`. */
export async function expectRefusal(text, status, what) {
  const response = await rawHttpRequest(server.port, text);
  assert.equal(response.status, status, `${what}: answered ${response.status}`);
  assert.match(response.headers.connection ?? '', /\bclose\b/i, `${what}: Connection header`);
  assertSecurityHeaders(response, what);
  return response;
}
