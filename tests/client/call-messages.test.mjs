import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AGENT,
  CallMessage,
  ChannelMessage,
  EndReason,
  busyMessage,
  candidateMessage,
  chatMessage,
  chatTextOf,
  descriptionMessage,
  fromSwitchboard,
  hangUpMessage,
  hangUpReasonOf,
  helloAckMessage,
  helloMessage,
  isCallMessage,
  isUnknownTarget,
  negotiationOf,
  parseChannelData,
} from '../../web/js/call-messages.js';

/** What the peer gets: the message through JSON, as either route carries it. */
const overTheWire = (msg) => JSON.parse(JSON.stringify(msg));

const offer = { type: 'offer', sdp: 'v=0 offer' };
const answer = { type: 'answer', sdp: 'v=0 answer' };
const candidate = { candidate: 'candidate:1 1 udp 1 127.0.0.1 5000 typ host', sdpMid: '0' };

test('the JSON of every message we build, field order included', () => {
  const json = (msg) => JSON.stringify(msg);
  assert.equal(
    json(descriptionMessage(offer)),
    '{"type":"video-offer","sdp":{"type":"offer","sdp":"v=0 offer"},"agent":"switchboard"}',
  );
  assert.equal(
    json(descriptionMessage(answer)),
    '{"type":"video-answer","sdp":{"type":"answer","sdp":"v=0 answer"},"agent":"switchboard"}',
  );
  assert.equal(
    json(candidateMessage(candidate)),
    `{"type":"new-ice-candidate","candidate":${JSON.stringify(candidate)}}`,
  );
  assert.equal(json(hangUpMessage(EndReason.DECLINED)), '{"type":"hang-up","reason":"declined"}');
  assert.equal(json(busyMessage('cy')), '{"type":"hang-up","target":"cy","reason":"busy"}');
  assert.equal(json(chatMessage('hi')), '{"type":"chat","text":"hi"}');
  assert.equal(json(helloMessage()), '{"type":"dc-hello"}');
  assert.equal(json(helloAckMessage()), '{"type":"dc-hello-ack"}');
});

test('offers, answers and candidates round-trip into what the negotiator takes', () => {
  for (const description of [offer, answer]) {
    const got = overTheWire(descriptionMessage(description));
    assert.deepEqual(negotiationOf(got), { description });
    assert.equal(fromSwitchboard(got), true);
  }
  assert.deepEqual(negotiationOf(overTheWire(candidateMessage(candidate))), { candidate });
  // The MDN client's: no agent; a candidate message without one is the end of candidates.
  assert.equal(fromSwitchboard({ type: CallMessage.OFFER, sdp: offer }), false);
  assert.deepEqual(negotiationOf({ type: CallMessage.CANDIDATE }), { candidate: null });
  // Nothing the negotiator could take: a text sdp, other message types.
  assert.equal(negotiationOf({ type: CallMessage.OFFER, sdp: 'v=0' }), null);
  assert.equal(negotiationOf({ type: CallMessage.ANSWER }), null);
  assert.equal(negotiationOf(chatMessage('hi')), null);
  assert.equal(negotiationOf(hangUpMessage(EndReason.HANGUP)), null);
});

test('hang-up reasons and chat text round-trip; what a peer may send instead is tamed', () => {
  for (const reason of Object.values(EndReason)) {
    assert.equal(hangUpReasonOf(overTheWire(hangUpMessage(reason))), reason);
  }
  assert.equal(hangUpReasonOf(overTheWire(busyMessage('cy'))), EndReason.BUSY);
  assert.equal(hangUpReasonOf({ type: CallMessage.HANG_UP, reason: 'moved' }), 'moved');
  for (const reason of [undefined, null, '', 42]) {
    assert.equal(hangUpReasonOf({ type: CallMessage.HANG_UP, reason }), EndReason.HANGUP);
  }
  assert.equal(chatTextOf(overTheWire(chatMessage('hi there'))), 'hi there');
  assert.equal(chatTextOf(overTheWire(chatMessage(''))), '');
  assert.equal(chatTextOf({ type: CallMessage.CHAT, text: 7 }), null);
  assert.equal(chatTextOf({ type: CallMessage.CHAT }), null);
});

test('data channel text: our messages parse back, anything else is null', () => {
  for (const msg of [helloMessage(), helloAckMessage(), chatMessage('x'), hangUpMessage('busy')]) {
    assert.deepEqual(parseChannelData(JSON.stringify(msg)), msg);
  }
  assert.equal(parseChannelData(JSON.stringify(helloMessage())).type, ChannelMessage.HELLO);
  for (const data of ['garbage', 'null', '42', '"dc-hello"', '[]', '{}', '{"type":1}']) {
    assert.equal(parseChannelData(data), null, data);
  }
});

test('which server messages belong to the call', () => {
  for (const type of Object.values(CallMessage)) assert.equal(isCallMessage({ type }), true);
  for (const type of ['message', 'userlist', 'error', 'dc-hello', 'id', undefined]) {
    assert.equal(isCallMessage({ type }), false, String(type));
  }
  assert.equal(isCallMessage(null), false);
  assert.equal(isUnknownTarget({ type: 'error', code: 'unknown-target', target: 'bob' }), true);
  assert.equal(isUnknownTarget({ type: 'error', code: 'reserved-type' }), false);
  assert.equal(isUnknownTarget({ type: 'hang-up', code: 'unknown-target' }), false);
  assert.equal(AGENT, 'switchboard');
});
