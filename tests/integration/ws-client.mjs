// A protocol-level test client: a `ws` WebSocket plus an inbox of parsed messages, and the few
// conversations every test needs (register, wait for a user list, prove the link still works).

import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import WebSocket from 'ws';
import { Inbox } from './inbox.mjs';
import { WAIT_MS } from './timeouts.mjs';

/** Types only the server may send (docs/protocol.md); everything else a client gets was relayed. */
export const SERVER_ONLY_TYPES = Object.freeze([
  'id',
  'userlist',
  'user-joined',
  'user-left',
  'rejectusername',
  'error',
  'config',
  'token-expiring',
  'token-renewed',
  'resumed',
  'ping',
]);

// Every client ever opened, so a test's teardown can drop the ones a failed test left open.
const openClients = new Set();

/** Parses a server frame; frames that are not JSON objects get a marker type so tests can see them. */
function decode(data, isBinary) {
  if (isBinary) return { type: '<binary>', bytes: data };
  const text = data.toString('utf8');
  try {
    const value = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? value
      : { type: '<not-an-object>', text };
  } catch {
    return { type: '<invalid-json>', text };
  }
}

export class TestClient {
  /**
   * @param {string} url
   * @param {{ protocols?: string[], keepHistory?: boolean, label?: string, headers?: object,
   *   ca?: string, localAddress?: string, origin?: string }} options keepHistory: remember
   *   every received message in `history` (off for the 200-client test); headers: extra
   *   handshake headers (e.g. Authorization); ca: the CA certificate(s) (PEM) a wss:// server's
   *   certificate must chain to; localAddress: the source address (127.0.0.x); origin: the
   *   Origin header, as a browser page would send it
   */
  constructor(url, { protocols, keepHistory = true, label, headers, ca, localAddress, origin } = {}) {
    this.url = url;
    this.label = label ?? url;
    this.name = null; // the name the server assigned, once registered
    this.id = null;
    this.history = keepHistory ? [] : null;
    this.taps = []; // functions that see each message first; returning true consumes it
    this.closeInfo = null;
    this.latestUserlist = null; // the newest user list received, claimed or not
    this.inbox = new Inbox(this.label);
    // What went each way, as the server counts it (/metrics): WebSocket message payloads.
    this.sentBytes = 0;
    this.receivedBytes = 0;
    this.ws = new WebSocket(url, protocols, {
      handshakeTimeout: WAIT_MS,
      headers,
      localAddress,
      origin,
      ...(ca && { ca }),
    });
    openClients.add(this);

    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', resolve);
      this.ws.once('unexpected-response', (request, response) => {
        const error = new Error(
          `${this.label}: handshake refused with HTTP ${response.statusCode}`,
        );
        error.statusCode = response.statusCode;
        response.resume();
        request.destroy();
        reject(error);
      });
      this.ws.once('error', reject); // no effect once settled
    });
    this.opened.catch(() => {}); // connect() reports it; don't let it become "unhandled"
    this.ws.on('error', (error) => {
      this.lastError = error;
    });
    this.ws.on('message', (data, isBinary) => {
      this.receivedBytes += data.length;
      this.#receive(decode(data, isBinary));
    });
    this.closed = new Promise((resolve) => {
      this.ws.once('close', (code, reason) => {
        openClients.delete(this);
        this.closeInfo = { code, reason: reason.toString() };
        this.inbox.close(`connection closed with code ${code}`);
        resolve(this.closeInfo);
      });
    });
  }

  #receive(message) {
    this.history?.push(message);
    if (message.type === 'userlist') this.latestUserlist = message.users;
    if (this.taps.some((tap) => tap(message))) return;
    this.inbox.deliver(message);
  }

  get protocol() {
    return this.ws.protocol;
  }

  get extensions() {
    return this.ws.extensions;
  }

  get isOpen() {
    return this.ws.readyState === WebSocket.OPEN;
  }

  send(message) {
    const text = JSON.stringify(message);
    this.sentBytes += Buffer.byteLength(text);
    this.ws.send(text);
  }

  /** Sends a string as a text frame, a Buffer as a binary frame unless `{binary: false}`. */
  sendRaw(data, { binary = Buffer.isBuffer(data), fin = true } = {}) {
    this.sentBytes += Buffer.byteLength(data);
    this.ws.send(data, { binary, fin, compress: false });
  }

  next(match, options) {
    return this.inbox.next(match, options);
  }

  /** Messages received so far that a server would only relay (not server-generated ones). */
  relayed() {
    return this.history.filter((message) => !SERVER_ONLY_TYPES.includes(message.type));
  }

  /** Closes cleanly and waits (bounded) for the close to finish. */
  async close(code = 1000) {
    if (this.closeInfo) return this.closeInfo;
    this.ws.close(code);
    return withTimeout(this.closed, WAIT_MS, `${this.label}: close handshake`);
  }

  /** Drops the TCP connection without a close handshake. */
  terminate() {
    this.ws.terminate();
  }
}

/** Rejects with a clear message if `promise` has not settled within `ms`. */
export function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not done within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Opens a connection; rejects (with `statusCode` when the server refused the upgrade) otherwise. */
export async function connect(url, options) {
  const client = new TestClient(url, options);
  await client.opened;
  return client;
}

