// Test doubles for the browser objects the client modules use: WebSocket, timers,
// RTCPeerConnection, RTCDataChannel, media tracks and devices. Just enough behaviour to drive
// the real modules through their paths; the state rules follow the WebRTC spec's outline.

export class FakeEventTarget {
  #listeners = new Map();
  addEventListener(type, fn) {
    if (!this.#listeners.has(type)) this.#listeners.set(type, new Set());
    this.#listeners.get(type).add(fn);
  }
  removeEventListener(type, fn) {
    this.#listeners.get(type)?.delete(fn);
  }
  dispatch(type, event = {}) {
    for (const fn of [...(this.#listeners.get(type) ?? [])]) fn(event);
  }
  listenerCount(type) {
    return this.#listeners.get(type)?.size ?? 0;
  }
}

/** Lets queued microtasks, promise chains and setImmediate callbacks run. */
export async function settle(rounds = 20) {
  for (let i = 0; i < rounds; i += 1) await new Promise((resolve) => setImmediate(resolve));
}

/** A manual clock: nothing fires until advance(). */
export class FakeTimers {
  now = 0;
  #next = 1;
  #pending = new Map();
  setTimeout = (fn, ms = 0) => {
    const id = this.#next++;
    this.#pending.set(id, { at: this.now + ms, fn });
    return id;
  };
  clearTimeout = (id) => {
    this.#pending.delete(id);
  };
  get pendingCount() {
    return this.#pending.size;
  }
  /** Delays of the timers still pending, from now. */
  delays() {
    return [...this.#pending.values()].map((t) => t.at - this.now);
  }
  advance(ms) {
    const until = this.now + ms;
    for (;;) {
      const due = [...this.#pending.entries()]
        .filter(([, t]) => t.at <= until)
        .sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.#pending.delete(due[0]);
      this.now = due[1].at;
      due[1].fn();
    }
    this.now = until;
  }
}

/** A WebSocket whose server side the test plays. Instances are recorded in FakeWebSocket.all. */
export class FakeWebSocket {
  static all = [];
  static last() {
    return FakeWebSocket.all.at(-1);
  }
  readyState = 0;
  sent = [];
  constructor(url) {
    this.url = url;
    FakeWebSocket.all.push(this);
  }
  send(data) {
    if (this.readyState !== 1) throw new Error('not open');
    this.sent.push(JSON.parse(data));
  }
  close(code = 1000) {
    this.readyState = 3;
    this.closedWith = code;
  }
  // --- the server's side
  serverOpen() {
    this.readyState = 1;
    this.onopen?.({});
  }
  serverSend(msg) {
    this.onmessage?.({ data: typeof msg === 'string' ? msg : JSON.stringify(msg) });
  }
  serverClose(code = 1006) {
    this.readyState = 3;
    this.onclose?.({ code, reason: '' });
  }
}

export class FakeTrack extends FakeEventTarget {
  static #n = 0;
  readyState = 'live';
  enabled = true;
  constructor(kind, deviceId = `${kind}-default`) {
    super();
    this.kind = kind;
    this.id = `${kind}-${++FakeTrack.#n}`;
    this.deviceId = deviceId;
  }
  stop() {
    this.readyState = 'ended';
  }
  getSettings() {
    return { deviceId: this.deviceId };
  }
}

export class FakeStream extends FakeEventTarget {
  static #n = 0;
  constructor(tracks = []) {
    super();
    this.id = `stream-${++FakeStream.#n}`;
    this.tracks = [...tracks];
  }
  getTracks() {
    return [...this.tracks];
  }
  getAudioTracks() {
    return this.tracks.filter((t) => t.kind === 'audio');
  }
  getVideoTracks() {
    return this.tracks.filter((t) => t.kind === 'video');
  }
  addTrack(t) {
    this.tracks.push(t);
  }
  removeTrack(t) {
    this.tracks = this.tracks.filter((x) => x !== t);
    this.dispatch('removetrack', { track: t });
  }
}

/** navigator.mediaDevices; `fail` lists kinds whose devices are missing ('video', 'audio'). */
export class FakeMediaDevices {
  requests = [];
  constructor({ fail = [], failWith = 'NotFoundError', screen = true } = {}) {
    this.fail = new Set(fail);
    this.failWith = failWith;
    this.screen = screen;
  }
  async getUserMedia(constraints) {
    this.requests.push(constraints);
    const kinds = ['audio', 'video'].filter((k) => constraints[k]);
    if (kinds.some((k) => this.fail.has(k))) {
      const err = new Error('no device');
      err.name = this.failWith;
      throw err;
    }
    const id = (k) => constraints[k]?.deviceId?.exact;
    return new FakeStream(kinds.map((k) => new FakeTrack(k, id(k) ?? `${k}-default`)));
  }
  async getDisplayMedia() {
    if (!this.screen) {
      const err = new Error('Permission denied');
      err.name = 'NotAllowedError';
      throw err;
    }
    return new FakeStream([new FakeTrack('video', 'screen')]);
  }
  async enumerateDevices() {
    return [
      { kind: 'videoinput', deviceId: 'cam-1', label: 'Front' },
      { kind: 'videoinput', deviceId: 'cam-2', label: '' },
      { kind: 'audioinput', deviceId: 'mic-1', label: 'Mic' },
      { kind: 'audiooutput', deviceId: 'spk-1', label: 'Speaker' },
    ];
  }
}

export class FakeDataChannel extends FakeEventTarget {
  readyState = 'connecting';
  bufferedAmount = 0;
  sent = [];
  remote = null; // the peer's channel, once linked
  constructor(label, options) {
    super();
    this.label = label;
    this.options = options;
  }
  send(data) {
    if (this.readyState !== 'open') throw new Error('InvalidStateError');
    this.sent.push(JSON.parse(data));
    const remote = this.remote;
    if (remote)
      setImmediate(() => remote.readyState === 'open' && remote.dispatch('message', { data }));
  }
  open() {
    this.readyState = 'open';
    this.dispatch('open');
  }
  close() {
    this.readyState = 'closed';
    this.dispatch('close');
  }
}

export class FakeSender {
  constructor(track, streams) {
    this.track = track;
    this.streams = streams;
  }
  async replaceTrack(track) {
    this.track = track;
  }
}

/**
 * RTCPeerConnection: signaling states, implicit offers/answers, implicit rollback on an offer
 * collision, negotiationneeded for local changes not yet negotiated, queued remote candidates
 * rejected without a remote description. The SDP is a fake that lists an m=application line
 * once a data channel exists.
 */
export class FakePeerConnection extends FakeEventTarget {
  static all = [];
  static #n = 0;
  signalingState = 'stable';
  connectionState = 'new';
  iceGatheringState = 'new';
  localDescription = null;
  remoteDescription = null;
  senders = [];
  transceivers = [];
  channels = [];
  remoteCandidates = [];
  rollbacks = 0;
  restarts = 0;
  stallGathering = false;
  closed = false;
  #change = 0;
  #pending = new Set(); // local changes not yet negotiated
  #offered = new Set(); // the changes our outstanding offer carries
  #duringRemoteOffer = new Set(); // changes made between a remote offer and our answer
  #nnQueued = false;

  constructor(config) {
    super();
    this.config = config;
    this.id = ++FakePeerConnection.#n;
    FakePeerConnection.all.push(this);
  }

  addTrack(track, ...streams) {
    const sender = new FakeSender(track, streams);
    this.senders.push(sender);
    this.#changed();
    return sender;
  }
  removeTrack(sender) {
    sender.track = null;
    this.#changed();
  }
  addTransceiver(kind, init) {
    this.transceivers.push({ kind, ...init });
    this.#changed();
  }
  createDataChannel(label, options) {
    const dc = new FakeDataChannel(label, options);
    if (this.channels.length === 0) this.#changed(); // the first one adds m=application
    this.channels.push(dc);
    return dc;
  }
  restartIce() {
    this.restarts += 1;
    this.#changed();
  }
  getSenders() {
    return this.senders;
  }

  async setLocalDescription(desc) {
    await null;
    this.#checkOpen();
    const type = desc?.type ?? (this.signalingState === 'have-remote-offer' ? 'answer' : 'offer');
    if (type === 'offer') {
      if (this.signalingState !== 'stable' && this.signalingState !== 'have-local-offer') {
        throw invalidState(`offer in ${this.signalingState}`);
      }
      this.#offered = new Set(this.#pending);
      this.localDescription = { type, sdp: this.#sdp('offer') };
      this.signalingState = 'have-local-offer';
    } else {
      if (this.signalingState !== 'have-remote-offer')
        throw invalidState(`answer in ${this.signalingState}`);
      for (const c of this.#duringRemoteOffer) this.#pending.delete(c);
      this.#duringRemoteOffer.clear();
      this.localDescription = { type, sdp: this.#sdp('answer') };
      this.signalingState = 'stable';
      this.#maybeNegotiationNeeded();
    }
    // Gathering runs after setLocalDescription resolves, as in browsers.
    const candidate = { candidate: `c-${this.id}-${this.localDescription.type}`, sdpMid: '0' };
    this.iceGatheringState = 'gathering';
    setImmediate(() => {
      if (this.closed) return;
      this.dispatch('icecandidate', { candidate });
      this.localDescription = {
        ...this.localDescription,
        sdp: `${this.localDescription.sdp}\r\na=${candidate.candidate}`,
      };
      if (this.stallGathering) return; // a test of "gathering never completes"
      this.iceGatheringState = 'complete';
      this.dispatch('icegatheringstatechange', {});
    });
  }

  async setRemoteDescription(desc) {
    await null;
    this.#checkOpen();
    if (desc.type === 'offer') {
      if (this.signalingState === 'have-local-offer') {
        this.rollbacks += 1; // implicit rollback: our offer is dropped, its changes stay pending
        this.#offered.clear();
      } else if (this.signalingState !== 'stable') {
        throw invalidState(`remote offer in ${this.signalingState}`);
      }
      this.remoteDescription = desc;
      this.signalingState = 'have-remote-offer';
    } else if (desc.type === 'answer') {
      if (this.signalingState !== 'have-local-offer')
        throw invalidState(`answer in ${this.signalingState}`);
      this.remoteDescription = desc;
      for (const c of this.#offered) this.#pending.delete(c);
      this.#offered.clear();
      this.signalingState = 'stable';
      this.#maybeNegotiationNeeded();
    }
  }

  async addIceCandidate(candidate) {
    await null;
    if (!this.remoteDescription) throw invalidState('no remote description');
    this.remoteCandidates.push(candidate);
  }

  close() {
    this.closed = true;
    this.signalingState = 'closed';
    this.connectionState = 'closed';
  }

  /** Test helper: a connection-state change. */
  setConnectionState(state) {
    this.connectionState = state;
    this.dispatch('connectionstatechange', {});
  }

  #sdp(type) {
    const app =
      this.channels.length > 0 ? '\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel' : '';
    return `v=0 fake ${type} from pc${this.id}${app}`;
  }

  #changed() {
    const change = ++this.#change;
    this.#pending.add(change);
    if (this.signalingState === 'have-remote-offer') this.#duringRemoteOffer.add(change);
    this.#maybeNegotiationNeeded();
  }

  #maybeNegotiationNeeded() {
    if (this.#nnQueued) return;
    this.#nnQueued = true;
    queueMicrotask(() => {
      this.#nnQueued = false;
      if (!this.closed && this.signalingState === 'stable' && this.#pending.size > 0) {
        this.dispatch('negotiationneeded', {});
      }
    });
  }

  #checkOpen() {
    if (this.closed) throw invalidState('closed');
  }
}

function invalidState(message) {
  const err = new Error(message);
  err.name = 'InvalidStateError';
  return err;
}

/** Opens the negotiated channels of two connected fake peer connections, linked. */
export function linkChannels(pcA, pcB) {
  const a = pcA.channels[0];
  const b = pcB.channels[0];
  if (a && b) {
    a.remote = b;
    b.remote = a;
  }
  a?.open();
  b?.open();
}
