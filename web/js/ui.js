// All DOM code of the main page, behind one object. It shows what it is told and reports what
// the user did through `actions`; it never talks to the server or the peer connection.
import { avatar, el } from './ui-dom.js';
import { createLobby } from './ui-lobby.js';
import { createCallView } from './ui-call.js';
import { describeCall } from './ui-call-text.js';

// How long a resume may take before the banner shows the drop after all.
const RESUME_QUIET_MS = 1500;

/**
 * @param doc the document
 * @param actions { login, sendChat, call, accept, decline, cancel, hangup, toggleMute,
 *   toggleCamera, toggleScreen, openDevices, useDevice, sendCallChat, retryNow }
 */
export function createUi(doc, actions) {
  const $ = (id) => doc.getElementById(id);
  const views = { login: $('login-view'), lobby: $('lobby-view'), call: $('call-view') };
  const status = $('call-status');
  const banner = $('banner');
  const bannerText = $('banner-text');
  const bannerRetry = $('banner-retry');
  const lobby = createLobby(doc, actions);
  const callView = createCallView(doc, actions);
  let registered = false;
  let callState = 'idle';
  let countdown = null;
  let quiet = null; // the banner held back while a resume is under way

  bannerRetry.addEventListener('click', () => actions.retryNow());

  function showView(name) {
    for (const [key, node] of Object.entries(views)) node.hidden = key !== name;
    doc.body.dataset.view = name;
  }

  function pageView() {
    if (!registered) return 'login';
    return callState === 'calling' || callState === 'connected' ? 'call' : 'lobby';
  }

  function stopCountdown() {
    clearInterval(countdown);
    countdown = null;
    clearTimeout(quiet);
    quiet = null;
  }

  return {
    lobby,
    callView,

    setRoom(room) {
      $('room-tag').hidden = !room;
      $('room-tag').textContent = room ? `# ${room}` : '';
      $('login-room').textContent = room ? `room “${room}”` : 'the lobby';
      doc.title = room ? `${room} · Switchboard` : 'Switchboard';
    },

    /** Registered under `name`: the lobby opens. */
    setRegistered(name) {
      const wasRegistered = registered;
      registered = true;
      const me = $('me');
      me.hidden = false;
      me.replaceChildren(avatar(name), el('span', { text: name }));
      lobby.setLoginBusy(false);
      showView(pageView());
      if (!wasRegistered) lobby.focusChat();
    },

    /**
     * The server connection. conn: { state, retryInMs, everRegistered, callRoute, inCall,
     * resuming }. A banner while the server is unreachable, with a countdown to the next
     * attempt.
     */
    setConnection(conn) {
      const { state, retryInMs, everRegistered, callRoute, inCall, resuming } = conn;
      stopCountdown();
      const down = state === 'reconnecting' || (state === 'connecting' && everRegistered);
      if (down && resuming && banner.hidden) {
        // A dropped session resuming: that takes well under a second, and nobody else sees the
        // drop, so neither should the user. Should it take longer, the banner shows after all.
        quiet = setTimeout(() => this.setConnection({ ...conn, resuming: false }), RESUME_QUIET_MS);
        return;
      }
      banner.hidden = !down;
      banner.dataset.state = state;
      bannerRetry.hidden = state !== 'reconnecting';
      if (!down) return;
      const lead = !everRegistered
        ? 'Cannot reach the server.'
        : inCall && callRoute === 'channel'
          ? 'Server unreachable: your call continues peer-to-peer.'
          : 'Connection to the server lost.';
      if (state === 'connecting') {
        bannerText.textContent = `${lead} Reconnecting…`;
        return;
      }
      const until = Date.now() + retryInMs;
      const tick = () => {
        const seconds = Math.max(0, Math.ceil((until - Date.now()) / 1000));
        bannerText.textContent = `${lead} Retrying in ${seconds} s…`;
      };
      tick();
      countdown = setInterval(tick, 1000);
    },

    /** Applies a call snapshot: the status line, the dialog, the view. */
    showCall(snap) {
      callState = snap.state;
      status.textContent = describeCall(snap);
      status.dataset.state = snap.state;
      if (snap.endReason) status.dataset.reason = snap.endReason;
      else delete status.dataset.reason;
      lobby.setBusy(snap.state !== 'idle' && snap.state !== 'ended');
      callView.show(snap);
      const view = pageView();
      const wasCall = !views.call.hidden;
      showView(view);
      if (wasCall && view === 'lobby') lobby.focusChat();
    },

    showLogin() {
      registered = false;
      showView('login');
      lobby.focusName();
    },
  };
}
