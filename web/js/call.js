// The call state machine: idle → calling | ringing → connected → ended (ended is a resting
// state like idle: a new call may start). One call at a time; an offer from anyone else while
// busy is refused with hang-up reason "busy". No DOM and no WebSocket: messages to the server
// go through the injected sendToServer, peer connections and negotiators come from injected
// factories, and the UI listens to the events below. Messages are built and read with
// call-messages.js; what the user is told leaves as codes (states, end reasons, notices) and
// the UI words them (ui-call-text.js). Which side is polite is decided here only (`polite`).
//
// Events: 'state' (snapshot), 'local-stream', 'remote-stream', 'remote-screen' (stream|null),
// 'media' (snapshot: muted/cameraOff/sharing changed), 'route' ('channel'|'server'),
// 'connection' (pc.connectionState), 'chat' ({from, text, self, via}), 'notice' ({code, …}:
// call-notices.js), 'busy' (name of a caller we refused).
import { Emitter } from './emitter.js';
import { CallSession } from './call-session.js';
import { LocalMedia } from './call-local-media.js';
import { Notice } from './call-notices.js';
import {
  CallMessage,
  EndReason,
  busyMessage,
  chatMessage,
  chatTextOf,
  fromSwitchboard,
  hangUpMessage,
  hangUpReasonOf,
  isUnknownTarget,
} from './call-messages.js';

export const CallState = Object.freeze({
  IDLE: 'idle',
  CALLING: 'calling', // we offered; waiting for an answer
  RINGING: 'ringing', // someone offered; waiting for Accept / Decline
  CONNECTED: 'connected', // answered (media may still be connecting: see pc.connectionState)
  ENDED: 'ended',
});

const LIVE = new Set([CallState.CALLING, CallState.RINGING, CallState.CONNECTED]);
// The fields a snapshot carries (what the UI needs to draw a call and put it into words).
const SNAPSHOT_KEYS =
  'state peer outgoing endReason endedBy mediaMode notice muted cameraOff sharing route'.split(' ');

export class Call extends Emitter {
  state = CallState.IDLE;
  peer = null;
  outgoing = false;
  endReason = null;
  endedBy = null;
  self = null;
  iceServers = [];
  /** The latest notice ({code, …}: call-notices.js), or null. */
  notice = null;
  /** The peer marked its offer/answer as ours: it can take renegotiation offers. */
  peerIsSwitchboard = false;

  #deps;
  #session = null;
  #held = []; // peer messages waiting for the session (the offer while ringing, early candidates)
  #ringTimer = null;
  #polite = true; // decided by #decidePoliteness only
  #attempt = 0; // bumped on every start/end so stale async steps notice and back out
  #media;
  #users = null; // the room's users; null while the server is unreachable (unknown)

