import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  Signaling,
  SignalingState,
  backoffDelay,
  signalingUrl,
  nameProblem,
  tokenSubject,
} from '../../web/js/signaling.js';
import { FakeWebSocket, FakeTimers } from './fakes.mjs';

let timers;
beforeEach(() => {
  FakeWebSocket.all = [];
  timers = new FakeTimers();
});

function make(options = {}) {
  return new Signaling({
    url: 'ws://127.0.0.1:8080/?room=lobby',
    WebSocketImpl: FakeWebSocket,
    timers,
    random: () => 0.5, // no jitter: exact delays
    ...options,
  });
}

/** Opens the current socket and plays the server's greeting up to a confirmed name. */
function register(sig, name = 'ana', { config = [] } = {}) {
  const ws = FakeWebSocket.last();
  ws.serverOpen();
  ws.serverSend({ type: 'id', id: 7 });
  ws.serverSend({ type: 'config', iceServers: config });
  ws.serverSend({ type: 'userlist', users: [name, 'bob'] });
  return ws;
}

test('url: same origin, ws or wss by page scheme, room from the page URL', () => {
  assert.equal(
    signalingUrl({ protocol: 'http:', host: '127.0.0.1:8080', search: '?room=team%201' }),
    'ws://127.0.0.1:8080/?room=team%201',
  );
  assert.equal(
    signalingUrl({ protocol: 'https:', host: 'sb.example', search: '' }),
    'wss://sb.example/',
  );
});

test('url: a login token from the page (or a renewed one) rides on the WebSocket URL', () => {
  const page = { protocol: 'https:', host: 'sb.example', search: '?room=lobby&token=a.b%2Bc' };
  assert.equal(signalingUrl(page), 'wss://sb.example/?room=lobby&token=a.b%2Bc');
  assert.equal(signalingUrl(page, { token: 'new.tok' }), 'wss://sb.example/?room=lobby&token=new.tok');
  assert.equal(
    signalingUrl({ protocol: 'http:', host: 'h', search: '?token=t' }),
    'ws://h/?token=t',
  );
});

test("tokenSubject reads a JWT's sub (unverified: only to fill in the form)", () => {
  const part = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  assert.equal(tokenSubject(`${part({ alg: 'HS256' })}.${part({ sub: 'Zoë' })}.sig`), 'Zoë');
  assert.equal(tokenSubject(`${part({ alg: 'HS256' })}.${part({ room: '*' })}.sig`), null);
  assert.equal(tokenSubject('garbage'), null);
});

test('token-expiring is announced; renewToken sends the token now and reconnects with it', () => {
  const sig = make();
  const expiring = [];
  sig.on('token-expiring', (e) => expiring.push(e));
  sig.connect('ana');
  const ws = register(sig);
  ws.serverSend({ type: 'token-expiring', expires_in: 42 });
  assert.deepEqual(expiring, [{ expiresIn: 42 }]);
  assert.equal(sig.renewToken('fresh', 'ws://127.0.0.1:8080/?room=lobby&token=fresh'), true);
  assert.deepEqual(ws.sent.at(-1), { type: 'token', token: 'fresh' });
  ws.serverClose(1006);
  timers.advance(10_000);
  assert.equal(FakeWebSocket.last().url, 'ws://127.0.0.1:8080/?room=lobby&token=fresh');
});

test('name-not-allowed and name-in-use (a token grants one name) fail the login', () => {
  for (const code of ['name-not-allowed', 'name-in-use']) {
    const sig = make();
    const failures = [];
    sig.on('register-failed', (e) => failures.push(e.code));
    sig.connect('bob');
    const ws = FakeWebSocket.last();
    ws.serverOpen();
    ws.serverSend({ type: 'id', id: 1 });
    ws.serverSend({ type: 'error', code, request: 'username' });
    assert.deepEqual(failures, [code]);
  }
});

test('backoff doubles from the base, is capped, and jitters by ±25%', () => {
  const mid = { baseMs: 500, capMs: 8000, random: () => 0.5 };
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5, 10].map((a) => backoffDelay(a, mid)),
    [500, 1000, 2000, 4000, 8000, 8000, 8000],
  );
  assert.equal(backoffDelay(0, { ...mid, random: () => 0 }), 375);
  assert.equal(backoffDelay(1, { ...mid, random: () => 0.999999 }), 1250);
  assert.ok(
    backoffDelay(50, { ...mid, random: () => 0.999999 }) <= 8000,
    'jitter never passes the cap',
  );
});

