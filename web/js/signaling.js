// Signaling transport: one WebSocket to the Switchboard server (docs/protocol.md), reconnecting
// with capped exponential backoff and re-registering the same name. Knows nothing of calls or
// the DOM: it delivers parsed server messages as "message" events and sends plain objects.
//
// Queue policy while not registered (connecting, reconnecting, or before the server confirmed
// our name): send() queues up to `maxQueue` messages and flushes them in order right after the
// next registration; past that it refuses, returns "dropped" and emits "dropped". Nothing is
// ever discarded without the caller being told.
//
// Resume and heartbeat (docs/protocol.md), when `id` offers them: a dropped connection comes
// back as the same session, same name, every message once and in order both ways (counted in
// session-resume.js), with a 'resumed' event instead of 'registered': nobody sees the drop. A
// connection silent for two heartbeat intervals is taken for dead and replaced the same way.
// `ping`, `resumed` and `resume-failed` stay here: they are not "message" events.
import { Emitter } from './emitter.js';
import { SessionResume, Watchdog } from './session-resume.js';

export const SignalingState = Object.freeze({
  IDLE: 'idle', // connect() not called yet
  CONNECTING: 'connecting', // a socket is opening
  OPEN: 'open', // socket open, our name not yet confirmed by the server
  REGISTERED: 'registered', // the server confirmed our name: messages flow
  RECONNECTING: 'reconnecting', // lost the server, waiting `retryInMs` before the next try
  CLOSED: 'closed', // close() was called: no more retries
});

// Error codes the server answers a `username` with; the connection stays open but unregistered.
const REGISTRATION_ERRORS = new Set([
  'name-empty',
  'name-too-long',
  'name-invalid',
  'name-confusable',
  'room-full',
  'already-registered',
  // With a login token the server grants one name: another is refused, as is a taken one.
  'name-not-allowed',
  'name-in-use',
]);

/** Delay before reconnect attempt `attempt` (0-based): base·2^attempt, capped, with ±25% jitter
 *  so the clients of a restarted server do not all come back in the same millisecond. */
