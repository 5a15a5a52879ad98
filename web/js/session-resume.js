// Resume and heartbeat bookkeeping for one signaling session (docs/protocol.md "Resume",
// "Heartbeat"): what the server offered, how many server messages we received, and the client
// messages we sent that the server may not have processed yet. Both sides count over all the
// connections of a session, so that after a drop each can say "I have the first n" and the
// other sends again exactly what is missing. No socket here: signaling.js feeds it and asks it
// what to send.

// Not part of the session's count (the server sends them outside it, on every connection).
const UNCOUNTED = new Set(['resumed', 'ping']);
// Never kept: a pong belongs to its connection, the server does not count it.
const UNKEPT = new Set(['pong']);
// What we ask for when the server offers resume. Heartbeat too: its pings tell us what the
// server processed (so we keep little), and its silence that a connection died.
const CAPABILITIES = Object.freeze(['resume', 'heartbeat']);

export class SessionResume {
  /** The session's resume token (from `id`); null: no resume offered, or the session ended. */
  token = null;
  /** The server's heartbeat interval in ms (from `config`); 0: no heartbeat. */
  heartbeatMs = 0;
  /** Our name was confirmed in this session (a resume then needs no new registration). */
  registered = false;
  /** Server messages of this session, from its `id` on: what a reconnect sends as `last`. */
  received = 0;

  #kept = []; // client messages sent, the oldest first, from number #forgotten + 1 on
  #forgotten = 0; // the first messages the server said it processed: no longer kept
  #maxKept;

  /** @param maxKept past this many kept messages the oldest go (see sent()) */
  constructor({ maxKept = 1000 } = {}) {
    this.#maxKept = maxKept;
  }

  /** Client messages sent in this session (kept or already forgotten). */
  get sentCount() {
    return this.#forgotten + this.#kept.length;
  }

  /** Client messages still kept for a resend. */
  get keptCount() {
    return this.#kept.length;
  }

  /** A session begins with the server's `id` message (counted by count(), after this). */
  begin(id) {
    this.end();
    this.token = typeof id.resume === 'string' && id.resume ? id.resume : null;
  }

  /** The server's `config` message: the heartbeat we get (we ask for it only with resume). */
  configure(config) {
    const seconds = Number(config.heartbeatInterval);
    this.heartbeatMs = this.token && seconds > 0 ? seconds * 1000 : 0;
  }

  /** The session is over (resume-failed, our close): nothing to resume, nothing to keep. */
  end() {
    this.token = null;
    this.heartbeatMs = 0;
    this.registered = false;
    this.received = 0;
    this.#kept = [];
    this.#forgotten = 0;
  }

  /** The URL of the next connection: `url` asking to resume this session, if it can be. */
  url(url) {
    if (!this.token) return url;
    const join = url.includes('?') ? '&' : '?';
    return `${url}${join}resume=${encodeURIComponent(this.token)}&last=${this.received}`;
  }

  /** The `username` message: with our capabilities only when the server offers resume, so a
   *  server without it gets exactly what it always got. */
  username(name) {
    if (!this.token) return { type: 'username', name };
    return { type: 'username', name, capabilities: [...CAPABILITIES] };
  }

  /** One server message arrived; `type` is its type (undefined for one that did not parse). */
  count(type) {
    if (!UNCOUNTED.has(type)) this.received += 1;
  }

  /** `msg` went on the socket. */
  sent(msg) {
    if (!this.token || UNKEPT.has(msg.type)) return;
    this.#kept.push(msg);
    // A server without heartbeat never says what it processed until a resume. A live
    // connection processes each message as it arrives, so one this far back was processed
    // long ago: forgetting it bounds memory without losing anything in practice.
    if (this.#kept.length > this.#maxKept) this.processed(this.#forgotten + 1);
  }

  /** A `ping` with `received: k`: the server processed our first k messages; the answer. */
  ping(k) {
    this.processed(k);
    return { type: 'pong', received: this.received };
  }

  /** The server processed our first `k` messages: forget them. */
  processed(k) {
    const count = Math.trunc(Number(k)) || 0; // a malformed count forgets nothing
    const done = Math.min(Math.max(0, count - this.#forgotten), this.#kept.length);
    this.#kept.splice(0, done);
    this.#forgotten += done;
  }

  /** After `resumed` with `received: k`: the messages after the first k, in order, to send
   *  again (they stay kept: the server may not process them either before the next drop). */
  unprocessed(k) {
    this.processed(k);
    return [...this.#kept];
  }
}

/** A timer that every sign of life restarts: calls `onSilence` once `ms` pass without one. */
export class Watchdog {
  #timers;
  #timer = null;

  /** @param timers { setTimeout, clearTimeout } (tests pass a fake clock) */
  constructor(timers) {
    this.#timers = timers;
  }

  /** Starts over: `onSilence` in `ms` from now (never, for 0). */
  restart(ms, onSilence) {
    this.stop();
    if (!(ms > 0)) return;
    this.#timer = this.#timers.setTimeout(() => {
      this.#timer = null;
      onSilence();
    }, ms);
  }

  stop() {
    if (this.#timer !== null) this.#timers.clearTimeout(this.#timer);
    this.#timer = null;
  }
}
