import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeServer, connectedPair, settle } from './call-harness.mjs';
import { FakeMediaDevices } from './fakes.mjs';

test('call, ring, accept: offer held until accept, early candidates applied in order', async () => {
  const server = new FakeServer();
  const ana = server.add('ana');
  const bob = server.add('bob');
  await ana.call.start('bob');
  await settle();
  assert.equal(ana.call.state, 'calling');
  assert.equal(ana.status(), 'Calling bob…');
  assert.equal(bob.call.state, 'ringing');
  assert.equal(bob.call.peer, 'ana');
  assert.equal(bob.status(), 'ana is calling');
  assert.equal(bob.call.pc, null, 'no peer connection before Accept');
  assert.equal(server.sentBy('ana', 'video-offer').length, 1);
  assert.equal(server.sentBy('ana', 'video-offer')[0].agent, 'switchboard');
  assert.ok(server.sentBy('ana', 'new-ice-candidate').length >= 1, 'trickled before the answer');

  await bob.call.accept();
  await settle(40);
  assert.equal(ana.call.state, 'connected');
  assert.equal(bob.call.state, 'connected');
  assert.equal(ana.status(), 'In call with bob');
  assert.equal(ana.call.pc.signalingState, 'stable');
  assert.equal(bob.call.pc.signalingState, 'stable');
  assert.deepEqual(
    bob.call.pc.remoteCandidates.map((c) => c.candidate),
    server.sentBy('ana', 'new-ice-candidate').map((m) => m.candidate.candidate),
  );
  assert.equal(bob.call.pc.channels.length, 1, 'the callee opened the offered data channel');
  assert.deepEqual(bob.call.pc.channels[0].options, { negotiated: true, id: 0 });
  assert.equal(bob.call.pc.senders.length, 2, 'camera and microphone sent');
  assert.equal(bob.call.negotiation.offersSent, 0, 'answering needed no renegotiation');
  assert.equal(ana.call.mediaMode, 'audio-video');
});

test('decline ends both sides with the reason', async () => {
  const server = new FakeServer();
  const ana = server.add('ana');
  const bob = server.add('bob');
  await ana.call.start('bob');
  await settle();
  bob.call.decline();
  await settle();
  assert.equal(bob.call.state, 'ended');
  assert.equal(ana.call.state, 'ended');
  assert.equal(ana.call.endReason, 'declined');
  assert.equal(ana.status(), 'Call declined by bob');
  assert.equal(bob.status(), 'You declined the call from ana');
  assert.ok(ana.call.pc === null && ana.call.localStream === null);
  assert.deepEqual(
    server.sentBy('bob', 'hang-up').map((m) => [m.target, m.reason]),
    [['ana', 'declined']],
  );
});

test('caller cancels: the callee stops ringing, local camera is released', async () => {
  const server = new FakeServer();
  const ana = server.add('ana');
  const bob = server.add('bob');
  await ana.call.start('bob');
  const stream = ana.call.localStream;
  await settle();
  ana.call.cancel();
  await settle();
  assert.equal(bob.call.state, 'ended');
  assert.equal(bob.status(), 'Call cancelled by ana');
  assert.ok(stream.getTracks().every((t) => t.readyState === 'ended'));
});

test('unanswered calls time out after 30 s on both sides', async () => {
  const server = new FakeServer();
  const ana = server.add('ana');
  const bob = server.add('bob');
  await ana.call.start('bob');
  await settle();
  server.timers.advance(29_999);
  assert.equal(ana.call.state, 'calling');
  server.timers.advance(1);
  await settle();
  assert.equal(ana.call.endReason, 'timeout');
  assert.equal(bob.call.endReason, 'timeout');
  assert.match(ana.status(), /No answer from bob/);
  assert.match(bob.status(), /Missed call from ana/);
});

test('a third caller gets busy automatically; the call goes on', async () => {
  const server = new FakeServer();
  const { ana, bob } = await connectedPair(server);
  const cy = server.add('cy');
  await cy.call.start('bob');
  await settle();
  assert.equal(cy.call.state, 'ended');
  assert.equal(cy.call.endReason, 'busy');
  assert.equal(cy.status(), 'bob is busy in another call');
  assert.equal(bob.call.state, 'connected');
  assert.equal(bob.call.peer, 'ana');
  assert.equal(ana.call.state, 'connected');
  assert.deepEqual(
    bob.events.filter(([t]) => t === 'busy').map(([, v]) => v),
    ['cy'],
  );
});