export function backoffDelay(attempt, { baseMs = 500, capMs = 8000, random = Math.random } = {}) {
  const exponential = Math.min(capMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.min(capMs, Math.round(exponential * (0.75 + random() * 0.5)));
}

/** Close code of a server that is restarting or handing its clients to another node (SIGTERM,
 *  a rolling upgrade): come straight back, spread over `restartJitterMs` so that thousands of
 *  clients do not arrive in the same millisecond. */
export const SERVICE_RESTART = 1012;

/** Close code of a connection of ours that a newer one took the session from: that one goes on,
 *  so this one must not come back. */
export const TAKEN_OVER = 4002;

/** The code we close a connection with when its heartbeat stopped. Not 1000/1001: a clean close
 *  ends the session on the server at once; any other code leaves it to resume. */
export const DEAD_CONNECTION = 4000;

/** The WebSocket URL for a page: same origin, the page's `?room=` if it has one, and a login
 *  token (the page's `?token=`, or `token` given: a renewed one) for a server run with --auth. */
export function signalingUrl(location, { token } = {}) {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const page = new URLSearchParams(location.search);
  const query = [];
  const room = page.get('room');
  if (room) query.push(`room=${encodeURIComponent(room)}`);
  const login = token ?? page.get('token');
  if (login) query.push(`token=${encodeURIComponent(login)}`);
  return `${scheme}//${location.host}/${query.length ? `?${query.join('&')}` : ''}`;
}

/** The `sub` (the name the server will grant) of a JWT, read without checking it — the server
 *  checks; this only fills in the login form. null when it cannot be read. */
export function tokenSubject(token) {
  try {
    const payload = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const bytes = Uint8Array.from(atob(payload), (c) => c.charCodeAt(0));
    const claims = JSON.parse(new TextDecoder().decode(bytes));
    return typeof claims.sub === 'string' ? claims.sub : null;
  } catch {
    return null;
  }
}

/** Checks a name against the server's rules (docs/protocol.md "Names") so the user hears about
 *  a bad name at once; returns an error text or null. The server checks again. */
export function nameProblem(name) {
  if (typeof name !== 'string' || name.length === 0) return 'Enter a name.';
  if (name.trim() !== name) return 'No spaces at the start or end, please.';
  if ([...name].length > 32) return 'At most 32 characters.';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f<>&"']/.test(name))
    return 'Not allowed: < > & " \' or control characters.';
  return null;
}

export class Signaling extends Emitter {
  state = SignalingState.IDLE;
  /** The name the server registered us under (after a rejectusername, the one it assigned). */
  name = null;
  clientId = null;
  /** STUN/TURN servers from the server's `config` message, ready for RTCPeerConnection. */
  iceServers = [];
  users = [];
  /** Failed attempts since the last registration; drives the backoff. */
  attempt = 0;
  retryInMs = 0;
  /** Drops this client came back from unnoticed (`resumed`). */
  resumes = 0;
  /** True from the drop of a live resumable session until the first try to resume it is over:
   *  a drop that will most likely go unnoticed need not alarm anyone yet. */
  resuming = false;

  #url;
  #WebSocket;
  #timers;
  #random;
  #maxQueue;
  #baseMs;
  #capMs;
  #restartJitterMs;
  #resumeJitterMs;
  #ws = null;
  #retryTimer = null;
  #queue = [];
  #wantedName = null;
  #everRegistered = false;
  #session; // resume and heartbeat state of the current session (session-resume.js)
  #watchdog; // fires after two heartbeat intervals of silence
  #quickRetry = false; // a live session dropped: the next try comes at once, not after backoff
  #awaitingResume = false; // this connection asked to resume: `resumed` or `resume-failed` next

  constructor({
    url,
    WebSocketImpl = globalThis.WebSocket,
    timers = globalThis,
    random = Math.random,
    maxQueue = 200,
    baseDelayMs = 500,
    maxDelayMs = 8000,
    restartJitterMs = 1000,
    resumeJitterMs = 250,
    maxKept = 1000,
  }) {
    super();
    this.#url = url;
    this.#WebSocket = WebSocketImpl;
    this.#timers = timers;
    this.#random = random;
    this.#maxQueue = maxQueue;
    this.#baseMs = baseDelayMs;
    this.#capMs = maxDelayMs;
    this.#restartJitterMs = restartJitterMs;
    this.#resumeJitterMs = resumeJitterMs;
    this.#session = new SessionResume({ maxKept });
    this.#watchdog = new Watchdog(timers);
  }

  /** Messages waiting for the next registration. */
  get queued() {
    return this.#queue.length;
  }

  /** True once we were registered at least once: a later loss is a "reconnect", not a login. */
  get everRegistered() {
    return this.#everRegistered;
  }

  /** A fresh login token (after `token-expiring`): sent on the open connection at once, and
   *  `url` (which carries it) is used for every reconnect from now on. */
  renewToken(token, url) {
    this.#url = url;
    const open = this.state === SignalingState.OPEN || this.state === SignalingState.REGISTERED;
    // Before `resumed` it would overtake what is to be sent again: first in the queue instead.
    if (open && this.#awaitingResume) this.#queue.unshift({ type: 'token', token });
    else if (open) this.#sendNow({ type: 'token', token });
    return open;
  }

  /** Connects (if needed) and registers `name`. Also the retry after a refused name. */
  connect(name) {
    this.#wantedName = name;
    if (this.state === SignalingState.OPEN) {
      this.#sendNow(this.#session.username(name));
      return;
    }
    if (this.state === SignalingState.IDLE || this.state === SignalingState.CLOSED) this.#open();
  }

  /** Skips the backoff wait (the banner's "Retry now"). */
  reconnectNow() {
    if (this.state !== SignalingState.RECONNECTING) return;
    this.#timers.clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    this.#open();
  }

  /** Stops for good: closes the socket, cancels retries; queued messages are reported dropped. */
  close() {
    const ws = this.#ws;
    this.#ws = null;
    ws?.close(1000, 'bye'); // a clean close: the server ends the session at once
    this.#stop();
  }

  /** Sends `msg` now if registered, else queues it. Returns "sent", "queued" or "dropped". */
  send(msg) {
    // readyState 1 = OPEN: a socket that is already closing would swallow the message.
    if (this.state === SignalingState.REGISTERED && this.#ws?.readyState === 1) {
      this.#sendNow(msg);
      return 'sent';
    }
    if (this.state !== SignalingState.CLOSED && this.#queue.length < this.#maxQueue) {
      this.#queue.push(msg);
      return 'queued';
    }
    this.emit('dropped', msg, this.state === SignalingState.CLOSED ? 'closed' : 'queue-full');
    return 'dropped';
  }

  #open() {
    this.#setState(SignalingState.CONNECTING);
    this.#awaitingResume = this.#session.token !== null;
    let ws;
    try {
      // With a session to resume, the URL carries its token and how much of it we have.
      ws = new this.#WebSocket(this.#session.url(this.#url));
    } catch (err) {
      // A malformed URL throws synchronously; treat it like a failed connection.
      this.emit('error', err);
      this.#scheduleRetry();
      return;
    }
    this.#ws = ws;
    ws.onopen = () => {
      if (ws === this.#ws) this.#setState(SignalingState.OPEN);
    };
    ws.onmessage = (event) => {
      if (ws !== this.#ws) return; // a socket we gave up on: a resume gets it all again
      this.#receive(event.data);
      this.#watch();
    };
    ws.onerror = () => {}; // always followed by close, which carries the code
    ws.onclose = (event) => {
      if (ws !== this.#ws) return; // a socket we already gave up on
      this.#ws = null;
      this.#watchdog.stop();
      this.emit('disconnected', { code: event?.code, reason: event?.reason });
      // Our session went on in a newer connection: coming back would take it from that one.
      if (event?.code === TAKEN_OVER) return this.#stop();
      this.#scheduleRetry({ restart: event?.code === SERVICE_RESTART });
    };
  }

  /** Over for good (close(), or the session taken over): no retries, the queue reported. */
  #stop() {
    this.#timers.clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    this.#watchdog.stop();
    this.#session.end();
    this.resuming = false;
    for (const msg of this.#queue.splice(0)) this.emit('dropped', msg, 'closed');
    this.#setState(SignalingState.CLOSED);
  }

  /** `restart`: the server said it is restarting (1012): no backoff, only jitter; a failure
   *  after that backs off as usual. A live resumable session that dropped comes back at once
   *  (within `resumeJitterMs`): the server holds it for seconds, not for our backoff. */
  #scheduleRetry({ restart = false } = {}) {
    const quick = this.#quickRetry && this.#session.token !== null;
    this.#quickRetry = false;
    this.resuming = quick && !restart;
    if (restart || quick) {
      const jitterMs = restart ? this.#restartJitterMs : this.#resumeJitterMs;
      this.retryInMs = Math.round(this.#random() * jitterMs);
    } else {
      this.retryInMs = backoffDelay(this.attempt, {
        baseMs: this.#baseMs,
        capMs: this.#capMs,
        random: this.#random,
      });
      this.attempt += 1;
    }
    this.#setState(SignalingState.RECONNECTING);
    this.#retryTimer = this.#timers.setTimeout(() => {
      this.#retryTimer = null;
      this.#open();
    }, this.retryInMs);
  }

  /** (Re)starts the dead-connection timer: a heartbeat server sends a `ping` every interval,
   *  so two intervals without a message mean the connection is dead (a NAT that forgot it, a
   *  laptop lid), which the browser would notice only minutes later. */
  #watch() {
    const ws = this.#ws;
    const live = this.state === SignalingState.REGISTERED;
    this.#watchdog.restart(live ? 2 * this.#session.heartbeatMs : 0, () => {
      if (ws !== this.#ws) return;
      this.#ws = null;
      ws.close(DEAD_CONNECTION, 'no heartbeat');
      this.emit('disconnected', { code: DEAD_CONNECTION, reason: 'no heartbeat' });
      this.#quickRetry = false; // this is the quick try: a failure of it backs off
      this.resuming = true;
      this.#open();
    });
  }

  #receive(data) {
    let msg;
    try {
      msg = JSON.parse(data);
    } catch {
      this.#session.count(undefined); // the server counted it all the same
      this.emit('error', new Error('server sent invalid JSON'));
      return;
    }
    const type = msg !== null && typeof msg === 'object' ? msg.type : undefined;
    if (type === 'error' && msg.code === 'resume-failed') return this.#resumeFailed();
    if (type === 'id') this.#session.begin(msg);
    this.#session.count(type);
    if (typeof type !== 'string') return;
    switch (type) {
      // Ours only if we asked for them; else (an older server) whatever a peer called them.
      case 'ping': // the pong is neither counted nor kept: raw
        if (!this.#session.token) break;
        return this.#ws.send(JSON.stringify(this.#session.ping(msg.received)));
      case 'resumed':
        if (!this.#awaitingResume) break;
        return this.#resumed(msg.received);
      case 'id': // a fresh session (also the answer of a server that ignored ?resume=)
        this.#awaitingResume = false;
        this.clientId = msg.id;
        // The server accepts `username` only after `id`: register (or re-register) now.
        if (this.#wantedName !== null) this.#sendNow(this.#session.username(this.#wantedName));
        break;
      case 'config':
        this.iceServers = Array.isArray(msg.iceServers) ? msg.iceServers : [];
        this.#session.configure(msg);
        this.emit('config', this.iceServers);
        break;
      case 'rejectusername':
        // Our name (or a look-alike of it) was taken, or the server normalized it to NFC: the
        // server chose the name we have, and we keep it for reconnects too.
        this.#registered(msg.name, msg.requested ?? this.#wantedName);
        break;
      case 'userlist':
        this.users = Array.isArray(msg.users) ? msg.users : [];
        if (this.state === SignalingState.OPEN && this.users.includes(this.#wantedName)) {
          this.#registered(this.#wantedName, null);
        }
        break;
      case 'token-expiring':
        this.emit('token-expiring', { expiresIn: Number(msg.expires_in) });
        break;
      case 'error':
        if (this.state === SignalingState.OPEN && msg.code === 'cluster-unavailable') {
          // A cluster node that cannot reach Redis just now: ask again, backing off, on this
          // socket (the node may also close it, and the load balancer send us elsewhere).
          this.#retryRegistration();
        } else if (this.state === SignalingState.OPEN && REGISTRATION_ERRORS.has(msg.code)) {
          this.emit('register-failed', msg);
        }
        break;
    }
    this.emit('message', msg);
  }

  /** The session is back: the server processed our first `received` messages, and what it
   *  sent after our `last` follows. Same name, no registration: to the app, nothing happened. */
  #resumed(received) {
    this.#awaitingResume = false;
    this.resumes += 1;
    this.attempt = 0;
    this.#quickRetry = true;
    this.resuming = false;
    // Raw sends: these are kept already, under the numbers they had.
    for (const again of this.#session.unprocessed(received)) this.#ws.send(JSON.stringify(again));
    // Dropped before our name was confirmed: the `username` just sent again, or the server's
    // answer to it in what follows, registers us as usual.
    if (!this.#session.registered) return;
    for (const msg of this.#queue.splice(0)) this.#sendNow(msg);
    this.#setState(SignalingState.REGISTERED);
    this.emit('resumed', { name: this.name });
  }

  /** The old session is over and its name free: the `id` that follows starts a new one, and we
   *  register as on any reconnect. What was kept for the old one is of no use now. */
  #resumeFailed() {
    this.#awaitingResume = false;
    this.#session.end();
    this.resuming = false;
    this.emit('session-lost');
  }

  #retryRegistration() {
    const ws = this.#ws;
    this.retryInMs = backoffDelay(this.attempt, {
      baseMs: this.#baseMs,
      capMs: this.#capMs,
      random: this.#random,
    });
    this.attempt += 1;
    this.#retryTimer = this.#timers.setTimeout(() => {
      this.#retryTimer = null;
      if (ws === this.#ws && this.state === SignalingState.OPEN && this.#wantedName !== null) {
        this.#sendNow(this.#session.username(this.#wantedName));
      }
    }, this.retryInMs);
  }

  #registered(name, requested) {
    this.#wantedName = name;
    this.name = name;
    this.attempt = 0;
    this.#everRegistered = true;
    this.#session.registered = true;
    this.#quickRetry = true;
    this.#setState(SignalingState.REGISTERED);
    this.emit('registered', { name, requested: requested !== name ? requested : null });
    for (const msg of this.#queue.splice(0)) this.#sendNow(msg);
  }

  /** Everything we send but a `pong` goes through here, to be kept for a resend. */
  #sendNow(msg) {
    this.#ws.send(JSON.stringify(msg));
    this.#session.sent(msg);
  }

  #setState(state) {
    if (this.state === state) return;
    this.state = state;
    this.emit('state', state);
  }
}
