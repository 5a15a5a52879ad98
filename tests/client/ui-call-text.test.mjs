import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  describeCall,
  describeEnd,
  describeNotice,
  describeState,
  deviceLabel,
} from '../../web/js/ui-call-text.js';
import { EndReason } from '../../web/js/call-messages.js';
import { MediaCause, Notice } from '../../web/js/call-notices.js';
import { CallState } from '../../web/js/call.js';

test('end reasons read as people expect', () => {
  const say = (reason, by, outgoing = true) => describeEnd({ reason, by, peer: 'bob', outgoing });
  assert.equal(say(EndReason.DECLINED, 'remote'), 'Call declined by bob');
  assert.equal(say(EndReason.CANCELLED, 'remote', false), 'Call cancelled by bob');
  assert.equal(say(EndReason.BUSY, 'remote'), 'bob is busy in another call');
  assert.equal(say(EndReason.HANGUP, 'remote'), 'Call ended by bob');
  assert.match(say(EndReason.TIMEOUT, 'local'), /No answer from bob/);
  assert.match(say(EndReason.TIMEOUT, 'remote', false), /Missed call from bob/);
  assert.match(say('weird', 'remote'), /Call ended by bob \(weird\)/);
});

// The UI matches the call layer's codes as strings: a code renamed there must fail here.
test('every end reason and every notice code has words of its own', () => {
  for (const reason of Object.values(EndReason)) {
    for (const by of ['local', 'remote']) {
      const text = describeEnd({ reason, by, peer: 'bob', outgoing: true });
      assert.ok(!text.includes(`(${reason})`), `${reason}/${by} fell through: ${text}`);
    }
  }
  for (const code of Object.values(Notice)) {
    const text = describeNotice({ code, cause: MediaCause.OTHER, message: 'x', kind: 'video' });
    assert.equal(typeof text, 'string', `no words for notice ${code}`);
  }
  const unexplained = describeNotice({ code: Notice.AUDIO_ONLY, cause: MediaCause.OTHER });
  for (const cause of Object.values(MediaCause)) {
    if (cause === MediaCause.OTHER) continue;
    const text = describeNotice({ code: Notice.AUDIO_ONLY, cause, message: null });
    assert.notEqual(text, unexplained, `no words for cause ${cause}`);
  }
  for (const state of Object.values(CallState)) {
    if (state === CallState.IDLE || state === CallState.ENDED) continue;
    assert.notEqual(describeState({ state, peer: 'bob' }), 'Not in a call', state);
  }
  assert.equal(describeNotice({ code: 'nobody-sends-this' }), null);
  assert.equal(describeNotice(null), null);
});

test('the status line: the state while live, how it ended once ended', () => {
  const snap = { peer: 'bob', outgoing: true, endReason: null, endedBy: null };
  assert.equal(describeCall({ ...snap, state: 'idle' }), 'Not in a call');
  assert.equal(describeCall({ ...snap, state: 'calling' }), 'Calling bob…');
  assert.equal(describeCall({ ...snap, state: 'ringing' }), 'bob is calling');
  assert.equal(describeCall({ ...snap, state: 'connected' }), 'In call with bob');
  const ended = { ...snap, state: 'ended', endReason: 'timeout', endedBy: 'local' };
  assert.equal(describeCall(ended), 'No answer from bob (call timed out)');
  assert.equal(
    describeCall({ ...ended, outgoing: false }),
    'Missed call from bob (call timed out)',
  );
});

test('notices read word for word as the call view shows them', () => {
  const say = (notice) => describeNotice(notice);
  assert.equal(say({ code: Notice.RECONNECTING }), 'Connection trouble: reconnecting…');
  assert.equal(
    say({ code: Notice.NO_MEDIA_DEVICES }),
    'This page cannot use a camera or microphone (it needs https or localhost): you can see and hear the other side only.',
  );
  assert.equal(
    say({ code: Notice.AUDIO_ONLY, cause: MediaCause.DENIED, message: 'x' }),
    'Camera not used (permission was denied): audio only.',
  );
  assert.equal(
    say({ code: Notice.AUDIO_ONLY, cause: MediaCause.NOT_FOUND, message: 'x' }),
    'Camera not used (no device was found): audio only.',
  );
  assert.equal(
    say({ code: Notice.RECEIVE_ONLY, cause: MediaCause.IN_USE, message: 'x' }),
    'No camera or microphone (the device is in use by another program): you can see and hear the other side only.',
  );
  assert.equal(
    say({ code: Notice.RECEIVE_ONLY, cause: MediaCause.OTHER, message: 'Broken pipe' }),
    'No camera or microphone (Broken pipe): you can see and hear the other side only.',
  );
  assert.equal(
    say({ code: Notice.AUDIO_ONLY, cause: MediaCause.OTHER, message: null }),
    'Camera not used (it is unavailable): audio only.',
  );
  assert.equal(
    say({ code: Notice.SCREEN_UNSUPPORTED }),
    'Screen sharing did not start: screen sharing is not supported here',
  );
  assert.equal(
    say({ code: Notice.SCREEN_FAILED, message: 'Permission denied' }),
    'Screen sharing did not start: Permission denied',
  );
  assert.equal(
    say({ code: Notice.SWITCH_FAILED, kind: 'video', message: 'gone' }),
    'Could not switch camera: gone',
  );
  assert.equal(
    say({ code: Notice.SWITCH_FAILED, kind: 'audio', message: 'gone' }),
    'Could not switch microphone: gone',
  );
});

test('device pickers: the browser label, or the position before permission', () => {
  assert.equal(deviceLabel({ id: 'a', label: 'Front' }, 0, 'video'), 'Front');
  assert.equal(deviceLabel({ id: 'b', label: '' }, 1, 'video'), 'Camera 2');
  assert.equal(deviceLabel({ id: 'c', label: '' }, 0, 'audio'), 'Microphone 1');
});