test('name rules mirror the server', () => {
  assert.equal(nameProblem('ana'), null);
  assert.equal(nameProblem('Ünïcode ok'), null);
  assert.match(nameProblem(''), /Enter/);
  assert.match(nameProblem(' ana'), /spaces/);
  assert.match(nameProblem('a'.repeat(33)), /32/);
  assert.match(nameProblem('<b>'), /Not allowed/);
  assert.match(nameProblem('a\u0007'), /Not allowed/);
});

test('sends username after id, remembers config, registers on the user list', () => {
  const sig = make();
  const states = [];
  const registered = [];
  sig.on('state', (s) => states.push(s));
  sig.on('registered', (r) => registered.push(r));
  sig.connect('ana');
  const ice = [{ urls: 'stun:127.0.0.1:3478' }];
  const ws = register(sig, 'ana', { config: ice });
  assert.equal(ws.url, 'ws://127.0.0.1:8080/?room=lobby');
  assert.deepEqual(ws.sent, [{ type: 'username', name: 'ana' }]);
  assert.deepEqual(sig.iceServers, ice);
  assert.deepEqual(states, ['connecting', 'open', 'registered']);
  assert.deepEqual(registered, [{ name: 'ana', requested: null }]);
  assert.equal(sig.name, 'ana');
});

test('a taken name: the server-assigned name is adopted and reported', () => {
  const sig = make();
  const registered = [];
  sig.on('registered', (r) => registered.push(r));
  sig.connect('ana');
  const ws = FakeWebSocket.last();
  ws.serverOpen();
  ws.serverSend({ type: 'id', id: 1 });
  ws.serverSend({ type: 'rejectusername', name: 'ana1', requested: 'ana' });
  assert.equal(sig.name, 'ana1');
  assert.deepEqual(registered, [{ name: 'ana1', requested: 'ana' }]);
});

test('a refused name: register-failed, and connect() retries on the same socket', () => {
  const sig = make();
  const failures = [];
  sig.on('register-failed', (e) => failures.push(e.code));
  sig.connect('a<b');
  const ws = FakeWebSocket.last();
  ws.serverOpen();
  ws.serverSend({ type: 'id', id: 1 });
  ws.serverSend({ type: 'error', code: 'name-invalid', message: 'x', request: 'username' });
  assert.deepEqual(failures, ['name-invalid']);
  assert.equal(sig.state, SignalingState.OPEN);
  sig.connect('ab');
  assert.deepEqual(ws.sent.at(-1), { type: 'username', name: 'ab' });
  assert.equal(FakeWebSocket.all.length, 1);
});

test('a name that imitates another (name-confusable) is a registration failure too', () => {
  const sig = make();
  const failures = [];
  sig.on('register-failed', (e) => failures.push(e.code));
  sig.connect('\u0430na');
  const ws = FakeWebSocket.last();
  ws.serverOpen();
  ws.serverSend({ type: 'id', id: 1 });
  ws.serverSend({ type: 'error', code: 'name-confusable', message: 'x', request: 'username' });
  assert.deepEqual(failures, ['name-confusable']);
  assert.equal(sig.state, SignalingState.OPEN);
});

test('every server message is delivered as a "message" event', () => {
  const sig = make();
  const seen = [];
  sig.on('message', (m) => seen.push(m.type));
  sig.connect('ana');
  const ws = register(sig);
  ws.serverSend({ type: 'video-offer', name: 'bob', sdp: {} });
  ws.serverSend('not json');
  ws.serverSend({ no: 'type' });
  assert.deepEqual(seen, ['id', 'config', 'userlist', 'video-offer']);
});

test('while not registered, send() queues and flushes in order after registering', () => {
  const sig = make();
  sig.connect('ana');
  assert.equal(sig.send({ type: 'message', text: 'one' }), 'queued');
  assert.equal(sig.send({ type: 'message', text: 'two' }), 'queued');
  assert.equal(sig.queued, 2);
  const ws = register(sig);
  assert.deepEqual(
    ws.sent.map((m) => m.text ?? m.type),
    ['username', 'one', 'two'],
  );
  assert.equal(sig.send({ type: 'message', text: 'three' }), 'sent');
  assert.equal(sig.queued, 0);
});

test('a full queue refuses and reports, never drops silently', () => {
  const sig = make({ maxQueue: 2 });
  const dropped = [];
  sig.on('dropped', (msg, why) => dropped.push([msg.text, why]));
  sig.connect('ana');
  sig.send({ type: 'message', text: 'a' });
  sig.send({ type: 'message', text: 'b' });
  assert.equal(sig.send({ type: 'message', text: 'c' }), 'dropped');
  assert.deepEqual(dropped, [['c', 'queue-full']]);
});