/** The HTTP status of a WebSocket handshake: 101 if it was accepted (then closed), else the refusal. */
export async function handshakeStatus(url, options) {
  try {
    const client = await connect(url, options);
    await client.close();
    return 101;
  } catch (error) {
    if (error.statusCode) return error.statusCode;
    throw error;
  }
}

/** Terminates every client still open (teardown after a test that failed half-way). */
export function terminateAllClients() {
  for (const client of openClients) client.terminate();
  openClients.clear();
}

/**
 * Connects, waits for `id`, sends `username`, and returns once a user list shows the name the
 * server assigned (the requested one, or the one a `rejectusername` gave). The client's
 * `name` and `id` are set; `registeredUserlist` holds the list that showed it.
 */
export async function register(url, requestedName, { capabilities, ...options } = {}) {
  const client = await connect(url, { label: requestedName, ...options });
  client.id = (await client.next('id')).id;
  client.send({ type: 'username', name: requestedName, ...(capabilities && { capabilities }) });
  client.name = await awaitRegistration(client, requestedName);
  return client;
}

/** Waits until `client`'s `username` request shows up in a user list; returns the assigned name. */
export async function awaitRegistration(client, requestedName, { timeoutMs = WAIT_MS } = {}) {
  const deadline = Date.now() + timeoutMs;
  let assigned = requestedName;
  for (;;) {
    const message = await client.next(['userlist', 'rejectusername', 'error'], {
      timeoutMs: Math.max(1, deadline - Date.now()),
    });
    if (message.type === 'error') {
      throw new Error(`registering "${requestedName}" failed: ${JSON.stringify(message)}`);
    }
    if (message.type === 'rejectusername') {
      assigned = message.name;
      continue;
    }
    // A rejectusername that arrived in the same read as this list still decides the name.
    const late = client.inbox.take('rejectusername');
    if (late.length > 0) assigned = late.at(-1).name;
    if (message.users.includes(assigned)) {
      client.registeredUserlist = message.users;
      return assigned;
    }
  }
}

/** Orders strings by Unicode code point, the order the server's user lists promise. */
export function compareCodePoints(a, b) {
  const left = [...a];
  const right = [...b];
  for (let i = 0; i < Math.min(left.length, right.length); i += 1) {
    const difference = left[i].codePointAt(0) - right[i].codePointAt(0);
    if (difference !== 0) return difference;
  }
  return left.length - right.length;
}

/**
 * Waits until the client's newest `userlist` equals `expectedNames` (given in any order; the
 * server's must be sorted). Presence is coalesced, so lists may skip intermediate states, and
 * lists arrive in order, so the newest one is the client's current view: queued lists are
 * claimed first, and a list that was already claimed (e.g. by register()) counts if it is
 * still the newest.
 */
export async function waitForUserlist(client, expectedNames, { timeoutMs = WAIT_MS } = {}) {
  const expected = [...expectedNames].sort(compareCodePoints);
  const deadline = Date.now() + timeoutMs;
  const check = (users) => {
    const sameNames = isDeepStrictEqual([...(users ?? [])].sort(compareCodePoints), expected);
    assert.ok(
      !sameNames || isDeepStrictEqual(users, expected),
      `userlist not sorted by code point: ${JSON.stringify(users)}`,
    );
    return sameNames;
  };
  client.inbox.take('userlist').forEach((list) => check(list.users));
  if (check(client.latestUserlist)) return;
  for (;;) {
    let message;
    try {
      message = await client.next('userlist', { timeoutMs: Math.max(1, deadline - Date.now()) });
    } catch (error) {
      throw new Error(
        `${client.label} never got userlist ${JSON.stringify(expected)}; ` +
          `newest one: ${JSON.stringify(client.latestUserlist)}\n${error.message}`,
      );
    }
    if (check(message.users)) return;
  }
}

let chatCounter = 0;
/** Sends a chat message and waits for the server to echo it back: proves the link still works. */
// Short by default so it also fits servers started with a small --max-chat-length.
export async function expectChatRoundTrip(client, text = `ok${(chatCounter += 1)}`) {
  client.send({ type: 'message', text });
  const echo = await client.next((m) => m.type === 'message' && m.text === text);
  assert.equal(echo.name, client.name, 'chat echo carries the sender name');
  return echo;
}

/** Waits for the next `error` and checks its code (and that it has a human-readable message). */
export async function expectError(client, code, options) {
  const error = await client.next('error', options);
  assert.equal(error.code, code, `expected error "${code}", got ${JSON.stringify(error)}`);
  assert.equal(typeof error.message, 'string', `error without a message: ${JSON.stringify(error)}`);
  return error;
}

let roomCounter = 0;
/** A room name no other test uses, so presence in one test never leaks into another. */
export function uniqueRoom(prefix = 'room') {
  roomCounter += 1;
  return `${prefix}-${process.pid}-${roomCounter}`;
}

/** The WebSocket URL of `room` on `server`. */
export function roomUrl(server, room) {
  return `${server.url}/?room=${room}`;
}
