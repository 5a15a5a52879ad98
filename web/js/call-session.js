// One peer connection and what hangs off it for the length of one call: the negotiator, the
// signaling data channel, the senders, the remote streams and the ICE-restart policy. Turns the
// negotiator's descriptions and candidates into wire messages and back (call-messages.js); which
// route a message takes (channel or server) is decided here. No DOM and no call states, and no
// say in politeness: call.js owns those.
import { Emitter } from './emitter.js';
import { SignalingChannel, CHANNEL_LABEL, CHANNEL_OPTIONS } from './call-channel.js';
import { candidateMessage, descriptionMessage, negotiationOf } from './call-messages.js';

export class CallSession extends Emitter {
  pc;
  negotiator;
  /** SignalingChannel once the data channel exists (caller: always; callee: if offered). */
  channel = null;
  remoteStream = null;
  remoteScreen = null;
  iceRestarts = 0;

  #sendViaServer;
  #timers;
  #restartTimeoutMs;
  #localStream = null;
  #localAttached = false;
  #senders = { audio: null, video: null };
  #screenSender = null; // screen added as its own track (renegotiated)
  #screenReplacing = false; // screen sent in place of the camera (no renegotiation)
  #mainStreamId = null;
  #restartPending = false;
  #restartTimer = null;
  #closed = false;