test('reconnects with capped exponential backoff and re-registers the same name', () => {
  const sig = make({ baseDelayMs: 100, maxDelayMs: 400 });
  sig.on('state', () => {});
  sig.connect('ana');
  register(sig);
  FakeWebSocket.last().serverClose(1006);
  assert.equal(sig.state, SignalingState.RECONNECTING);
  const delays = [];
  for (let i = 0; i < 4; i += 1) {
    delays.push(sig.retryInMs);
    const before = FakeWebSocket.all.length;
    timers.advance(sig.retryInMs - 1);
    assert.equal(FakeWebSocket.all.length, before, 'not before the delay');
    timers.advance(1);
    assert.equal(FakeWebSocket.all.length, before + 1);
    FakeWebSocket.last().serverClose(1006); // the server is still down
  }
  assert.deepEqual(delays, [100, 200, 400, 400]);
  timers.advance(sig.retryInMs);
  const ws = register(sig, 'ana');
  assert.deepEqual(ws.sent, [{ type: 'username', name: 'ana' }]);
  assert.equal(sig.state, SignalingState.REGISTERED);
  assert.equal(sig.attempt, 0, 'backoff resets after a registration');
});

test('a 1012 close (server restarting) brings the client back at once, only jittered; a failure then backs off', () => {
  // A backoff base far above the restart jitter: the two cannot be mistaken for each other.
  const sig = make({ baseDelayMs: 4000, maxDelayMs: 8000, restartJitterMs: 1000 });
  sig.connect('ana');
  register(sig);
  FakeWebSocket.last().serverClose(1012);
  assert.equal(sig.state, SignalingState.RECONNECTING);
  assert.equal(sig.retryInMs, 500, 'jitter only: random 0.5 of 1,000 ms');
  const before = FakeWebSocket.all.length;
  timers.advance(499);
  assert.equal(FakeWebSocket.all.length, before, 'not before the jitter');
  timers.advance(1);
  assert.equal(FakeWebSocket.all.length, before + 1);
  // The restarted server (or another node) is not there yet: from here, the usual backoff.
  FakeWebSocket.last().serverClose(1006);
  assert.equal(sig.retryInMs, 4000);
  timers.advance(4000);
  const ws = register(sig, 'ana');
  assert.deepEqual(ws.sent, [{ type: 'username', name: 'ana' }], 'the same name again');
  // Any other close keeps the backoff (1001: the server went away for good, maybe).
  ws.serverClose(1001);
  assert.equal(sig.retryInMs, 4000);
});

test('cluster-unavailable on username: asked again on the same socket, backing off', () => {
  const sig = make({ baseDelayMs: 500, maxDelayMs: 8000 });
  const failures = [];
  sig.on('register-failed', (e) => failures.push(e.code));
  sig.connect('ana');
  const ws = FakeWebSocket.last();
  ws.serverOpen();
  ws.serverSend({ type: 'id', id: 1 });
  assert.deepEqual(ws.sent, [{ type: 'username', name: 'ana' }]);
  ws.serverSend({ type: 'error', code: 'cluster-unavailable', message: 'x', request: 'username' });
  assert.deepEqual(failures, [], 'not a refused name');
  assert.equal(sig.retryInMs, 500);
  timers.advance(499);
  assert.equal(ws.sent.length, 1, 'not before the delay');
  timers.advance(1);
  assert.deepEqual(ws.sent.at(-1), { type: 'username', name: 'ana' });
  ws.serverSend({ type: 'error', code: 'cluster-unavailable', message: 'x', request: 'username' });
  assert.equal(sig.retryInMs, 1000, 'backing off');
  timers.advance(1000);
  ws.serverSend({ type: 'userlist', users: ['ana'] });
  assert.equal(sig.state, SignalingState.REGISTERED);
  assert.equal(FakeWebSocket.all.length, 1, 'the same socket throughout');
});

test('after a rejectusername, reconnects re-register the assigned name', () => {
  const sig = make();
  sig.connect('ana');
  const ws = FakeWebSocket.last();
  ws.serverOpen();
  ws.serverSend({ type: 'id', id: 1 });
  ws.serverSend({ type: 'rejectusername', name: 'ana1', requested: 'ana' });
  ws.serverClose(1001);
  timers.advance(sig.retryInMs);
  const again = FakeWebSocket.last();
  again.serverOpen();
  again.serverSend({ type: 'id', id: 2 });
  assert.deepEqual(again.sent, [{ type: 'username', name: 'ana1' }]);
});

