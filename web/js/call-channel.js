// The data-channel handover (docs/client.md): peer-to-peer signaling over the call's own
// negotiated RTCDataChannel, so a call survives its signaling server.
//
// Both peers create the channel with {negotiated: true, id: 0}; no in-band open message is
// needed, so a peer that never creates it (MDN's sample client) simply never answers. When the
// channel opens we send {type:'dc-hello'}; the peer answers {type:'dc-hello-ack'} (and sends its
// own hello). We have then sent our hello and received the peer's hello or ack: the peer
// provably reads this channel, and `ready` turns true. Until then, and whenever the channel is
// not open, the caller must fall back to the server.
import { Emitter } from './emitter.js';
import {
  ChannelMessage,
  helloMessage,
  helloAckMessage,
  parseChannelData,
} from './call-messages.js';

export const CHANNEL_OPTIONS = Object.freeze({ negotiated: true, id: 0 });
export const CHANNEL_LABEL = 'signaling';

export class SignalingChannel extends Emitter {
  sentHello = false;
  heardPeer = false;
  #channel;
  #timers;
  #wasReady = false;

  constructor(channel, { timers = globalThis } = {}) {
    super();
    this.#channel = channel;
    this.#timers = timers;
    channel.addEventListener('open', () => this.#onOpen());
    channel.addEventListener('close', () => this.#update());
    channel.addEventListener('message', (event) => this.#onMessage(event.data));
    if (channel.readyState === 'open') this.#onOpen();
  }

  /** True when messages sent now reach a peer that reads this channel. */
  get ready() {
    return this.#channel.readyState === 'open' && this.sentHello && this.heardPeer;
  }

  /** Sends `msg` over the channel if ready; returns false (nothing sent) otherwise. */
  trySend(msg) {
    if (!this.ready) return false;
    try {
      this.#channel.send(JSON.stringify(msg));
      return true;
    } catch {
      return false; // closing under us: let the caller use the server instead
    }
  }

  /** Resolves once everything sent has left the channel's buffer (at most `timeoutMs`): lets a
   *  hang-up go out before the peer connection is closed. */
  flush(timeoutMs = 500) {
    return new Promise((resolve) => {
      const start = Date.now();
      const poll = () => {
        if (this.#channel.readyState !== 'open' || this.#channel.bufferedAmount === 0) {
          // bufferedAmount 0 means handed to SCTP, not yet on the wire: give it a moment.
          this.#timers.setTimeout(resolve, 50);
        } else if (Date.now() - start >= timeoutMs) {
          resolve();
        } else {
          this.#timers.setTimeout(poll, 20);
        }
      };
      poll();
    });
  }

  #onOpen() {
    if (this.sentHello) return;
    this.#rawSend(helloMessage());
    this.sentHello = true;
    this.#update();
  }

  #onMessage(data) {
    const msg = parseChannelData(data);
    if (msg === null) return; // not ours: ignore rather than break the call
    if (msg.type === ChannelMessage.HELLO) {
      this.#rawSend(helloAckMessage());
      this.heardPeer = true;
      this.#update();
    } else if (msg.type === ChannelMessage.HELLO_ACK) {
      this.heardPeer = true;
      this.#update();
    } else {
      this.emit('message', msg);
    }
  }

  // Emits "ready" only when it changes: hello and ack may both arrive.
  #update() {
    const ready = this.ready;
    if (ready === this.#wasReady) return;
    this.#wasReady = ready;
    this.emit('ready', ready);
  }

  #rawSend(msg) {
    try {
      this.#channel.send(JSON.stringify(msg));
    } catch {
      // The channel closed between open and send; "close" will report it.
    }
  }
}