  /**
   * @param sendToServer function(message): to the signaling server (message has a target)
   * @param createPeerConnection function(config) → RTCPeerConnection
   * @param createNegotiator function(options) → Negotiator (negotiation.js)
   * @param mediaDevices navigator.mediaDevices or a fake
   * @param ringTimeoutMs how long an unanswered call rings (default 30 s)
   * @param restartTimeoutMs how long an ICE restart may take (default 15 s)
   * @param timers { setTimeout, clearTimeout } (tests pass a fake clock)
   */
  constructor(deps) {
    super();
    const defaults = { timers: globalThis, ringTimeoutMs: 30000, restartTimeoutMs: 15000 };
    this.#deps = { ...defaults, log: () => {}, ...deps };
    const { mediaDevices } = this.#deps;
    this.#media = new LocalMedia(mediaDevices, (what) => {
      if (what === 'stream') this.emit('local-stream', this.#media.stream);
      else if (what === 'state') this.emit('media', this.snapshot());
      else if (what?.notice) this.#setNotice(what.notice);
    });
  }

  // Our media, as the UI and tests read it.
  get localStream() {
    return this.#media.stream;
  }
  get mediaMode() {
    return this.#media.mode;
  }
  get muted() {
    return this.#media.muted;
  }
  get cameraOff() {
    return this.#media.cameraOff;
  }
  get sharing() {
    return this.#media.sharing;
  }

  get active() {
    return LIVE.has(this.state);
  }

  /** The live RTCPeerConnection (tests run getStats() on it), or null. */
  get pc() {
    return this.#session?.pc ?? null;
  }

  /** Where our peer signaling goes: 'channel' once the data channel took over, else 'server'. */
  get route() {
    return this.#session?.route ?? 'server';
  }

  /** Negotiation counters of the live call (offers sent/received, collisions ignored). */
  get negotiation() {
    return this.#session ? { ...this.#session.negotiator.stats } : null;
  }

  get iceRestarts() {
    return this.#session?.iceRestarts ?? 0;
  }

  /** Our perfect-negotiation role in this call (negotiation.js): the session's negotiator asks
   *  it on every remote description, so the role is never copied anywhere. */
  get polite() {
    return this.#polite;
  }

  /** What the UI shows, as plain data. */
  snapshot() {
    return Object.fromEntries(SNAPSHOT_KEYS.map((key) => [key, this[key]]));
  }

  setSelf(name) {
    this.self = name;
  }

  setIceServers(list) {
    this.iceServers = Array.isArray(list) ? list : [];
  }

  /** The room's user list, or null when unknown (server unreachable). A peer that leaves while
   *  we set the call up is gone; in a connected call, only if its media stopped too (the call
   *  may be running without the server). */
  setUsers(users) {
    this.#users = users ? new Set(users) : null;
    this.#checkPeerPresent();
  }

  // ---- user actions ---------------------------------------------------------------------

  /** Calls `peer`. Resolves true once the offer is on its way (false if not started). */
  async start(peer) {
    if (this.active || !peer || peer === this.self) return false;
    const attempt = this.#begin(peer, true, CallState.CALLING);
    this.#startRingTimer();
    // Cancelled while the camera was opening: acquire() gives null (or the attempt moved on).
    if (!(await this.#media.acquire()) || attempt !== this.#attempt) return false;
    // The peer may have called us meanwhile (#onOffer): its offer is held, answered if we yield.
    const session = this.#createSession();
    session.openChannel();
    session.attachLocal({ receiveMissing: true }); // → negotiationneeded → our video-offer
    this.#drainHeld();
    return true;
  }

  async accept() {
    if (this.state !== CallState.RINGING) return false;
    const attempt = this.#attempt;
    this.#clearRingTimer();
    this.#setState(CallState.CONNECTED);
    // The caller gave up while our camera was opening: acquire() gives null.
    if (!(await this.#media.acquire()) || attempt !== this.#attempt) return false;
    this.#createSession(); // polite: on an offer collision, the callee's own offer yields
    this.#drainHeld(); // the held offer is answered; early candidates follow in order
    return true;
  }

  decline() {
    if (this.state !== CallState.RINGING) return;
    this.#sendToPeer(hangUpMessage(EndReason.DECLINED));
    this.#end(EndReason.DECLINED, 'local');
  }

  cancel() {
    if (this.state !== CallState.CALLING) return;
    this.#sendToPeer(hangUpMessage(EndReason.CANCELLED));
    this.#end(EndReason.CANCELLED, 'local');
  }

  /** Ends whatever is live: a ringing call is declined, an unanswered one cancelled. */
  hangup() {
    if (this.state === CallState.RINGING) return this.decline();
    if (this.state === CallState.CALLING) return this.cancel();
    if (this.state !== CallState.CONNECTED) return;
    this.#sendToPeer(hangUpMessage(EndReason.HANGUP));
    this.#end(EndReason.HANGUP, 'local');
  }

  /** In-call chat, peer to peer. Returns the route taken (or 'dropped'), null if no call. */
  sendChat(text) {
    if (this.state !== CallState.CONNECTED || typeof text !== 'string' || text === '') return null;
    const via = this.#sendToPeer(chatMessage(text));
    this.emit('chat', { from: this.self, text, self: true, via });
    return via;
  }

  toggleMute() {
    return this.#media.toggleMute();
  }

  toggleCamera() {
    return this.#media.toggleCamera();
  }

  /** Screen share on/off. With a peer that renegotiates (ours) the screen is a track of its
   *  own; with one that cannot (the MDN client) it replaces the camera on the same sender. */
  async setScreenShare(on) {
    if (this.state !== CallState.CONNECTED || !this.#session) return this.sharing;
    const renegotiate = this.peerIsSwitchboard || this.route === 'channel';
    return this.#media.setScreenShare(this.#session, on, { renegotiate });
  }

  /** Cameras and microphones, plus the ids in use. */
  devices() {
    return this.#media.devices();
  }

  /** Switches camera ('video') or microphone ('audio') without renegotiating. */
  async useDevice(kind, deviceId) {
    if (!this.#session) return false;
    return this.#media.useDevice(this.#session, kind, deviceId);
  }

  // ---- messages -------------------------------------------------------------------------

  /** A message from the signaling server: the server stamped `name`, the sender. */
  handleServerMessage(msg) {
    if (isUnknownTarget(msg)) return this.#onUnknownTarget(msg.target);
    this.#handle(msg, msg.name, 'server'); // other server errors match nothing there
  }

  #handle(msg, from, via) {
    switch (msg.type) {
      case CallMessage.OFFER:
        return this.#onOffer(msg, from);
      case CallMessage.ANSWER:
      case CallMessage.CANDIDATE:
        if (!this.active || from !== this.peer) return; // stale: from an earlier call
        if (msg.type === CallMessage.ANSWER) {
          if (fromSwitchboard(msg)) this.peerIsSwitchboard = true;
          if (this.state === CallState.CALLING) this.#connected();
        }
        return this.#toSession(msg);
      case CallMessage.HANG_UP:
        // The MDN client broadcasts its hang-up (target null): only our peer's ends our call.
        if (this.active && from === this.peer) this.#end(hangUpReasonOf(msg), 'remote');
        return;
      case CallMessage.CHAT: {
        const text = chatTextOf(msg);
        if (this.state === CallState.CONNECTED && from === this.peer && text !== null) {
          this.emit('chat', { from, text, self: false, via });
        }
        return;
      }
    }
  }

  #onOffer(msg, from) {
    if (!this.active) {
      this.#begin(from, false, CallState.RINGING);
      this.peerIsSwitchboard = fromSwitchboard(msg);
      this.#held = [msg];
      this.#startRingTimer();
      return;
    }
    if (from !== this.peer) {
      // Already in a call (or ringing): refuse, without disturbing the user.
      this.#deps.sendToServer(busyMessage(from));
      this.emit('busy', from);
      return;
    }
    if (fromSwitchboard(msg)) this.peerIsSwitchboard = true;
    if (this.state === CallState.CALLING) {
      // We both called each other. If that makes us the polite side, we answer this offer (the
      // session's negotiator yields) and are connected; if not, the negotiator ignores it.
      this.#decidePoliteness({ crossed: true });
      if (this.polite) this.#connected();
    }
    this.#toSession(msg);
  }

  #onUnknownTarget(target) {
    // The peer left the server before the call was set up.
    if (target === this.peer && this.active && this.state !== CallState.CONNECTED) {
      this.#end(EndReason.GONE, 'remote');
    }
  }

  // ---- internals ------------------------------------------------------------------------

  #begin(peer, outgoing, state) {
    this.#attempt += 1;
    Object.assign(this, {
      peer,
      outgoing,
      endReason: null,
      endedBy: null,
      notice: null,
      peerIsSwitchboard: false,
    });
    this.#decidePoliteness({ crossed: false });
    this.#held = [];
    this.#setState(state);
    return this.#attempt;
  }

  // Politeness is decided here and nowhere else, when its facts arrive: as a call begins (the
  // callee is polite, the caller not) and when two calls cross (the name that sorts first yields
  // and answers, the other ignores that offer, so exactly one of the two offers wins). Decided,
  // not recomputed on every question: our name may change on a reconnect, the role must not.
  #decidePoliteness({ crossed }) {
    this.#polite = !this.outgoing || (crossed && this.self !== null && this.self < this.peer);
  }

  #connected() {
    this.#clearRingTimer();
    this.#setState(CallState.CONNECTED);
  }

  #startRingTimer() {
    this.#clearRingTimer();
    this.#ringTimer = this.#deps.timers.setTimeout(() => {
      this.#ringTimer = null;
      if (this.state !== CallState.CALLING && this.state !== CallState.RINGING) return;
      this.#sendToPeer(hangUpMessage(EndReason.TIMEOUT));
      this.#end(EndReason.TIMEOUT, 'local');
    }, this.#deps.ringTimeoutMs);
  }

  #clearRingTimer() {
    if (this.#ringTimer !== null) this.#deps.timers.clearTimeout(this.#ringTimer);
    this.#ringTimer = null;
  }

  #createSession() {
    const peer = this.peer;
    const session = new CallSession({
      createPeerConnection: this.#deps.createPeerConnection,
      createNegotiator: this.#deps.createNegotiator,
      iceServers: this.iceServers,
      polite: () => this.polite,
      sendViaServer: (msg) => this.#deps.sendToServer({ ...msg, target: peer }),
      timers: this.#deps.timers,
      restartTimeoutMs: this.#deps.restartTimeoutMs,
    });
    const current = () => this.#session === session;
    session.setLocalStream(this.localStream);
    session.on('peer-message', (msg) => current() && this.#handle(msg, peer, 'channel'));
    session.on('remote-stream', (s) => current() && this.emit('remote-stream', s));
    session.on('remote-screen', (s) => current() && this.emit('remote-screen', s));
    session.on('route', (route) => {
      if (!current()) return;
      if (route === 'channel') this.peerIsSwitchboard = true;
      this.emit('route', route);
    });
    session.on('connection', (state) => {
      if (!current()) return;
      this.emit('connection', state);
      this.#checkPeerPresent();
    });
    session.on('ice-restart', () => current() && this.#setNotice({ code: Notice.RECONNECTING }));
    session.on('failed', () => {
      if (!current()) return;
      this.#sendToPeer(hangUpMessage(EndReason.FAILED));
      this.#end(EndReason.FAILED, 'local');
    });
    session.on('error', (err) => this.#deps.log('negotiation error', err));
    this.#session = session;
    return session;
  }

  #drainHeld() {
    for (const msg of this.#held.splice(0)) this.#session.receive(msg);
  }

  #toSession(msg) {
    if (this.#session) this.#session.receive(msg);
    else this.#held.push(msg); // ringing, or our camera is still opening: keep order
  }

  #sendToPeer(msg) {
    if (this.#session) return this.#session.sendToPeer(msg);
    return this.#deps.sendToServer({ ...msg, target: this.peer });
  }

  #checkPeerPresent() {
    if (!this.active || this.#users === null || this.#users.has(this.peer)) return;
    const media = this.pc?.connectionState;
    const mediaAlive = media === 'connected' || media === 'connecting' || media === 'new';
    if (this.state !== CallState.CONNECTED || !mediaAlive) this.#end(EndReason.GONE, 'remote');
  }

  #end(reason, by) {
    if (!this.active) return;
    this.#attempt += 1;
    this.#clearRingTimer();
    const session = this.#session;
    this.#session = null;
    this.#held = [];
    this.#media.release(); // camera, microphone and screen stop now
    session?.close(); // async: a hang-up sent on the data channel gets to leave first
    this.endReason = reason;
    this.endedBy = by;
    this.emit('local-stream', null);
    this.emit('remote-stream', null);
    this.emit('remote-screen', null);
    this.#setState(CallState.ENDED);
  }

  #setNotice(notice) {
    this.notice = notice;
    this.emit('notice', notice);
  }

  #setState(state) {
    this.state = state;
    this.emit('state', this.snapshot());
  }
}
