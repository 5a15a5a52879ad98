import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Negotiator } from '../../web/js/negotiation.js';
import { FakePeerConnection, FakeTrack, FakeStream, settle } from './fakes.mjs';

/** Two peers whose negotiators talk through an asynchronous, ordered "wire". */
function pair() {
  const errors = [];
  const wire = [];
  const make = (name, polite) => {
    const pc = new FakePeerConnection({});
    const sent = [];
    const side = { name, pc, sent };
    side.neg = new Negotiator({
      pc,
      polite,
      send: (m) => {
        sent.push(m);
        wire.push(m);
        setImmediate(() => other(side).neg.receive(m));
      },
      onError: (err) => errors.push(`${name}: ${err.message}`),
    });
    return side;
  };
  const a = make('impolite', false);
  const b = make('polite', true);
  const other = (side) => (side === a ? b : a);
  return { a, b, errors, wire };
}

const media = () => {
  const stream = new FakeStream([new FakeTrack('video')]);
  return [stream.getTracks()[0], stream];
};

test('a local change makes an offer, the peer answers, both end stable', async () => {
  const { a, b, errors } = pair();
  a.pc.addTrack(...media());
  await settle();
  assert.deepEqual(errors, []);
  assert.equal(a.pc.signalingState, 'stable');
  assert.equal(b.pc.signalingState, 'stable');
  assert.equal(a.neg.stats.offersSent, 1);
  assert.equal(b.neg.stats.answersSent, 1);
  const descriptions = a.sent.filter((m) => m.description).map((m) => m.description.type);
  assert.deepEqual(descriptions, ['offer']);
});

test('both sides change at once: the impolite offer wins, the polite one re-offers after', async () => {
  const { a, b, errors } = pair();
  a.pc.addTrack(...media());
  b.pc.addTrack(...media());
  await settle(40);
  assert.deepEqual(errors, []);
  assert.equal(a.neg.stats.offersIgnored, 1, 'the impolite side ignored the colliding offer');
  assert.equal(b.pc.rollbacks, 1, 'the polite side rolled its offer back');
  assert.equal(b.neg.stats.offersSent, 2, 'and offered again once stable');
  assert.equal(a.pc.signalingState, 'stable');
  assert.equal(b.pc.signalingState, 'stable');
  // Nothing is left to negotiate: no further offers appear.
  const offers = a.neg.stats.offersSent + b.neg.stats.offersSent;
  await settle(20);
  assert.equal(a.neg.stats.offersSent + b.neg.stats.offersSent, offers);
});

test('repeated simultaneous changes never wedge', async () => {
  const { a, b, errors } = pair();
  for (let round = 0; round < 5; round += 1) {
    a.pc.addTrack(...media());
    b.pc.addTrack(...media());
    await settle(3);
  }
  await settle(60);
  assert.deepEqual(errors, []);
  assert.equal(a.pc.signalingState, 'stable');
  assert.equal(b.pc.signalingState, 'stable');
});

test('candidates before the remote description are queued, then applied in order', async () => {
  const pc = new FakePeerConnection({});
  const errors = [];
  const neg = new Negotiator({ pc, polite: true, send: () => {}, onError: (e) => errors.push(e) });
  assert.equal(await neg.receive({ candidate: { candidate: 'c1' } }), 'queued');
  assert.equal(await neg.receive({ candidate: { candidate: 'c2' } }), 'queued');
  assert.deepEqual(pc.remoteCandidates, []);
  await neg.receive({ description: { type: 'offer', sdp: 'remote' } });
  await neg.receive({ candidate: { candidate: 'c3' } });
  assert.deepEqual(
    pc.remoteCandidates.map((c) => c.candidate),
    ['c1', 'c2', 'c3'],
  );
  assert.deepEqual(errors, []);
});

test('beforeAnswer runs after the remote offer is applied and before the answer', async () => {
  const pc = new FakePeerConnection({});
  const order = [];
  const neg = new Negotiator({
    pc,
    polite: true,
    send: (m) => m.description && order.push(`sent ${m.description.type}`),
    beforeAnswer: async (offer) => {
      order.push(`hook ${pc.signalingState} ${offer.sdp}`);
      pc.addTrack(...media()); // a callee adding its tracks here needs no second negotiation
    },
  });
  let nn = 0;
  pc.addEventListener('negotiationneeded', () => (nn += 1));
  await neg.receive({ description: { type: 'offer', sdp: 'o1' } });
  await settle();
  assert.deepEqual(order, ['hook have-remote-offer o1', 'sent answer']);
  assert.equal(nn, 0);
});

test('messages are applied one at a time in arrival order', async () => {
  const pc = new FakePeerConnection({});
  const neg = new Negotiator({ pc, polite: true, send: () => {} });
  // Fired without awaiting: the candidate must wait for the offer that precedes it.
  const results = [
    neg.receive({ description: { type: 'offer', sdp: 'o' } }),
    neg.receive({ candidate: { candidate: 'c' } }),
  ];
  assert.deepEqual(await Promise.all(results), ['offer', 'candidate']);
});

test('a bad message is reported and does not block the ones after it', async () => {
  const pc = new FakePeerConnection({});
  const errors = [];
  const neg = new Negotiator({
    pc,
    polite: true,
    send: () => {},
    onError: (e) => errors.push(e.name),
  });
  assert.equal(await neg.receive({ description: { type: 'answer', sdp: 'unexpected' } }), 'error');
  assert.equal(await neg.receive({ description: { type: 'offer', sdp: 'o' } }), 'offer');
  assert.deepEqual(errors, ['InvalidStateError']);
});

test('close() detaches: no more offers or candidates are sent', async () => {
  const pc = new FakePeerConnection({});
  const sent = [];
  const neg = new Negotiator({ pc, polite: false, send: (m) => sent.push(m) });
  neg.close();
  pc.addTrack(...media());
  await settle();
  assert.deepEqual(sent, []);
  assert.equal(pc.listenerCount('negotiationneeded'), 0);
});

test('a polite function is asked on each collision: the answer may change between them', async () => {
  const pc = new FakePeerConnection({});
  let polite = false;
  const neg = new Negotiator({ pc, polite: () => polite, send: () => {} });
  pc.addTrack(...media()); // our own offer goes out and stays unanswered
  await settle();
  assert.equal(pc.signalingState, 'have-local-offer');
  assert.equal(neg.polite, false);
  assert.equal(await neg.receive({ description: { type: 'offer', sdp: 'r1' } }), 'ignored');
  polite = true; // decided elsewhere (call.js: the calls crossed and we yield)
  assert.equal(neg.polite, true);
  assert.equal(await neg.receive({ description: { type: 'offer', sdp: 'r2' } }), 'offer');
  assert.equal(pc.rollbacks, 1, 'our offer rolled back for theirs');
  assert.equal(neg.stats.offersIgnored, 1);
});