test('hang up cleans up both sides, and they can call again', async () => {
  const server = new FakeServer();
  const { ana, bob } = await connectedPair(server);
  const anaPc = ana.call.pc;
  const bobStream = bob.call.localStream;
  bob.call.hangup();
  server.timers.advance(1000); // the channel flush before pc.close
  await settle();
  assert.equal(ana.call.state, 'ended');
  assert.equal(ana.status(), 'Call ended by bob');
  assert.equal(bob.status(), 'Call with ana ended');
  assert.ok(bobStream.getTracks().every((t) => t.readyState === 'ended'));
  server.timers.advance(1000);
  await settle();
  assert.equal(anaPc.closed, true);
  // Again, the other way round.
  await bob.call.start('ana');
  await settle();
  assert.equal(ana.call.state, 'ringing');
  await ana.call.accept();
  await settle(40);
  assert.equal(bob.call.state, 'connected');
});

test('the data channel takes over signaling after hello / hello-ack', async () => {
  const server = new FakeServer();
  const { ana, bob } = await connectedPair(server);
  assert.equal(ana.call.route, 'channel');
  assert.equal(bob.call.route, 'channel');
  const dcTypes = ana.call.pc.channels[0].sent.map((m) => m.type);
  assert.deepEqual(dcTypes.slice(0, 2).sort(), ['dc-hello', 'dc-hello-ack']);
  const before = server.log.length;
  assert.equal(ana.call.sendChat('over the channel'), 'channel');
  await settle();
  assert.equal(server.log.length, before, 'nothing went through the server');
  const got = bob.events.filter(([t]) => t === 'chat').map(([, c]) => [c.from, c.text, c.via]);
  assert.deepEqual(got, [['ana', 'over the channel', 'channel']]);
});

test('server gone mid-call: screen share renegotiates and hang-up arrives over the channel', async () => {
  const server = new FakeServer();
  const { ana, bob } = await connectedPair(server);
  server.up = false;
  const logged = server.log.length;
  assert.equal(await bob.call.setScreenShare(true), true);
  await settle(40);
  assert.equal(bob.call.negotiation.offersSent, 1, 'bob renegotiated');
  assert.equal(ana.call.negotiation.answersSent, 1);
  assert.equal(bob.call.pc.signalingState, 'stable');
  assert.equal(bob.call.pc.senders.length, 3, 'screen added as its own track');
  assert.equal(await bob.call.setScreenShare(false), false);
  await settle(40);
  assert.equal(bob.call.negotiation.offersSent, 2);
  assert.equal(ana.call.sendChat('still here?'), 'channel');
  await settle();
  ana.call.hangup();
  await settle();
  assert.equal(bob.call.state, 'ended');
  assert.equal(bob.status(), 'Call ended by ana');
  assert.equal(server.log.length, logged, 'the server saw nothing');
});

test('both share screens at once: perfect negotiation settles both', async () => {
  const server = new FakeServer();
  const { ana, bob } = await connectedPair(server);
  await Promise.all([ana.call.setScreenShare(true), bob.call.setScreenShare(true)]);
  await settle(80);
  assert.equal(ana.call.pc.signalingState, 'stable');
  assert.equal(bob.call.pc.signalingState, 'stable');
  assert.equal(ana.call.sharing && bob.call.sharing, true);
  const ignored = ana.call.negotiation.offersIgnored + bob.call.negotiation.offersIgnored;
  assert.ok(ignored <= 1);
});

test('without the handover (a peer that never answers hello), signaling stays on the server', async () => {
  const server = new FakeServer();
  const { ana, bob } = await connectedPair(server, { handover: false });
  ana.call.pc.channels[0].open(); // our side opens; the peer never says hello
  await settle();
  assert.equal(ana.call.route, 'server');
  assert.equal(ana.call.sendChat('hi'), 'sent');
  await settle();
  assert.deepEqual(
    server.sentBy('ana', 'chat').map((m) => [m.target, m.text]),
    [['bob', 'hi']],
  );
  assert.equal(bob.events.filter(([t]) => t === 'chat').length, 1);
});