test('messages sent while the server is down go out after the reconnect', () => {
  const sig = make();
  sig.connect('ana');
  register(sig);
  FakeWebSocket.last().serverClose(1006);
  assert.equal(sig.send({ type: 'hang-up', target: 'bob' }), 'queued');
  timers.advance(sig.retryInMs);
  const ws = register(sig);
  assert.deepEqual(ws.sent, [
    { type: 'username', name: 'ana' },
    { type: 'hang-up', target: 'bob' },
  ]);
});

test('reconnectNow skips the wait; close stops retrying and reports the queue', () => {
  const sig = make();
  const dropped = [];
  sig.on('dropped', (m, why) => dropped.push(why));
  sig.connect('ana');
  register(sig);
  FakeWebSocket.last().serverClose(1006);
  sig.reconnectNow();
  assert.equal(FakeWebSocket.all.length, 2);
  assert.equal(sig.state, SignalingState.CONNECTING);
  sig.send({ type: 'message', text: 'x' });
  sig.close();
  assert.equal(sig.state, SignalingState.CLOSED);
  assert.deepEqual(dropped, ['closed']);
  timers.advance(60_000);
  assert.equal(FakeWebSocket.all.length, 2);
  assert.equal(sig.send({ type: 'message', text: 'y' }), 'dropped');
});

// ---- resume and heartbeat (docs/protocol.md "Resume", "Heartbeat") ------------------------

const HEARTBEAT_S = 15;
const CAPABILITIES = ['resume', 'heartbeat'];

/** Like register(), from a server that offers resume and heartbeat: 3 server messages. */
function registerResumable(sig, name = 'ana', { token = 'tok1', heartbeat = HEARTBEAT_S } = {}) {
  const ws = FakeWebSocket.last();
  ws.serverOpen();
  ws.serverSend({ type: 'id', id: 7, resume: token });
  const config = { type: 'config', iceServers: [], resumeGrace: 30 };
  if (heartbeat) config.heartbeatInterval = heartbeat;
  ws.serverSend(config);
  ws.serverSend({ type: 'userlist', users: [name, 'bob'] });
  return ws;
}

/** Records every event of `sig` as [type, ...args]. */
function recordEvents(sig) {
  const events = [];
  const types = ['state', 'registered', 'resumed', 'session-lost', 'disconnected', 'dropped'];
  for (const type of types) sig.on(type, (...args) => events.push([type, ...args]));
  return events;
}

const params = (ws) => Object.fromEntries(new URL(ws.url).searchParams);
const texts = (messages) => messages.map((m) => m.text ?? m.type);

/** Drops `ws` (no goodbye) and runs the quick retry: returns the new socket, opened. */
function dropAndReconnect(sig, ws, code = 1006) {
  ws.serverClose(code);
  timers.advance(sig.retryInMs);
  const again = FakeWebSocket.last();
  assert.notEqual(again, ws, 'a new socket');
  again.serverOpen();
  return again;
}

test('resume offered: the username asks for resume and heartbeat', () => {
  const sig = make();
  sig.connect('ana');
  const ws = registerResumable(sig);
  assert.deepEqual(ws.sent, [{ type: 'username', name: 'ana', capabilities: CAPABILITIES }]);
  assert.equal(sig.state, SignalingState.REGISTERED);
});

test('a server without resume: no capabilities, no resume on reconnect, usual backoff', () => {
  const sig = make({ baseDelayMs: 500 });
  sig.connect('ana');
  const ws = register(sig);
  ws.serverSend({ type: 'ping', received: 1 }); // not offered: just another message
  assert.deepEqual(ws.sent, [{ type: 'username', name: 'ana' }]);
  ws.serverClose(1006);
  assert.equal(sig.retryInMs, 500, 'the usual backoff, no quick retry');
  assert.equal(sig.resuming, false);
  timers.advance(500);
  assert.equal(FakeWebSocket.last().url, 'ws://127.0.0.1:8080/?room=lobby');
  const again = register(sig);
  assert.deepEqual(again.sent, [{ type: 'username', name: 'ana' }]);
});

