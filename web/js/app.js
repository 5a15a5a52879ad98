// Wiring: the only module that knows all the others. Transport (signaling.js), negotiation
// (negotiation.js), the call (call.js) and the UI (ui.js) never import each other; here the
// server's messages are routed to the call and the UI, and the UI's actions to the call and
// the server.
import {
  Signaling,
  SignalingState,
  signalingUrl,
  nameProblem,
  tokenSubject,
} from './signaling.js';
import { Negotiator } from './negotiation.js';
import { Call } from './call.js';
import { isCallMessage, isUnknownTarget } from './call-messages.js';
import { createUi } from './ui.js';

const params = new URLSearchParams(location.search);
const room = params.get('room') ?? '';
// ?ring=<seconds> shortens the 30 s ring time (tests of the timeout use it).
const ringSeconds = Number(params.get('ring'));
const NAME_KEY = 'switchboard.name';
// ?relay=1: media only through the TURN servers of the config message (for testing TURN).
const relayOnly = params.get('relay') === '1';
// ?token=<JWT> logs in to a server run with --auth jwt; ?token-url=<same-origin path> is where
// a fresh one is fetched when the server says the current one is expiring.
const token = params.get('token');
const tokenUrl = params.get('token-url');

const signaling = new Signaling({ url: signalingUrl(location) });
const call = new Call({
  sendToServer: (msg) => signaling.send(msg),
  createPeerConnection: (config) =>
    new RTCPeerConnection(relayOnly ? { ...config, iceTransportPolicy: 'relay' } : config),
  createNegotiator: (options) => new Negotiator(options),
  mediaDevices: navigator.mediaDevices,
  ringTimeoutMs: ringSeconds > 0 ? ringSeconds * 1000 : 30_000,
  log: (...args) => console.warn('[call]', ...args),
});

const system = (text) => ui.lobby.addChat({ text, system: true });

const ui = createUi(document, {
  login(name) {
    const problem = nameProblem(name);
    if (problem) return ui.lobby.setLoginError(problem);
    try {
      localStorage.setItem(NAME_KEY, name);
    } catch {
      // Storage may be disabled; remembering the name is only a convenience.
    }
    ui.lobby.setLoginBusy(true);
    signaling.connect(name);
  },
  sendChat(text) {
    const result = signaling.send({ type: 'message', text });
    // Sent chat comes back from the server (to everyone, us included): shown then, not here.
    if (result === 'queued') system(`Offline: “${text}” will be sent when the connection is back.`);
    if (result === 'dropped') {
      system('Not sent: too many messages are waiting for the connection.');
      return false;
    }
    return true;
  },
  call: (name) => call.start(name),
  accept: () => call.accept(),
  decline: () => call.decline(),
  cancel: () => call.cancel(),
  hangup: () => call.hangup(),
  toggleMute: () => call.toggleMute(),
  toggleCamera: () => call.toggleCamera(),
  toggleScreen: () => call.setScreenShare(!call.sharing),
  openDevices: async () => ui.callView.setDevices(await call.devices()),
  useDevice: (kind, id) => call.useDevice(kind, id),
  sendCallChat(text) {
    const via = call.sendChat(text);
    return via !== null && via !== 'dropped';
  },
  retryNow: () => signaling.reconnectNow(),
});

// ---- server → call and UI ------------------------------------------------------------------

function showConnection() {
  ui.setConnection({
    state: signaling.state,
    retryInMs: signaling.retryInMs,
    everRegistered: signaling.everRegistered,
    callRoute: call.route,
    inCall: call.active,
    resuming: signaling.resuming,
  });
}

signaling.on('state', (state) => {
  // Without the server we do not know who is online: presence must not end a call.
  if (state !== SignalingState.REGISTERED) call.setUsers(null);
  showConnection();
});

signaling.on('registered', ({ name, requested }) => {
  const reconnect = call.self !== null;
  call.setSelf(name);
  ui.setRegistered(name);
  // A name that differed only in its Unicode normalization (NFD) was not taken.
  const taken = requested && requested.normalize('NFC') !== name;
  if (taken) system(`The name “${requested}” is taken: you joined as “${name}”.`);
  else if (reconnect) system('Reconnected to the server.');
});

// The same session after a drop: same name, nothing missed, nobody saw us leave. Only the
// call's view of who is online, unknown while we were away, comes back (what was missed of it
// follows in order).
signaling.on('resumed', () => call.setUsers(signaling.users));

// The drop outlasted the server's grace (or the server restarted): the room saw us leave and
// what we had sent may be lost, so a call that was still being set up cannot go on. Its
// hang-up waits for the registration that follows.
signaling.on('session-lost', () => {
  if (call.state === 'calling' || call.state === 'ringing') call.hangup();
});

signaling.on('register-failed', (error) => {
  ui.lobby.setLoginBusy(false);
  if (!signaling.everRegistered) ui.showLogin();
  ui.lobby.setLoginError(error.message || error.code);
});

signaling.on('config', (iceServers) => call.setIceServers(iceServers));
signaling.on('token-expiring', async ({ expiresIn }) => {
  if (!tokenUrl) {
    system(`Your login expires in ${expiresIn} s: open the page again with a fresh token.`);
    return;
  }
  try {
    const response = await fetch(tokenUrl, { credentials: 'same-origin' });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const fresh = (await response.text()).trim();
    signaling.renewToken(fresh, signalingUrl(location, { token: fresh }));
  } catch (error) {
    system(`Your login expires in ${expiresIn} s and could not be renewed (${error.message}).`);
  }
});
signaling.on('dropped', () => system('A message could not be sent: the connection is closed.'));

signaling.on('message', (msg) => {
  if (msg.type === 'userlist') {
    ui.lobby.setUsers(msg.users, signaling.name);
    if (signaling.state === SignalingState.REGISTERED) call.setUsers(msg.users);
  } else if (msg.type === 'message') {
    ui.lobby.addChat({ from: msg.name, text: msg.text, self: msg.name === signaling.name });
  } else if (isCallMessage(msg)) {
    call.handleServerMessage(msg);
  } else if (msg.type === 'error') {
    if (isUnknownTarget(msg)) call.handleServerMessage(msg);
    else if (msg.request !== 'username') system(`Server: ${msg.message || msg.code}`);
  }
});

// ---- call → UI -----------------------------------------------------------------------------

call.on('state', (snap) => {
  ui.showCall(snap);
  showConnection();
});
call.on('media', (snap) => ui.callView.setMedia(snap));
call.on('local-stream', (stream) => ui.callView.setLocalStream(stream));
call.on('remote-stream', (stream) => ui.callView.setRemoteStream(stream));
call.on('remote-screen', (stream) => ui.callView.setRemoteScreen(stream));
call.on('connection', (state) => ui.callView.setPeerConnection(state));
call.on('notice', (notice) => ui.callView.setNotice(notice));
call.on('chat', (entry) => ui.callView.addChat(entry));
call.on('busy', (name) => system(`${name} tried to call you while you were busy.`));
call.on('route', (route) => {
  ui.callView.setRoute(route);
  showConnection();
});

// Leaving the page hangs up, so the peer is not left looking at a frozen picture.
window.addEventListener('pagehide', () => call.hangup());

ui.setRoom(room);
try {
  // With a token the server grants its `sub` and no other name.
  const granted = token ? tokenSubject(token) : null;
  ui.lobby.prefill(granted ?? params.get('name') ?? localStorage.getItem(NAME_KEY));
} catch {
  // no storage: nothing to prefill
}

// The one global: a debug hook for tests and the console.
window.__switchboard = { call, signaling, ui, pc: () => call.pc };
