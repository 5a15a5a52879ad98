// Server-less mode (manual.html) without the DOM: the two people carry the first offer and
// answer by copy and paste, so ICE is gathered completely first (no trickle). Once the data
// channel is open, it carries the chat and every later negotiation (adding video), through the
// same perfect-negotiation module as server calls; the answerer is the polite side.
import { Emitter } from './emitter.js';

export const MANUAL_CHANNEL = Object.freeze({ negotiated: true, id: 0 });

/** The text people copy: the description as JSON (readable, and easy to check on paste). */
export function encodeDescription(description) {
  return JSON.stringify({ type: description.type, sdp: description.sdp });
}

export function decodeDescription(text, expectedType) {
  let value;
  try {
    value = JSON.parse(String(text).trim());
  } catch {
    throw new Error(
      `That is not a pasted ${expectedType}: copy the whole text from the other side.`,
    );
  }
  if (value?.type !== expectedType || typeof value.sdp !== 'string') {
    throw new Error(`That text is not an ${expectedType} (it says "${value?.type ?? 'nothing'}").`);
  }
  return value;
}

export class ManualLink extends Emitter {
  role = null; // 'offerer' | 'answerer'
  pc = null;
  channel = null;
  negotiator = null;
  localStream = null;

  #deps;

  /**
   * @param createPeerConnection function(config) → RTCPeerConnection
   * @param createNegotiator function(options) → Negotiator
   * @param getMedia async function() → { stream, notice } (camera with fallbacks; the notice
   *        as call-notices.js has it)
   * @param gatherTimeoutMs give up waiting for ICE gathering after this (use what we have)
   */
  constructor({
    createPeerConnection,
    createNegotiator,
    getMedia,
    gatherTimeoutMs = 5000,
    timers = globalThis,
  }) {
    super();
    this.#deps = { createPeerConnection, createNegotiator, getMedia, gatherTimeoutMs, timers };
  }

  get open() {
    return this.channel?.readyState === 'open';
  }

  /** Side A: returns the offer text, every ICE candidate included. */
  async createOffer() {
    this.#setup('offerer');
    await this.pc.setLocalDescription();
    await this.#gathered();
    return encodeDescription(this.pc.localDescription);
  }

  /** Side B: takes A's offer text, returns the answer text. */
  async acceptOffer(text) {
    const offer = decodeDescription(text, 'offer');
    this.#setup('answerer');
    await this.pc.setRemoteDescription(offer);
    await this.pc.setLocalDescription();
    await this.#gathered();
    return encodeDescription(this.pc.localDescription);
  }

  /** Side A: applies B's answer text; the connection then forms. */
  async applyAnswer(text) {
    if (this.role !== 'offerer' || this.pc?.signalingState !== 'have-local-offer') {
      throw new Error('Create an offer first; the answer belongs to it.');
    }
    await this.pc.setRemoteDescription(decodeDescription(text, 'answer'));
  }

  sendChat(text) {
    if (!this.open) return false;
    this.channel.send(JSON.stringify({ type: 'chat', text }));
    this.emit('chat', { text, self: true });
    return true;
  }

  /** Adds camera and microphone; renegotiated over the data channel. */
  async addVideo() {
    if (!this.open) throw new Error('Connect first.');
    if (this.localStream) return this.localStream;
    const { stream, notice } = await this.#deps.getMedia();
    if (notice) this.emit('notice', notice);
    if (!stream) return null;
    this.localStream = stream;
    for (const track of stream.getTracks()) this.pc.addTrack(track, stream);
    this.emit('local-stream', stream);
    return stream;
  }

  close() {
    for (const t of this.localStream?.getTracks() ?? []) t.stop();
    this.negotiator?.close();
    this.pc?.close();
    this.emit('state', 'closed');
  }

  #setup(role) {
    if (this.pc) throw new Error('Already started: reload the page to start over.');
    this.role = role;
    const pc = this.#deps.createPeerConnection({ iceServers: [] });
    this.pc = pc;
    pc.addEventListener('connectionstatechange', () => this.emit('state', pc.connectionState));
    pc.addEventListener('track', ({ track, streams }) => {
      this.emit('remote-stream', streams?.[0] ?? new globalThis.MediaStream([track]));
    });
    this.channel = pc.createDataChannel('signaling', MANUAL_CHANNEL);
    this.channel.addEventListener('open', () => this.#onOpen());
    this.channel.addEventListener('close', () => this.emit('state', 'channel-closed'));
    this.channel.addEventListener('message', (event) => this.#onMessage(event.data));
  }

  // Negotiation is attached only now: before, descriptions travel by copy and paste.
  #onOpen() {
    this.negotiator = this.#deps.createNegotiator({
      pc: this.pc,
      polite: this.role === 'answerer',
      send: ({ description, candidate }) => {
        if (!this.open) return;
        if (description) this.channel.send(JSON.stringify({ type: 'description', description }));
        else if (candidate) this.channel.send(JSON.stringify({ type: 'candidate', candidate }));
      },
      onError: (err) => this.emit('error', err),
    });
    this.emit('state', 'open');
  }

  #onMessage(data) {
    let msg;
    try {
      msg = JSON.parse(data);
    } catch {
      return;
    }
    if (msg?.type === 'chat' && typeof msg.text === 'string')
      this.emit('chat', { text: msg.text, self: false });
    else if (msg?.type === 'description' && msg.description)
      this.negotiator?.receive({ description: msg.description });
    else if (msg?.type === 'candidate') this.negotiator?.receive({ candidate: msg.candidate });
  }

  #gathered() {
    const pc = this.pc;
    if (pc.iceGatheringState === 'complete') return Promise.resolve();
    return new Promise((resolve) => {
      const timer = this.#deps.timers.setTimeout(done, this.#deps.gatherTimeoutMs);
      function done() {
        pc.removeEventListener('icegatheringstatechange', check);
        resolve();
      }
      const check = () => {
        if (pc.iceGatheringState !== 'complete') return;
        this.#deps.timers.clearTimeout(timer);
        done();
      };
      pc.addEventListener('icegatheringstatechange', check);
    });
  }
}
