// A client that speaks the resume protocol (docs/protocol.md, "Resume") the way the browser
// client does: it counts the server messages of its session (all but `resumed` and `ping`),
// keeps what it sent, and after a drop comes back with ?resume=<token>&last=<n>, then sends
// again what `resumed` says the server did not process. Tests see one inbox across all of its
// connections, so "every message exactly once, in order" is a question about that inbox.

import { connect } from './ws-client.mjs';
import { Inbox } from './inbox.mjs';
import { WAIT_MS } from './timeouts.mjs';

// Not part of the session's count, on either side.
const UNCOUNTED = new Set(['resumed', 'ping']);

export class ResumingClient {
  /**
   * @param {string} url the room URL (ws://host:port/?room=r)
   * @param {string} name
   * @param {{ capabilities?: string[], connectVia?: (url: string) => string,
   *   autoResume?: boolean }} options
   *   connectVia: rewrites the URL of each connection (e.g. through a fault proxy);
   *   autoResume: come back by itself whenever a connection drops (retrying while the server
   *   cannot be reached), and, with the heartbeat capability, drop a connection that has been
   *   silent for two heartbeat intervals, as the browser client does
   */
  constructor(
    url,
    name,
    { capabilities = ['resume'], connectVia = (u) => u, autoResume = false } = {},
  ) {
    this.autoResume = autoResume;
    // After resume-failed: register again (the SIGKILL test); otherwise a test decides.
    this.registerAgain = false;
    this.stopped = false;
    this.heartbeatMs = 0;
    this.lastHeard = Date.now();
    this.silenceTimer = null;
    this.comingBack = null;
    this.url = url;
    this.requested = name;
    this.capabilities = capabilities;
    this.connectVia = connectVia;
    this.inbox = new Inbox(name);
    this.history = [];
    this.received = 0; // server messages of this session
    this.sent = []; // every client message of this session, in order
    this.token = null;
    this.id = null;
    this.name = null;
    this.connection = null;
    this.connections = 0;
    this.resumes = [];
    this.failures = [];
  }

  /** Opens the first connection and registers; resolves once the server has the name. */
  async start() {
    await this.#open(null);
    const id = await this.inbox.next('id');
    this.token = id.resume;
    this.id = id.id;
    this.send({ type: 'username', name: this.requested, capabilities: this.capabilities });
    for (;;) {
      const message = await this.inbox.next(['userlist', 'rejectusername', 'error']);
      if (message.type === 'error') throw new Error(`${this.requested}: ${JSON.stringify(message)}`);
      if (message.type === 'rejectusername') {
        this.name = message.name;
        continue;
      }
      this.name ??= this.requested;
      if (message.users.includes(this.name)) return this;
    }
  }