test('counting: every server message but resumed and ping, from the id on, goes into last=', () => {
  const sig = make();
  sig.connect('ana');
  const ws = registerResumable(sig); // id, config, userlist: 3
  ws.serverSend({ type: 'ping', received: 1 }); // not counted
  ws.serverSend({ type: 'message', name: 'bob', text: 'hi' }); // 4
  ws.serverSend({ type: 'error', code: 'unknown-target', target: 'cy' }); // 5
  ws.serverSend('not json'); // 6: the server counted it when it sent it
  ws.serverSend({ type: 'video-offer', name: 'bob', sdp: {} }); // 7
  const again = dropAndReconnect(sig, ws);
  assert.deepEqual(params(again), { room: 'lobby', resume: 'tok1', last: '7' });
  again.serverSend({ type: 'resumed', received: 1 }); // not counted
  again.serverSend({ type: 'message', name: 'bob', text: 'missed' }); // 8: the replay counts
  const third = dropAndReconnect(sig, again);
  assert.equal(params(third).last, '8');
});

test('the resume URL joins a URL without a query with ?', () => {
  const sig = make({ url: 'ws://127.0.0.1:8080/' });
  sig.connect('ana');
  const ws = registerResumable(sig, 'ana', { token: 'Ab-_9' });
  const again = dropAndReconnect(sig, ws);
  assert.equal(again.url, 'ws://127.0.0.1:8080/?resume=Ab-_9&last=3');
});

test('a dropped session comes back at once (jitter only); a failed try backs off', () => {
  const sig = make({ baseDelayMs: 4000, maxDelayMs: 8000, resumeJitterMs: 250 });
  sig.connect('ana');
  const ws = registerResumable(sig);
  ws.serverClose(1006);
  assert.equal(sig.retryInMs, 125, 'random 0.5 of 250 ms');
  assert.equal(sig.resuming, true);
  const before = FakeWebSocket.all.length;
  timers.advance(124);
  assert.equal(FakeWebSocket.all.length, before);
  timers.advance(1);
  assert.equal(FakeWebSocket.all.length, before + 1);
  assert.equal(params(FakeWebSocket.last()).resume, 'tok1');
  FakeWebSocket.last().serverClose(1006); // the network is not back yet
  assert.equal(sig.retryInMs, 4000, 'backoff from the base');
  assert.equal(sig.resuming, false);
  timers.advance(4000);
  assert.equal(params(FakeWebSocket.last()).resume, 'tok1', 'still trying to resume');
  FakeWebSocket.last().serverClose(1006);
  assert.equal(sig.retryInMs, 8000);
});

test('resumed: same name, no username, the unprocessed messages again, then the queue', () => {
  const sig = make();
  sig.connect('ana');
  const ws = registerResumable(sig);
  for (const text of ['m1', 'm2', 'm3', 'm4']) {
    assert.equal(sig.send({ type: 'message', text }), 'sent');
  }
  // The client messages so far: username, m1..m4. The server processed 3 of them.
  const events = recordEvents(sig);
  ws.serverClose(1006);
  assert.equal(sig.send({ type: 'message', text: 'away1' }), 'queued');
  timers.advance(sig.retryInMs);
  assert.equal(sig.send({ type: 'message', text: 'away2' }), 'queued');
  const again = FakeWebSocket.last();
  again.serverOpen();
  assert.deepEqual(again.sent, [], 'nothing before resumed');
  again.serverSend({ type: 'resumed', received: 3 });
  assert.deepEqual(texts(again.sent), ['m3', 'm4', 'away1', 'away2']);
  assert.equal(sig.state, SignalingState.REGISTERED);
  assert.equal(sig.name, 'ana');
  assert.equal(sig.resumes, 1);
  assert.equal(sig.resuming, false);
  assert.equal(sig.queued, 0);
  assert.deepEqual(
    events.filter(([type]) => type !== 'state'),
    [
      ['disconnected', { code: 1006, reason: '' }],
      ['resumed', { name: 'ana' }],
    ],
    'no registered, no session-lost',
  );
  assert.deepEqual(
    events.filter(([type]) => type === 'state').map(([, s]) => s),
    ['reconnecting', 'connecting', 'open', 'registered'],
  );
  // Messages from now on go straight out; the replay is delivered like any message.
  const seen = [];
  sig.on('message', (m) => seen.push(m.text ?? m.type));
  again.serverSend({ type: 'message', name: 'bob', text: 'missed' });
  assert.deepEqual(seen, ['missed'], 'resumed itself is not a message event');
  assert.equal(sig.send({ type: 'message', text: 'live' }), 'sent');
  assert.deepEqual(texts(again.sent).at(-1), 'live');
});

