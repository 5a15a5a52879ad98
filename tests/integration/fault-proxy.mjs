// A TCP proxy between test clients and the server that breaks connections the way networks
// do: cut at a random byte (no close frame, possibly mid-frame), stall (stop forwarding, the
// connection stays open: a half-open link as both ends see it), delay every chunk, or split
// everything into 1-byte segments. Loopback only; close() ends every socket it holds.

import net from 'node:net';

/** A small seeded generator (mulberry32): a failing run can be replayed with its seed. */
export function seededRandom(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// More than the 101 answer (about 130 bytes) and the first message after it.
const ESTABLISHED_BYTES = 200;

class Link {
  constructor(proxy, client) {
    this.proxy = proxy;
    this.client = client;
    this.server = net.connect(proxy.targetPort, '127.0.0.1');
    this.server.setNoDelay(true);
    client.setNoDelay(true);
    this.stalled = false;
    this.closed = false;
    this.cutAfter = null; // bytes left (either direction) before a planned cut
    this.fromServer = 0; // bytes the server sent: past the handshake's answer, a session is up
    this.closedPromise = new Promise((resolve) => {
      this.resolveClosed = resolve;
    });
    for (const [from, to] of [
      [client, this.server],
      [this.server, client],
    ]) {
      from.on('data', (chunk) => {
        if (from === this.server) this.fromServer += chunk.length;
        this.#forward(chunk, to);
      });
      from.on('error', () => this.destroy());
      from.on('close', () => this.destroy());
    }
  }

  #forward(chunk, to) {
    if (this.closed || this.stalled) return;
    if (this.cutAfter !== null) {
      if (chunk.length >= this.cutAfter) {
        // The first bytes get through; the connection dies in the middle of the rest.
        if (this.cutAfter > 0) to.write(chunk.subarray(0, this.cutAfter));
        this.proxy.cuts += 1;
        this.destroy();
        return;
      }
      this.cutAfter -= chunk.length;
    }
    const { delayMs, oneByteSegments } = this.proxy.mode;
    const send = () => {
      if (this.closed) return;
      if (!oneByteSegments) return to.write(chunk);
      for (let i = 0; i < chunk.length; i += 1) to.write(chunk.subarray(i, i + 1));
    };
    if (delayMs > 0) setTimeout(send, delayMs);
    else send();
  }

  /** Cuts after `bytes` more bytes have passed (0: now). No close frame, no FIN first. */
  cut(bytes = 0) {
    if (bytes > 0) {
      this.cutAfter = bytes;
      return;
    }
    this.proxy.cuts += 1;
    this.destroy();
  }

  /** Stops forwarding in both directions; the sockets stay open. */
  stall() {
    this.stalled = true;
  }

  destroy() {
    if (this.closed) return;
    this.closed = true;
    // resetAndDestroy: an RST, as a dead link or a NAT that forgot it looks to the far end.
    for (const socket of [this.client, this.server]) {
      if (typeof socket.resetAndDestroy === 'function' && socket.readyState !== 'opening')
        socket.resetAndDestroy();
      else socket.destroy();
    }
    this.proxy.links.delete(this);
    this.resolveClosed();
  }
}

export class FaultProxy {
  constructor(targetPort, { seed = 1 } = {}) {
    this.targetPort = targetPort;
    this.random = seededRandom(seed);
    this.links = new Set();
    this.mode = { delayMs: 0, oneByteSegments: false };
    this.accepted = 0;
    // Cuts that happened (a planned one waits for its byte).
    this.cuts = 0;
    this.server = net.createServer((client) => {
      this.accepted += 1;
      this.links.add(new Link(this, client));
    });
  }

  async listen() {
    await new Promise((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = this.server.address().port;
    return this;
  }

  /** The URL `url` (ws://127.0.0.1:<server port>/...) rewritten to go through the proxy. */
  via(url) {
    return url.replace(/^ws:\/\/127\.0\.0\.1:\d+/, `ws://127.0.0.1:${this.port}`);
  }

  /**
   * Cuts one live link at a random byte within its next `withinBytes`; false if none. Only
   * links whose WebSocket is up (the server has sent more than a handshake's answer): a cut
   * during the upgrade only makes the client try again, and resumes nothing.
   */
  cutRandom(withinBytes = 512) {
    const live = [...this.links].filter(
      (link) => !link.closed && link.cutAfter === null && link.fromServer > ESTABLISHED_BYTES,
    );
    if (live.length === 0) return false;
    const link = live[Math.floor(this.random() * live.length)];
    link.cut(Math.floor(this.random() * withinBytes));
    return true;
  }

  async close() {
    for (const link of [...this.links]) link.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

export async function startFaultProxy(targetPort, options) {
  return new FaultProxy(targetPort, options).listen();
}
