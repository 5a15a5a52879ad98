// Perfect negotiation's roles: the call decides them (call.js, `polite`) and the session's
// negotiator asks the call instead of keeping a copy of its own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeServer, connectedPair, settle } from './call-harness.mjs';
import { FakeMediaDevices } from './fakes.mjs';

/** Camera and microphone that open only when open() is called. */
class SlowMediaDevices extends FakeMediaDevices {
  #release;
  #gate = new Promise((resolve) => (this.#release = resolve));
  open() {
    this.#release();
  }
  async getUserMedia(constraints) {
    await this.#gate;
    return super.getUserMedia(constraints);
  }
}

/** The role the negotiator of the user's latest session plays right now. */
const negotiatorRole = (user) => user.negotiators.at(-1).negotiator.polite;

test('the callee is polite, the caller not; each negotiator asks its call', async () => {
  const server = new FakeServer();
  const { ana, bob } = await connectedPair(server);
  assert.equal(ana.call.polite, false);
  assert.equal(bob.call.polite, true);
  assert.equal(ana.negotiators.length, 1);
  assert.equal(bob.negotiators.length, 1);
  assert.equal(typeof ana.negotiators[0].options.polite, 'function', 'a question, not a copy');
  assert.equal(negotiatorRole(ana), false);
  assert.equal(negotiatorRole(bob), true);
});

test('both call at once: the name that sorts first turns polite, in its live session', async () => {
  const server = new FakeServer();
  const ana = server.add('ana');
  const bob = server.add('bob');
  await Promise.all([ana.call.start('bob'), bob.call.start('ana')]);
  assert.equal(negotiatorRole(ana), false, 'a caller, until the offers cross');
  await settle(60);
  assert.equal(ana.call.polite, true);
  assert.equal(bob.call.polite, false);
  assert.equal(negotiatorRole(ana), true, 'the session that existed already asks the call');
  assert.equal(negotiatorRole(bob), false);
  assert.equal(ana.negotiators.length, 1, 'no second session for the yield');
  assert.equal(ana.call.state, 'connected');
  assert.equal(bob.call.state, 'connected');
});

test('the offers cross while our camera is still opening: the session starts out polite', async () => {
  const server = new FakeServer();
  const media = new SlowMediaDevices();
  const ana = server.add('ana', { media });
  const bob = server.add('bob');
  const started = ana.call.start('bob');
  await bob.call.start('ana');
  await settle();
  assert.equal(ana.negotiators.length, 0, 'no session yet');
  assert.equal(ana.call.polite, true, 'ana sorts first: she yields');
  assert.equal(ana.call.state, 'connected');
  media.open();
  assert.equal(await started, true);
  assert.equal(ana.negotiators.length, 1);
  assert.equal(negotiatorRole(ana), true);
  await settle(60);
  assert.equal(bob.call.state, 'connected');
  assert.equal(ana.call.pc.signalingState, 'stable');
  assert.equal(bob.call.pc.signalingState, 'stable');
});

test('the role is decided once per call: a new name after a reconnect does not flip it', async () => {
  const server = new FakeServer();
  const ana = server.add('ana');
  const bob = server.add('bob');
  await Promise.all([ana.call.start('bob'), bob.call.start('ana')]);
  await settle(60);
  assert.equal(negotiatorRole(ana), true);
  ana.call.setSelf('zoe'); // the name was taken on a reconnect: zoe sorts after bob
  assert.equal(ana.call.polite, true);
  assert.equal(negotiatorRole(ana), true);
  assert.equal(negotiatorRole(bob), false, 'still exactly one polite side');
});

test('each call decides afresh: the yield of a crossed call does not carry over', async () => {
  const server = new FakeServer();
  const ana = server.add('ana');
  const bob = server.add('bob');
  await Promise.all([ana.call.start('bob'), bob.call.start('ana')]);
  await settle(60);
  assert.equal(ana.call.polite, true);
  ana.call.hangup();
  server.timers.advance(1000);
  await settle();
  server.add('cy');
  await ana.call.start('cy');
  assert.equal(ana.call.polite, false);
  assert.equal(negotiatorRole(ana), false);
  await settle();
  assert.equal(server.users.get('cy').call.polite, true);
});
