import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SignalingChannel } from '../../web/js/call-channel.js';
import { getLocalMedia, listDevices, MediaMode } from '../../web/js/call-media.js';
import { MediaCause, Notice } from '../../web/js/call-notices.js';
import { describeNotice } from '../../web/js/ui-call-text.js';
import { FakeDataChannel, FakeMediaDevices, FakeTimers } from './fakes.mjs';

test('handover: not ready until the peer answered; hello is answered with an ack', () => {
  const dc = new FakeDataChannel('signaling', { negotiated: true, id: 0 });
  const channel = new SignalingChannel(dc, { timers: new FakeTimers() });
  const readiness = [];
  const messages = [];
  channel.on('ready', (r) => readiness.push(r));
  channel.on('message', (m) => messages.push(m));
  assert.equal(
    channel.trySend({ type: 'chat', text: 'x' }),
    false,
    'closed channel: caller falls back',
  );
  dc.open();
  assert.deepEqual(dc.sent, [{ type: 'dc-hello' }]);
  assert.equal(channel.ready, false, 'open but the peer may not speak it (MDN client)');
  assert.equal(channel.trySend({ type: 'chat', text: 'x' }), false);
  dc.dispatch('message', { data: JSON.stringify({ type: 'dc-hello' }) });
  assert.deepEqual(dc.sent.at(-1), { type: 'dc-hello-ack' });
  assert.equal(channel.ready, true);
  dc.dispatch('message', { data: JSON.stringify({ type: 'dc-hello-ack' }) });
  assert.deepEqual(readiness, [true], 'reported once');
  dc.dispatch('message', { data: 'garbage' });
  dc.dispatch('message', { data: JSON.stringify({ type: 'video-offer', sdp: {} }) });
  assert.deepEqual(messages, [{ type: 'video-offer', sdp: {} }]);
  assert.equal(channel.trySend({ type: 'chat', text: 'y' }), true);
  dc.close();
  assert.equal(channel.ready, false);
  assert.deepEqual(readiness, [true, false]);
});

test('handover: an ack alone (our hello answered) is enough', () => {
  const dc = new FakeDataChannel('signaling', {});
  const channel = new SignalingChannel(dc);
  dc.open();
  dc.dispatch('message', { data: JSON.stringify({ type: 'dc-hello-ack' }) });
  assert.equal(channel.ready, true);
});

test('media: full, then audio only, then receive only; never throws', async () => {
  const full = await getLocalMedia(new FakeMediaDevices());
  assert.equal(full.mode, MediaMode.FULL);
  assert.equal(full.notice, null);
  const audio = await getLocalMedia(new FakeMediaDevices({ fail: ['video'] }));
  assert.equal(audio.mode, MediaMode.AUDIO);
  assert.deepEqual(audio.notice, {
    code: Notice.AUDIO_ONLY,
    cause: MediaCause.NOT_FOUND,
    message: 'no device',
  });
  assert.match(describeNotice(audio.notice), /no device was found/);
  assert.deepEqual(
    audio.stream.getTracks().map((t) => t.kind),
    ['audio'],
  );
  const none = await getLocalMedia(
    new FakeMediaDevices({ fail: ['audio', 'video'], failWith: 'NotAllowedError' }),
  );
  assert.equal(none.mode, MediaMode.NONE);
  assert.equal(none.stream, null);
  assert.equal(none.notice.code, Notice.RECEIVE_ONLY);
  assert.equal(none.notice.cause, MediaCause.DENIED);
  assert.match(describeNotice(none.notice), /permission was denied/);
  const insecure = await getLocalMedia(undefined);
  assert.equal(insecure.mode, MediaMode.NONE);
  assert.deepEqual(insecure.notice, { code: Notice.NO_MEDIA_DEVICES });
  assert.match(describeNotice(insecure.notice), /https or localhost/);
});

test('devices: cameras and microphones with the labels the browser gave (none: empty)', async () => {
  const { cameras, microphones } = await listDevices(new FakeMediaDevices());
  assert.deepEqual(cameras, [
    { id: 'cam-1', label: 'Front' },
    { id: 'cam-2', label: '' },
  ]);
  assert.deepEqual(microphones, [{ id: 'mic-1', label: 'Mic' }]);
});
