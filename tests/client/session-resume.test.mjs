// The resume bookkeeping on its own (web/js/session-resume.js): counting, keeping, what to send
// again. signaling.test.mjs drives it through the transport.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SessionResume, Watchdog } from '../../web/js/session-resume.js';
import { FakeTimers } from './fakes.mjs';

function session(options) {
  const s = new SessionResume(options);
  s.begin({ type: 'id', id: 1, resume: 'tok' });
  s.count('id');
  return s;
}

const texts = (messages) => messages.map((m) => m.text ?? m.type);

test('counts every server message but resumed and ping, from the id on', () => {
  const s = session();
  for (const type of ['config', 'userlist', 'message', 'error', 'rejectusername', undefined]) {
    s.count(type);
  }
  s.count('ping');
  s.count('resumed');
  assert.equal(s.received, 7, 'id + 5 typed + one that did not parse');
  s.begin({ type: 'id', id: 2, resume: 'new' });
  assert.equal(s.received, 0, 'a new session starts over');
  assert.equal(s.token, 'new');
});

test('keeps what was sent but pongs; a ping forgets what the server processed', () => {
  const s = session();
  for (const text of ['a', 'b', 'c']) s.sent({ type: 'message', text });
  s.sent({ type: 'pong', received: 1 });
  assert.equal(s.sentCount, 3);
  assert.deepEqual(s.ping(2), { type: 'pong', received: 1 });
  assert.equal(s.keptCount, 1);
  assert.equal(s.sentCount, 3, 'forgotten ones still count');
  assert.deepEqual(texts(s.unprocessed(2)), ['c']);
  assert.deepEqual(texts(s.unprocessed(2)), ['c'], 'still kept after a resend');
  assert.deepEqual(texts(s.unprocessed(3)), []);
});

test('a processed count outside what was sent forgets nothing or everything, never more', () => {
  const s = session();
  for (const text of ['a', 'b']) s.sent({ type: 'message', text });
  s.processed('x');
  s.processed(-4);
  assert.equal(s.keptCount, 2);
  s.processed(1);
  s.processed(0); // older than what is forgotten: nothing comes back
  assert.deepEqual(texts(s.unprocessed(1)), ['b']);
  assert.deepEqual(texts(s.unprocessed(99)), []);
  assert.equal(s.sentCount, 2);
});

test('keeps at most maxKept, forgetting the oldest', () => {
  const s = session({ maxKept: 3 });
  for (const text of ['a', 'b', 'c', 'd', 'e']) s.sent({ type: 'message', text });
  assert.equal(s.keptCount, 3);
  assert.equal(s.sentCount, 5);
  assert.deepEqual(texts(s.unprocessed(2)), ['c', 'd', 'e']);
});

test('without a token (no resume offered) nothing is kept, the URL is as given', () => {
  const s = new SessionResume();
  s.begin({ type: 'id', id: 1 });
  s.sent({ type: 'message', text: 'a' });
  assert.equal(s.keptCount, 0);
  assert.equal(s.url('ws://h/?room=r'), 'ws://h/?room=r');
  assert.deepEqual(s.username('ana'), { type: 'username', name: 'ana' });
  s.configure({ type: 'config', heartbeatInterval: 15 });
  assert.equal(s.heartbeatMs, 0, 'heartbeat is only asked for with resume');
});

test('with a token: capabilities, heartbeat, and a resume URL with or without a query', () => {
  const s = session();
  assert.deepEqual(s.username('ana'), {
    type: 'username',
    name: 'ana',
    capabilities: ['resume', 'heartbeat'],
  });
  s.configure({ type: 'config', heartbeatInterval: 15, resumeGrace: 30 });
  assert.equal(s.heartbeatMs, 15_000);
  s.configure({ type: 'config' });
  assert.equal(s.heartbeatMs, 0, 'no interval: no heartbeat');
  assert.equal(s.url('ws://h/?room=r'), 'ws://h/?room=r&resume=tok&last=1');
  assert.equal(s.url('ws://h/'), 'ws://h/?resume=tok&last=1');
  s.end();
  assert.equal(s.url('ws://h/'), 'ws://h/');
  assert.equal(s.received, 0);
});

test('Watchdog: fires once after the silence, restarts on demand, never for 0', () => {
  const timers = new FakeTimers();
  const dog = new Watchdog(timers);
  let fired = 0;
  dog.restart(100, () => (fired += 1));
  timers.advance(99);
  dog.restart(100, () => (fired += 1));
  timers.advance(99);
  assert.equal(fired, 0, 'restarted before it fired');
  timers.advance(1);
  assert.equal(fired, 1);
  timers.advance(1000);
  assert.equal(fired, 1, 'once');
  dog.restart(0, () => (fired += 1));
  dog.restart(100, () => (fired += 1));
  dog.stop();
  timers.advance(1000);
  assert.equal(fired, 1);
  assert.equal(timers.pendingCount, 0);
});