test('what was sent again or queued stays kept, under its number, for the next drop', () => {
  const sig = make();
  sig.connect('ana');
  const ws = registerResumable(sig);
  sig.send({ type: 'message', text: 'm1' }); // 2
  ws.serverClose(1006);
  sig.send({ type: 'message', text: 'q1' }); // 3, once it goes out
  timers.advance(sig.retryInMs);
  const second = FakeWebSocket.last();
  second.serverOpen();
  second.serverSend({ type: 'resumed', received: 1 });
  assert.deepEqual(texts(second.sent), ['m1', 'q1']);
  sig.send({ type: 'message', text: 'm4' }); // 4
  // Dropped again before the server got any of it: all three, once each, in order.
  const third = dropAndReconnect(sig, second);
  third.serverSend({ type: 'resumed', received: 1 });
  assert.deepEqual(texts(third.sent), ['m1', 'q1', 'm4']);
  // And a resume where the server had everything sends nothing.
  const fourth = dropAndReconnect(sig, third);
  fourth.serverSend({ type: 'resumed', received: 4 });
  assert.deepEqual(fourth.sent, []);
});

test('ping: answered with our count; pongs neither counted nor kept; confirmed not resent', () => {
  const sig = make();
  sig.connect('ana');
  const ws = registerResumable(sig);
  sig.send({ type: 'message', text: 'm1' });
  sig.send({ type: 'message', text: 'm2' });
  ws.serverSend({ type: 'message', name: 'ana', text: 'm1' }); // 4
  ws.serverSend({ type: 'ping', received: 2 });
  assert.deepEqual(ws.sent.at(-1), { type: 'pong', received: 4 });
  ws.serverSend({ type: 'ping', received: 2 });
  assert.deepEqual(ws.sent.at(-1), { type: 'pong', received: 4 }, 'pings are not counted');
  const again = dropAndReconnect(sig, ws);
  assert.equal(params(again).last, '4');
  // The server says 2 (username, m1): m2 again; the pongs were never part of it.
  again.serverSend({ type: 'resumed', received: 2 });
  assert.deepEqual(texts(again.sent), ['m2']);
});

test('ping and resumed are the transport’s own, not message events; unasked, they are', () => {
  const sig = make();
  const seen = [];
  sig.on('message', (m) => seen.push(m.type));
  sig.connect('ana');
  const ws = registerResumable(sig);
  ws.serverSend({ type: 'ping', received: 1 });
  const again = dropAndReconnect(sig, ws);
  again.serverSend({ type: 'resumed', received: 1 });
  assert.deepEqual(seen, ['id', 'config', 'userlist']);
  // A server that offers no resume never sends them: from one, they are a peer's messages.
  const old = make();
  const relayed = [];
  old.on('message', (m) => relayed.push(m.type));
  old.connect('ana');
  const plain = register(old);
  plain.serverSend({ type: 'ping', received: 1, name: 'bob' });
  plain.serverSend({ type: 'resumed', received: 1, name: 'bob' });
  assert.deepEqual(relayed, ['id', 'config', 'userlist', 'ping', 'resumed']);
  assert.deepEqual(plain.sent, [{ type: 'username', name: 'ana' }], 'no pong');
  assert.equal(old.resumes, 0);
});

test('resume-failed: session-lost, registered afresh under the same name, a new count', () => {
  const sig = make();
  sig.connect('ana');
  const ws = registerResumable(sig);
  sig.send({ type: 'message', text: 'old' });
  const events = recordEvents(sig);
  const again = dropAndReconnect(sig, ws);
  sig.send({ type: 'message', text: 'queued' });
  again.serverSend({ type: 'error', code: 'resume-failed', message: 'x' });
  assert.deepEqual(
    events.filter(([type]) => type === 'session-lost'),
    [['session-lost']],
  );
  assert.deepEqual(again.sent, [], 'nothing resent: the old session is over');
  again.serverSend({ type: 'id', id: 8, resume: 'tok2' });
  assert.deepEqual(again.sent, [{ type: 'username', name: 'ana', capabilities: CAPABILITIES }]);
  again.serverSend({ type: 'config', iceServers: [], heartbeatInterval: HEARTBEAT_S });
  again.serverSend({ type: 'userlist', users: ['ana', 'bob'] });
  assert.equal(sig.state, SignalingState.REGISTERED);
  assert.deepEqual(texts(again.sent), ['username', 'queued'], 'the queue follows the registration');
  assert.deepEqual(
    events.filter(([type]) => type === 'registered'),
    [['registered', { name: 'ana', requested: null }]],
  );
  // The new session: its own token, counted from its id (the error is outside), and only its
  // own messages are sent again.
  const third = dropAndReconnect(sig, again);
  assert.deepEqual(params(third), { room: 'lobby', resume: 'tok2', last: '3' });
  third.serverSend({ type: 'resumed', received: 0 });
  assert.deepEqual(third.sent, [
    { type: 'username', name: 'ana', capabilities: CAPABILITIES },
    { type: 'message', text: 'queued' },
  ]);
});