test('an MDN-style offer (no data channel, no agent): no channel, screen share replaces the camera', async () => {
  const server = new FakeServer();
  const bob = server.add('bob');
  server.add('mdn');
  server.inject('mdn', {
    type: 'video-offer',
    target: 'bob',
    name: 'mdn',
    sdp: { type: 'offer', sdp: 'v=0 mdn audio video' },
  });
  await settle();
  assert.equal(bob.call.state, 'ringing');
  await bob.call.accept();
  await settle(40);
  assert.equal(bob.call.pc.channels.length, 0);
  assert.equal(server.sentBy('bob', 'video-answer').length, 1);
  await bob.call.setScreenShare(true);
  await settle();
  assert.equal(bob.call.negotiation.offersSent, 0, 'no renegotiation the MDN client cannot take');
  assert.equal(bob.call.pc.senders.find((s) => s.track?.deviceId === 'screen') !== undefined, true);
  // The MDN client hangs up with target null (a broadcast); from someone else it is ignored.
  server.inject('someone', { type: 'hang-up', target: null });
  await settle();
  assert.equal(bob.call.state, 'connected');
  server.inject('mdn', { type: 'hang-up', target: null });
  await settle();
  assert.equal(bob.call.state, 'ended');
  assert.equal(bob.status(), 'Call ended by mdn');
});

test('no camera: audio only with a notice; nothing at all: receive only', async () => {
  const server = new FakeServer();
  const ana = server.add('ana', {
    media: new FakeMediaDevices({ fail: ['video'], failWith: 'NotAllowedError' }),
  });
  const bob = server.add('bob', { media: new FakeMediaDevices({ fail: ['video', 'audio'] }) });
  await ana.call.start('bob');
  await settle();
  assert.equal(ana.call.mediaMode, 'audio-only');
  assert.match(ana.noticeText(), /permission was denied.*audio only/);
  assert.deepEqual(ana.call.pc.transceivers, [{ kind: 'video', direction: 'recvonly' }]);
  await bob.call.accept();
  await settle(40);
  assert.equal(bob.call.mediaMode, 'receive-only');
  assert.match(bob.noticeText(), /see and hear the other side only/);
  assert.equal(bob.call.state, 'connected');
  assert.equal(ana.call.state, 'connected');
});

test('the peer leaves the user list while ringing: ended as gone', async () => {
  const server = new FakeServer();
  const ana = server.add('ana');
  const bob = server.add('bob');
  await ana.call.start('bob');
  await settle();
  bob.call.setUsers(['bob', 'cy']);
  assert.equal(bob.call.endReason, 'gone');
  assert.equal(bob.status(), 'Call ended: ana went offline');
  // Unknown presence (server unreachable) never ends a call.
  ana.call.setUsers(null);
  assert.equal(ana.call.state, 'calling');
});

test('calling someone who left: unknown-target ends the attempt', async () => {
  const server = new FakeServer();
  const ana = server.add('ana');
  await ana.call.start('ghost');
  await settle();
  assert.equal(ana.call.endReason, 'gone');
});

test('a connected call survives its peer missing from the list while media flows', async () => {
  const server = new FakeServer();
  const { ana } = await connectedPair(server);
  ana.call.setUsers(['ana']); // the server restarted; bob has not re-registered yet
  assert.equal(ana.call.state, 'connected');
  ana.call.pc.setConnectionState('disconnected');
  assert.equal(ana.call.endReason, 'gone');
});

