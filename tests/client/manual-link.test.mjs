import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualLink, decodeDescription, encodeDescription } from '../../web/js/manual-link.js';
import { Negotiator } from '../../web/js/negotiation.js';
import {
  FakePeerConnection,
  FakeStream,
  FakeTrack,
  FakeTimers,
  linkChannels,
  settle,
} from './fakes.mjs';

function side(timers = new FakeTimers(), pcOptions = {}) {
  const errors = [];
  const link = new ManualLink({
    createPeerConnection: (config) => Object.assign(new FakePeerConnection(config), pcOptions),
    createNegotiator: (options) => new Negotiator(options),
    getMedia: async () => ({
      stream: new FakeStream([new FakeTrack('audio'), new FakeTrack('video')]),
      notice: null,
    }),
    timers,
  });
  link.on('error', (err) => errors.push(err.message));
  return { link, errors, timers };
}

/** A offers, B answers, A applies: the whole copy-and-paste exchange. */
async function connect() {
  const a = side();
  const b = side();
  const offer = await a.link.createOffer();
  const answer = await b.link.acceptOffer(offer);
  await a.link.applyAnswer(answer);
  linkChannels(a.link.pc, b.link.pc);
  await settle();
  return { a, b, offer, answer };
}

test('the pasted texts carry complete descriptions: no trickle needed', async () => {
  const { a, b, offer, answer } = await connect();
  assert.equal(JSON.parse(offer).type, 'offer');
  assert.match(JSON.parse(offer).sdp, /m=application/);
  assert.match(JSON.parse(offer).sdp, /a=c-\d+-offer/, 'gathered candidates are inside');
  assert.equal(JSON.parse(answer).type, 'answer');
  assert.equal(a.link.pc.signalingState, 'stable');
  assert.equal(b.link.pc.signalingState, 'stable');
  assert.deepEqual(a.link.pc.config, { iceServers: [] });
  assert.deepEqual(b.link.pc.channels[0].options, { negotiated: true, id: 0 });
  assert.equal(a.link.negotiator.polite, false);
  assert.equal(b.link.negotiator.polite, true);
});

test('chat goes over the data channel both ways', async () => {
  const { a, b } = await connect();
  const heard = [];
  b.link.on('chat', (c) => heard.push(['b', c.text, c.self]));
  a.link.on('chat', (c) => heard.push(['a', c.text, c.self]));
  assert.equal(a.link.sendChat('hi B'), true);
  assert.equal(b.link.sendChat('<i>hi A</i>'), true);
  await settle();
  assert.deepEqual(heard.sort(), [
    ['a', '<i>hi A</i>', false],
    ['a', 'hi B', true],
    ['b', '<i>hi A</i>', true],
    ['b', 'hi B', false],
  ]);
});

test('adding video on both sides at once renegotiates over the channel and settles', async () => {
  const { a, b } = await connect();
  await Promise.all([a.link.addVideo(), b.link.addVideo()]);
  await settle(60);
  assert.deepEqual(a.errors, []);
  assert.deepEqual(b.errors, []);
  assert.equal(a.link.pc.signalingState, 'stable');
  assert.equal(b.link.pc.signalingState, 'stable');
  assert.equal(a.link.pc.senders.length, 2);
  assert.equal(b.link.pc.senders.length, 2);
  const overChannel = a.link.channel.sent.filter((m) => m.type === 'description');
  assert.ok(overChannel.length >= 1, 'descriptions went over the data channel');
});

test('wrong pastes are refused with a clear message', async () => {
  assert.throws(() => decodeDescription('hello', 'offer'), /not a pasted offer/);
  assert.throws(
    () => decodeDescription(encodeDescription({ type: 'answer', sdp: 'x' }), 'offer'),
    /not an offer \(it says "answer"\)/,
  );
  const a = side();
  await assert.rejects(a.link.applyAnswer('{}'), /Create an offer first/);
  assert.equal(a.link.sendChat('too early'), false);
  await assert.rejects(a.link.addVideo(), /Connect first/);
});

test('gathering that never completes is cut short by the timeout', async () => {
  const a = side(new FakeTimers(), { stallGathering: true });
  let done = false;
  const pending = a.link.createOffer().then((offer) => {
    done = true;
    return offer;
  });
  await settle();
  assert.equal(done, false, 'still waiting for gathering');
  a.timers.advance(5000);
  const offer = JSON.parse(await pending);
  assert.equal(offer.type, 'offer');
  assert.match(offer.sdp, /a=c-\d+-offer/, 'the candidates gathered so far are included');
});