test('resume-failed from a server that no longer offers resume: back to the old behaviour', () => {
  const sig = make();
  sig.connect('ana');
  const ws = registerResumable(sig);
  const again = dropAndReconnect(sig, ws, 1012);
  again.serverSend({ type: 'error', code: 'resume-failed' });
  again.serverSend({ type: 'id', id: 1 });
  assert.deepEqual(again.sent, [{ type: 'username', name: 'ana' }]);
  again.serverSend({ type: 'userlist', users: ['ana'] });
  again.serverClose(1006);
  assert.equal(sig.retryInMs, 500, 'backoff: nothing to resume');
  timers.advance(500);
  assert.equal(FakeWebSocket.last().url, 'ws://127.0.0.1:8080/?room=lobby');
});

test('a 1012 close: back within the restart jitter, asking to resume', () => {
  const sig = make({ restartJitterMs: 1000, resumeJitterMs: 250 });
  sig.connect('ana');
  const ws = registerResumable(sig);
  ws.serverClose(1012);
  assert.equal(sig.retryInMs, 500, 'the restart jitter, not the resume one');
  timers.advance(500);
  assert.deepEqual(params(FakeWebSocket.last()), { room: 'lobby', resume: 'tok1', last: '3' });
});

test('heartbeat: two silent intervals mean dead: closed with 4000, resumed at once', () => {
  const sig = make();
  const events = recordEvents(sig);
  sig.connect('ana');
  const ws = registerResumable(sig);
  sig.send({ type: 'message', text: 'm1' });
  const interval = HEARTBEAT_S * 1000;
  timers.advance(2 * interval - 1);
  ws.serverSend({ type: 'ping', received: 1 }); // alive: the clock starts over
  timers.advance(2 * interval - 1);
  assert.equal(ws.closedWith, undefined, 'not before two silent intervals');
  assert.equal(FakeWebSocket.all.length, 1);
  timers.advance(1);
  assert.equal(ws.closedWith, 4000, 'not 1000/1001, which would end the session');
  assert.equal(FakeWebSocket.all.length, 2, 'a new connection at once');
  assert.deepEqual(params(FakeWebSocket.last()), { room: 'lobby', resume: 'tok1', last: '3' });
  assert.deepEqual(
    events.filter(([type]) => type === 'disconnected'),
    [['disconnected', { code: 4000, reason: 'no heartbeat' }]],
  );
  assert.equal(sig.resuming, true);
  // What the dead socket still delivers or how it ends does not matter any more.
  ws.serverSend({ type: 'message', name: 'bob', text: 'late' });
  ws.serverClose(1006);
  const again = FakeWebSocket.last();
  again.serverOpen();
  again.serverSend({ type: 'resumed', received: 1 });
  assert.deepEqual(texts(again.sent), ['m1']);
  assert.equal(sig.state, SignalingState.REGISTERED);
  assert.equal(FakeWebSocket.all.length, 2);
  // Watched again: the next silence is noticed too.
  timers.advance(2 * interval);
  assert.equal(again.closedWith, 4000);
});

test('heartbeat: no watchdog without an interval, nor before our name is confirmed', () => {
  const sig = make();
  sig.connect('ana');
  const ws = registerResumable(sig, 'ana', { heartbeat: 0 });
  timers.advance(10 * HEARTBEAT_S * 1000);
  assert.equal(ws.closedWith, undefined);
  const other = make();
  other.connect('a<b');
  const pending = FakeWebSocket.last();
  pending.serverOpen();
  pending.serverSend({ type: 'id', id: 2, resume: 'tok' });
  pending.serverSend({ type: 'config', iceServers: [], heartbeatInterval: HEARTBEAT_S });
  pending.serverSend({ type: 'error', code: 'name-invalid', request: 'username' });
  timers.advance(10 * HEARTBEAT_S * 1000);
  assert.equal(pending.closedWith, undefined, 'the login form waits as long as it takes');
});

test('4002 (taken over by a newer connection of ours): no reconnect, the queue reported', () => {
  const sig = make();
  const events = recordEvents(sig);
  sig.connect('ana');
  const ws = registerResumable(sig);
  ws.serverClose(4002);
  assert.equal(sig.state, SignalingState.CLOSED);
  assert.equal(sig.send({ type: 'message', text: 'x' }), 'dropped');
  timers.advance(60_000);
  assert.equal(FakeWebSocket.all.length, 1);
  assert.ok(events.some(([type, info]) => type === 'disconnected' && info.code === 4002));
});

