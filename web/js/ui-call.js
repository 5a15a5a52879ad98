// The call view (stage, controls, device picker, in-call chat) and the incoming-call dialog.
import { el, avatar, setControl } from './ui-dom.js';
import { appendChat, bindComposer } from './ui-chat.js';
import { describeNotice, describeState, deviceLabel } from './ui-call-text.js';

/** Plays a video element; if the browser refuses sound without a gesture, plays it muted and
 *  offers a button to turn the sound on, rather than showing a frozen frame. */
function play(video, unmuteHint) {
  video.play?.()?.catch(() => {
    if (video.muted || !unmuteHint) return;
    video.muted = true;
    video.play().catch(() => {});
    unmuteHint.hidden = false;
  });
}

function attach(video, stream, unmuteHint) {
  if (video.srcObject === stream) return;
  video.srcObject = stream;
  if (stream) play(video, unmuteHint);
}

export function createCallView(doc, actions) {
  const $ = (id) => doc.getElementById(id);
  const stage = $('stage');
  const remoteVideo = $('remote-video');
  const remoteScreen = $('remote-screen');
  const localVideo = $('local-video');
  const overlay = $('stage-overlay');
  const overlayText = $('stage-text');
  const unmuteHint = $('unmute-hint');
  const notice = $('notice');
  const routeBadge = $('route-badge');
  const incoming = $('incoming');
  const devicePanel = $('device-panel');
  const cameraSelect = $('camera-select');
  const micSelect = $('mic-select');
  const buttons = {
    mute: $('mute'),
    camera: $('camera'),
    screen: $('screen-share'),
    devices: $('devices'),
    cancel: $('cancel'),
    hangup: $('hangup'),
    accept: $('accept'),
    decline: $('decline'),
  };
  let state = 'idle';
  let peerConnection = 'new';

  buttons.mute.addEventListener('click', () => actions.toggleMute());
  buttons.camera.addEventListener('click', () => actions.toggleCamera());
  buttons.screen.addEventListener('click', () => actions.toggleScreen());
  buttons.cancel.addEventListener('click', () => actions.cancel());
  buttons.hangup.addEventListener('click', () => actions.hangup());
  buttons.accept.addEventListener('click', () => actions.accept());
  buttons.decline.addEventListener('click', () => actions.decline());
  buttons.devices.addEventListener('click', () => toggleDevices());
  incoming.addEventListener('keydown', (e) => e.key === 'Escape' && actions.decline());
  cameraSelect.addEventListener('change', () => actions.useDevice('video', cameraSelect.value));
  micSelect.addEventListener('change', () => actions.useDevice('audio', micSelect.value));
  unmuteHint.addEventListener('click', () => {
    remoteVideo.muted = false;
    unmuteHint.hidden = true;
  });
  bindComposer($('call-chat-form'), $('in-call-chat-input'), (text) => actions.sendCallChat(text));

  setControl(buttons.devices, 'settings', 'Devices');
  setControl(buttons.cancel, 'hangup', 'Cancel');
  setControl(buttons.hangup, 'hangup', 'Hang up');

  function toggleDevices(open = devicePanel.hidden) {
    devicePanel.hidden = !open;
    buttons.devices.setAttribute('aria-expanded', String(open));
    if (open) actions.openDevices();
  }

  function fill(select, devices, current, kind) {
    select.replaceChildren(
      ...devices.map((d, i) =>
        el('option', { text: deviceLabel(d, i, kind), attrs: { value: d.id } }),
      ),
    );
    if (current) select.value = current;
    select.disabled = devices.length < 2;
  }

  // What covers the stage while there is nothing (yet) to watch.
  function updateOverlay(snap) {
    let text = null;
    if (state === 'calling') text = describeState({ state, peer: snap.peer });
    else if (peerConnection === 'disconnected' || peerConnection === 'failed')
      text = 'Reconnecting…';
    else if (peerConnection !== 'connected') text = 'Connecting…';
    else if (!remoteVideo.srcObject?.getVideoTracks().length)
      text = `${snap.peer} is not sending video`;
    overlay.hidden = text === null;
    overlayText.textContent = text ?? '';
  }

  let lastSnap = { peer: '' };

  return {
    /** Applies a call snapshot (call.js). Returns the view the page should show. */
    show(snap) {
      const changed = snap.state !== state;
      state = snap.state;
      lastSnap = snap;
      // Incoming dialog.
      incoming.hidden = state !== 'ringing';
      if (state === 'ringing') {
        avatar(snap.peer, $('incoming-avatar'));
        $('incoming-text').textContent = describeState(snap);
        if (changed) buttons.accept.focus();
      }
      // Call view.
      buttons.cancel.hidden = state !== 'calling';
      buttons.hangup.hidden = state !== 'connected';
      for (const b of [buttons.mute, buttons.camera, buttons.screen, buttons.devices]) {
        b.disabled = state !== 'connected';
      }
      $('call-chat-peer').textContent = snap.peer ?? '';
      avatar(snap.peer, $('stage-avatar'));
      if (changed && state === 'calling') peerConnection = 'new';
      if (state !== 'connected' && state !== 'calling') {
        toggleDevices(false);
        notice.hidden = true;
        routeBadge.hidden = true;
        unmuteHint.hidden = true;
        $('in-call-chat-log').replaceChildren();
      }
      this.setMedia(snap);
      updateOverlay(snap);
      if (changed && state === 'connected') buttons.hangup.focus();
      if (changed && state === 'calling') buttons.cancel.focus();
    },
    setMedia({ muted, cameraOff, sharing, mediaMode }) {
      setControl(buttons.mute, 'mic', muted ? 'Unmute' : 'Mute', { slashed: muted });
      setControl(buttons.camera, 'camera', cameraOff ? 'Camera on' : 'Camera off', {
        slashed: cameraOff,
      });
      setControl(buttons.screen, 'screen', sharing ? 'Stop sharing' : 'Share screen');
      buttons.mute.setAttribute('aria-pressed', String(Boolean(muted)));
      buttons.camera.setAttribute('aria-pressed', String(Boolean(cameraOff)));
      buttons.screen.setAttribute('aria-pressed', String(Boolean(sharing)));
      if (state === 'connected') {
        buttons.mute.disabled = mediaMode === 'receive-only';
        buttons.camera.disabled = mediaMode !== 'audio-video';
      }
      stage.classList.toggle('sharing', Boolean(sharing));
    },
    setLocalStream(stream) {
      attach(localVideo, stream ?? null);
      localVideo.hidden = !stream || stream.getVideoTracks().length === 0;
    },
    setRemoteStream(stream) {
      attach(remoteVideo, stream ?? null, unmuteHint);
      updateOverlay(lastSnap);
    },
    setRemoteScreen(stream) {
      attach(remoteScreen, stream ?? null);
      remoteScreen.hidden = !stream;
      stage.classList.toggle('presenting', Boolean(stream));
    },
    setPeerConnection(connectionState) {
      peerConnection = connectionState;
      stage.dataset.connection = connectionState;
      updateOverlay(lastSnap);
    },
    setRoute(route) {
      routeBadge.hidden = route !== 'channel';
      routeBadge.textContent = 'Peer-to-peer signaling';
      routeBadge.title =
        'Call signaling now runs over the call itself: it no longer needs the server.';
    },
    /** A notice from the call (call-notices.js), or null for none. */
    setNotice(what) {
      const text = what ? describeNotice(what) : null;
      notice.textContent = text ?? '';
      notice.hidden = !text;
    },
    setDevices({ cameras, microphones, cameraId, microphoneId }) {
      fill(cameraSelect, cameras, cameraId, 'video');
      fill(micSelect, microphones, microphoneId, 'audio');
    },
    addChat(entry) {
      appendChat($('in-call-chat-log'), entry);
    },
  };
}
