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