  async #open(resume) {
    const base = this.connectVia(this.url);
    const url = resume ? `${base}&resume=${resume.token}&last=${resume.last}` : base;
    const connection = await connect(url, { label: `${this.requested}#${this.connections}` });
    this.connections += 1;
    this.connection = connection;
    // A resuming connection carries nothing of ours until `resumed` says where to go on from:
    // what is sent meanwhile is kept, and goes out with the resend.
    this.live = !resume;
    // Everything this connection receives goes through here, in order: what arrived with the
    // handshake's answer (before this line ran) first.
    for (const early of connection.inbox.take(() => true)) this.#receive(early, connection);
    connection.taps.push((message) => {
      if (connection !== this.connection) return true;
      this.#receive(message, connection);
      return true;
    });
    if (this.autoResume) {
      connection.closed.then((info) => {
        if (connection !== this.connection || this.stopped || info.code === 4002) return;
        this.#comeBack();
      });
    }
    return connection;
  }

  /** After a drop: resume, retrying (bounded) while connecting fails. */
  #comeBack() {
    if (this.comingBack) return;
    this.comingBack = (async () => {
      for (let attempt = 0; attempt < 50 && !this.stopped; attempt += 1) {
        try {
          await this.resume();
          return;
        } catch (error) {
          // resume-failed: not a network problem (registerAgain has begun a fresh session).
          if (this.failures.length > 0) return;
          this.lastComeBackError = error;
          await new Promise((resolve) => setTimeout(resolve, 10 * (attempt + 1)));
        }
      }
    })().finally(() => {
      this.comingBack = null;
    });
    this.comingBack.catch(() => {});
  }

  /** With heartbeats: a connection silent for two intervals is dead; drop it (autoResume). */
  #watchSilence() {
    clearInterval(this.silenceTimer);
    if (!this.autoResume || this.heartbeatMs <= 0) return;
    this.silenceTimer = setInterval(() => {
      if (this.stopped || !this.connection?.isOpen) return;
      if (Date.now() - this.lastHeard > 2 * this.heartbeatMs) {
        this.silenceDrops = (this.silenceDrops ?? 0) + 1;
        this.connection.terminate();
      }
    }, this.heartbeatMs / 4);
    this.silenceTimer.unref?.();
  }

  #receive(message, connection) {
    this.lastHeard = Date.now();
    if (message.type === 'config' && this.capabilities.includes('heartbeat')) {
      this.heartbeatMs = (message.heartbeatInterval ?? 0) * 1000;
      this.#watchSilence();
    }
    if (message.type === 'resumed') {
      this.resumes.push(message.received);
      // What the server never processed goes again, in order.
      for (const unprocessed of this.sent.slice(message.received)) connection.send(unprocessed);
      this.live = true;
      this.onResumeOutcome?.();
      return;
    }
    if (message.type === 'ping') {
      connection.send({ type: 'pong', received: this.received });
      return;
    }
    if (message.type === 'error' && message.code === 'resume-failed') {
      // A new session begins with the `id` that follows (what was kept is gone with the old).
      this.live = true;
      this.failures.push(message);
      this.received = 0;
      this.sent = [];
      this.freshSession = true;
      this.inbox.deliver(message);
      this.onResumeOutcome?.();
      return;
    }
    if (message.type === 'id' && this.freshSession && this.registerAgain) {
      // As the browser client does: register again under the name it had.
      this.freshSession = false;
      this.token = message.resume;
      this.id = message.id;
      this.received += 1;
      this.history.push(message);
      this.send({ type: 'username', name: this.name, capabilities: this.capabilities });
      return;
    }
    if (!UNCOUNTED.has(message.type)) this.received += 1;
    this.history.push(message);
    this.inbox.deliver(message);
  }

  send(message) {
    this.sent.push(message);
    if (this.live && this.connection?.isOpen) this.connection.send(message);
  }

  next(match, options) {
    return this.inbox.next(match, options);
  }

  /** Drops the TCP connection, no close frame: what a network loss looks like to the server. */
  drop() {
    this.connection?.terminate();
  }

  /**
   * Comes back after a drop; resolves once the new connection is open (not yet resumed).
   * takeOver: leave the old connection open (a half-open one, as the server sees it).
   */
  async reconnect({ takeOver = false } = {}) {
    const old = this.connection;
    if (!takeOver) {
      if (old?.isOpen) old.terminate();
      await old?.closed;
    }
    // Anything heard from here on is the new connection's.
    this.lastHeard = Date.now();
    return this.#open({ token: this.token, last: this.received });
  }

  /** Comes back and waits for `resumed`; fails if the server answers resume-failed. */
  async resume({ timeoutMs = WAIT_MS, takeOver = false } = {}) {
    const resumesBefore = this.resumes.length;
    const failuresBefore = this.failures.length;
    const connection = await this.reconnect({ takeOver });
    const outcome = new Promise((resolve, reject) => {
      const check = () => {
        if (this.resumes.length > resumesBefore) return resolve(this.resumes.at(-1)), true;
        if (this.failures.length > failuresBefore)
          return reject(new Error(`${this.requested}: ${JSON.stringify(this.failures.at(-1))}`)), true;
        return false;
      };
      if (check()) return;
      this.onResumeOutcome = check;
      connection.closed.then((info) => {
        if (!check()) reject(new Error(`${this.requested}: closed ${JSON.stringify(info)} before resumed`));
      });
    });
    let timer;
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`${this.requested}: no resumed within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([outcome, timeout]);
    } finally {
      clearTimeout(timer);
      this.onResumeOutcome = null;
    }
  }

  async close(code = 1000) {
    this.stopped = true;
    clearInterval(this.silenceTimer);
    await this.connection?.close(code);
  }

  /** Stops coming back and drops the connection (teardown). */
  stop() {
    this.stopped = true;
    clearInterval(this.silenceTimer);
    this.connection?.terminate();
  }
}