test('close() still says 1000 (the user left) and a later connect() starts a new session', () => {
  const sig = make();
  sig.connect('ana');
  const ws = registerResumable(sig);
  sig.close();
  assert.equal(ws.closedWith, 1000);
  timers.advance(60_000);
  assert.equal(FakeWebSocket.all.length, 1, 'no heartbeat or retry left behind');
  sig.connect('ana');
  assert.equal(FakeWebSocket.last().url, 'ws://127.0.0.1:8080/?room=lobby');
});

test('dropped before our name was confirmed: resumed, and the replayed answer registers us', () => {
  const sig = make();
  const events = recordEvents(sig);
  sig.connect('ana');
  const ws = FakeWebSocket.last();
  ws.serverOpen();
  ws.serverSend({ type: 'id', id: 7, resume: 'tok1' });
  ws.serverSend({ type: 'config', iceServers: [], heartbeatInterval: HEARTBEAT_S });
  sig.send({ type: 'message', text: 'early' }); // queued: not registered yet
  ws.serverClose(1006);
  assert.equal(sig.retryInMs, 500, 'never registered: no quick retry');
  timers.advance(500);
  const again = FakeWebSocket.last();
  assert.equal(params(again).last, '2');
  again.serverOpen();
  again.serverSend({ type: 'resumed', received: 1 }); // the username got there
  assert.deepEqual(again.sent, []);
  assert.equal(sig.state, SignalingState.OPEN, 'still waiting for the answer');
  again.serverSend({ type: 'userlist', users: ['ana', 'bob'] });
  assert.equal(sig.state, SignalingState.REGISTERED);
  assert.deepEqual(texts(again.sent), ['early']);
  assert.ok(events.some(([type]) => type === 'registered'));
});

test('a token renewed while a resume is pending waits for resumed, then goes first', () => {
  const sig = make();
  sig.connect('ana');
  const ws = registerResumable(sig);
  sig.send({ type: 'message', text: 'm1' });
  const again = dropAndReconnect(sig, ws);
  sig.send({ type: 'message', text: 'q1' });
  assert.equal(sig.renewToken('fresh', 'ws://127.0.0.1:8080/?room=lobby&token=fresh'), true);
  assert.deepEqual(again.sent, [], 'nothing may overtake what is to be sent again');
  again.serverSend({ type: 'resumed', received: 1 });
  assert.deepEqual(texts(again.sent), ['m1', 'token', 'q1']);
});

test('a server that ignores ?resume= (a fresh id at once) starts a new session, counted anew', () => {
  const sig = make();
  sig.connect('ana');
  const ws = registerResumable(sig);
  sig.send({ type: 'message', text: 'old' });
  const again = dropAndReconnect(sig, ws);
  again.serverSend({ type: 'id', id: 9, resume: 'tok2' }); // an older node: no resume-failed
  assert.deepEqual(again.sent, [{ type: 'username', name: 'ana', capabilities: CAPABILITIES }]);
  again.serverSend({ type: 'config', iceServers: [] });
  again.serverSend({ type: 'userlist', users: ['ana'] });
  const third = dropAndReconnect(sig, again);
  assert.deepEqual(params(third), { room: 'lobby', resume: 'tok2', last: '3' });
  third.serverSend({ type: 'resumed', received: 0 });
  assert.deepEqual(texts(third.sent), ['username'], 'nothing of the old session');
});

test('a token renewed after a fresh id (resume ignored) goes out at once', () => {
  const sig = make();
  sig.connect('ana');
  const ws = registerResumable(sig);
  const again = dropAndReconnect(sig, ws);
  again.serverSend({ type: 'id', id: 9, resume: 'tok2' });
  sig.renewToken('fresh', 'ws://127.0.0.1:8080/?room=lobby&token=fresh');
  assert.deepEqual(again.sent.at(-1), { type: 'token', token: 'fresh' });
});

test('resume-failed, then a drop before the id: the next connection asks for no resume', () => {
  const sig = make();
  sig.connect('ana');
  const ws = registerResumable(sig);
  const again = dropAndReconnect(sig, ws);
  again.serverSend({ type: 'error', code: 'resume-failed' });
  again.serverClose(1006);
  timers.advance(sig.retryInMs);
  assert.equal(FakeWebSocket.last().url, 'ws://127.0.0.1:8080/?room=lobby');
});