test('ICE failure: one restart, then the call ends with a message', async () => {
  const server = new FakeServer();
  const { ana, bob } = await connectedPair(server);
  const offers = ana.call.negotiation.offersSent;
  ana.call.pc.setConnectionState('failed');
  assert.equal(ana.call.pc.restarts, 1);
  assert.equal(ana.call.iceRestarts, 1);
  assert.deepEqual(ana.events.filter(([t]) => t === 'notice').at(-1), ['notice', ana.call.notice]);
  assert.equal(ana.noticeText(), 'Connection trouble: reconnecting…');
  await settle(40);
  assert.equal(ana.call.negotiation.offersSent, offers + 1, 'the restart offer went out');
  ana.call.pc.setConnectionState('connected'); // recovered
  assert.equal(ana.call.state, 'connected');
  ana.call.pc.setConnectionState('failed');
  assert.equal(ana.call.pc.restarts, 2, 'a new failure gets its own restart');
  ana.call.pc.setConnectionState('failed');
  await settle();
  assert.equal(ana.call.endReason, 'failed');
  assert.match(ana.status(), /connection to bob was lost/);
  assert.equal(bob.call.endReason, 'failed');
});

test('an ICE restart that does not recover in time ends the call', async () => {
  const server = new FakeServer();
  const { ana } = await connectedPair(server);
  ana.call.pc.setConnectionState('failed');
  server.timers.advance(15_000);
  assert.equal(ana.call.endReason, 'failed');
});

test('both call each other at once: one offer wins and both connect', async () => {
  const server = new FakeServer();
  const ana = server.add('ana');
  const bob = server.add('bob');
  await Promise.all([ana.call.start('bob'), bob.call.start('ana')]);
  await settle(60);
  assert.equal(ana.call.state, 'connected');
  assert.equal(bob.call.state, 'connected');
  assert.equal(ana.call.pc.signalingState, 'stable');
  assert.equal(bob.call.pc.signalingState, 'stable');
});

test('mute, camera off and device switch act on the local tracks', async () => {
  const server = new FakeServer();
  const { ana } = await connectedPair(server);
  const offers = ana.call.negotiation.offersSent;
  assert.equal(ana.call.toggleMute(), true);
  assert.equal(ana.call.localStream.getAudioTracks()[0].enabled, false);
  assert.equal(ana.call.toggleCamera(), true);
  assert.equal(ana.call.toggleMute(), false);
  const devices = await ana.call.devices();
  assert.deepEqual(
    devices.cameras.map((c) => c.label),
    ['Front', ''],
    'labels as the browser gave them (the picker names an empty one)',
  );
  assert.equal(devices.cameraId, 'video-default');
  assert.equal(await ana.call.useDevice('video', 'cam-2'), true);
  const cam = ana.call.localStream.getVideoTracks()[0];
  assert.equal(cam.deviceId, 'cam-2');
  assert.equal(cam.enabled, false, 'camera-off carried over to the new camera');
  assert.ok(ana.call.pc.senders.some((s) => s.track === cam));
  await settle();
  assert.equal(ana.call.negotiation.offersSent, offers, 'no renegotiation for a device switch');
});

test('refused screen capture leaves a notice and the call as it was', async () => {
  const server = new FakeServer();
  server.add('ana', { media: new FakeMediaDevices({ screen: false }) });
  const { ana } = await connectedPair(server);
  assert.equal(await ana.call.setScreenShare(true), false);
  assert.match(ana.noticeText(), /Screen sharing did not start/);
  assert.equal(ana.call.sharing, false);
});

test('no screen capture in this browser: a notice, the call as it was', async () => {
  const server = new FakeServer();
  const media = new FakeMediaDevices();
  media.getDisplayMedia = undefined;
  server.add('ana', { media });
  const { ana } = await connectedPair(server);
  const senders = ana.call.pc.senders.length;
  assert.equal(await ana.call.setScreenShare(true), false);
  assert.equal(
    ana.noticeText(),
    'Screen sharing did not start: screen sharing is not supported here',
  );
  assert.equal(ana.call.sharing, false);
  assert.equal(ana.call.pc.senders.length, senders);
});

test('a camera that will not open on a switch leaves a notice and the old camera', async () => {
  const server = new FakeServer();
  const { ana } = await connectedPair(server);
  const camera = ana.call.localStream.getVideoTracks()[0];
  ana.media.fail.add('video');
  assert.equal(await ana.call.useDevice('video', 'cam-2'), false);
  assert.equal(ana.noticeText(), 'Could not switch camera: no device');
  assert.equal(ana.call.localStream.getVideoTracks()[0], camera);
});