  /**
   * @param createPeerConnection function(config) → RTCPeerConnection
   * @param createNegotiator function({pc, send, polite, beforeAnswer, onError}) → Negotiator
   * @param polite function() → boolean, handed to the negotiator, which asks it on each offer
   *        collision: the call decides (call.js), and a caller may turn polite mid-call
   * @param sendViaServer function(message) sending to the peer through the signaling server
   * @param restartTimeoutMs how long an ICE restart may take before the call is declared failed
   */
  constructor({
    createPeerConnection,
    createNegotiator,
    iceServers = [],
    polite,
    sendViaServer,
    timers = globalThis,
    restartTimeoutMs = 15000,
  }) {
    super();
    this.#sendViaServer = sendViaServer;
    this.#timers = timers;
    this.#restartTimeoutMs = restartTimeoutMs;
    this.pc = createPeerConnection({ iceServers });
    this.negotiator = createNegotiator({
      pc: this.pc,
      polite,
      send: (message) => this.#onNegotiation(message),
      beforeAnswer: (offer) => this.#beforeAnswer(offer),
      onError: (err) => this.emit('error', err),
    });
    this.pc.addEventListener('track', (event) => this.#onTrack(event));
    this.pc.addEventListener('connectionstatechange', () => this.#onConnectionState());
  }

  /** Where peer signaling goes right now: 'channel' after the handover, else 'server'. */
  get route() {
    return this.channel?.ready ? 'channel' : 'server';
  }

  setLocalStream(stream) {
    this.#localStream = stream;
  }

  /**
   * Adds the local tracks to the connection, once. The caller passes receiveMissing so that a
   * kind it cannot send (no camera) is still offered, receive-only, to get the peer's media.
   */
  attachLocal({ receiveMissing }) {
    if (this.#localAttached) return;
    this.#localAttached = true;
    const stream = this.#localStream;
    for (const kind of ['audio', 'video']) {
      const track = stream?.getTracks().find((t) => t.kind === kind);
      if (track) this.#senders[kind] = this.pc.addTrack(track, stream);
      else if (receiveMissing) this.pc.addTransceiver(kind, { direction: 'recvonly' });
    }
  }

  /** Creates the negotiated signaling channel (both peers create it with the same id). */
  openChannel() {
    if (this.channel) return;
    const dc = this.pc.createDataChannel(CHANNEL_LABEL, CHANNEL_OPTIONS);
    this.channel = new SignalingChannel(dc, { timers: this.#timers });
    this.channel.on('message', (msg) => this.emit('peer-message', msg));
    this.channel.on('ready', () => this.emit('route', this.route));
  }

  /** Sends to the peer over the channel when ready, else via the server. Returns the route, or
   *  the server transport's answer ('sent' | 'queued' | 'dropped'). */
  sendToPeer(msg) {
    if (this.channel?.trySend(msg)) return 'channel';
    return this.#sendViaServer(msg);
  }

  /** An offer, answer or candidate from the peer (either route). */
  receive(msg) {
    const negotiation = negotiationOf(msg);
    if (negotiation === null) return Promise.resolve('unknown');
    return this.negotiator.receive(negotiation);
  }

  /** Screen share: its own track (and a renegotiation) when the peer can renegotiate, else in
   *  place of the camera on the existing sender, which needs no negotiation at all. */
  startScreen(track, stream, { renegotiate }) {
    if (renegotiate || !this.#senders.video) {
      this.#screenSender = this.pc.addTrack(track, stream);
      return 'added';
    }
    this.#screenReplacing = true;
    this.#senders.video.replaceTrack(track);
    return 'replaced';
  }

  stopScreen(cameraTrack) {
    if (this.#screenSender) {
      this.pc.removeTrack(this.#screenSender);
      this.#screenSender = null;
    } else if (this.#screenReplacing) {
      this.#screenReplacing = false;
      this.#senders.video.replaceTrack(cameraTrack ?? null);
    }
  }

  /** A new camera or microphone: swapped on the sender, no renegotiation. */
  async replaceTrack(kind, track) {
    if (kind === 'video' && this.#screenReplacing) return; // restored by stopScreen
    await this.#senders[kind]?.replaceTrack(track);
  }

  /** Closes the connection; a hang-up just sent over the channel gets a moment to leave. */
  async close() {
    if (this.#closed) return;
    this.#closed = true;
    this.#timers.clearTimeout(this.#restartTimer);
    this.negotiator.close();
    if (this.channel) await this.channel.flush();
    this.pc.close();
  }

  // Callee only: send our media on the caller's m-lines, so answering needs no second offer.
  #beforeAnswer(offer) {
    this.attachLocal({ receiveMissing: false });
    // The caller offered the signaling channel: create ours. The MDN client offers none, and
    // creating it anyway would force a renegotiation it cannot handle.
    if (!this.channel && /^m=application/m.test(offer.sdp ?? '')) this.openChannel();
  }

  #onNegotiation({ description, candidate }) {
    if (this.#closed) return;
    if (description) this.sendToPeer(descriptionMessage(description));
    // The end-of-candidates null is not sent: the MDN client would choke on it.
    else if (candidate) this.sendToPeer(candidateMessage(candidate));
  }

  // The first stream seen is the peer's camera and microphone; any other stream is a screen.
  #onTrack({ track, streams }) {
    const stream = streams?.[0];
    if (!stream) {
      // A track sent without a stream (legal, rare): show it as the main stream.
      this.remoteStream ??= new globalThis.MediaStream();
      this.remoteStream.addTrack(track);
      this.emit('remote-stream', this.remoteStream);
      return;
    }
    this.#mainStreamId ??= stream.id;
    if (stream.id === this.#mainStreamId) {
      this.remoteStream = stream;
      this.emit('remote-stream', stream);
      return;
    }
    this.remoteScreen = stream;
    this.emit('remote-screen', stream);
    // When the peer stops sharing, renegotiation removes the track from its stream.
    stream.addEventListener('removetrack', () => {
      if (stream.getTracks().length > 0 || this.remoteScreen !== stream) return;
      this.remoteScreen = null;
      this.emit('remote-screen', null);
    });
  }

  // One ICE restart per failure; if the connection is not back within the timeout, or fails
  // again, the call has failed.
  #onConnectionState() {
    if (this.#closed) return;
    const state = this.pc.connectionState;
    this.emit('connection', state);
    if (state === 'connected') {
      this.#timers.clearTimeout(this.#restartTimer);
      this.#restartPending = false;
    } else if (state === 'failed') {
      if (this.#restartPending) {
        this.emit('failed');
        return;
      }
      this.#restartPending = true;
      this.iceRestarts += 1;
      this.emit('ice-restart');
      this.pc.restartIce();
      this.#restartTimer = this.#timers.setTimeout(() => {
        if (!this.#closed && this.pc.connectionState !== 'connected') this.emit('failed');
      }, this.#restartTimeoutMs);
    }
  }
}
