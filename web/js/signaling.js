// Signaling transport: one WebSocket to the Switchboard server (docs/protocol.md), reconnecting
// with capped exponential backoff and re-registering the same name. Knows nothing of calls or
// the DOM: it delivers parsed server messages as "message" events and sends plain objects.
//
// Queue policy while not registered (connecting, reconnecting, or before the server confirmed
// our name): send() queues up to `maxQueue` messages and flushes them in order right after the
// next registration; past that it refuses, returns "dropped" and emits "dropped". Nothing is
// ever discarded without the caller being told.
import { Emitter } from './emitter.js';

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

  #url;
  #WebSocket;
  #timers;
  #random;
  #maxQueue;
  #baseMs;
  #capMs;
  #restartJitterMs;
  #ws = null;
  #retryTimer = null;
  #queue = [];
  #wantedName = null;
  #everRegistered = false;

  constructor({
    url,
    WebSocketImpl = globalThis.WebSocket,
    timers = globalThis,
    random = Math.random,
    maxQueue = 200,
    baseDelayMs = 500,
    maxDelayMs = 8000,
    restartJitterMs = 1000,
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
    if (open) this.#sendNow({ type: 'token', token });
    return open;
  }

  /** Connects (if needed) and registers `name`. Also the retry after a refused name. */
  connect(name) {
    this.#wantedName = name;
    if (this.state === SignalingState.OPEN) {
      this.#sendNow({ type: 'username', name });
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
    this.#timers.clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    const ws = this.#ws;
    this.#ws = null;
    ws?.close(1000, 'bye');
    for (const msg of this.#queue.splice(0)) this.emit('dropped', msg, 'closed');
    this.#setState(SignalingState.CLOSED);
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
    let ws;
    try {
      ws = new this.#WebSocket(this.#url);
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
      if (ws === this.#ws) this.#receive(event.data);
    };
    ws.onerror = () => {}; // always followed by close, which carries the code
    ws.onclose = (event) => {
      if (ws !== this.#ws) return; // a socket we already gave up on
      this.#ws = null;
      this.emit('disconnected', { code: event?.code, reason: event?.reason });
      this.#scheduleRetry({ restart: event?.code === SERVICE_RESTART });
    };
  }

  /** `restart`: the server said it is restarting (1012): no backoff, only jitter; a failure
   *  after that backs off as usual. */
  #scheduleRetry({ restart = false } = {}) {
    if (restart) {
      this.retryInMs = Math.round(this.#random() * this.#restartJitterMs);
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

  #receive(data) {
    let msg;
    try {
      msg = JSON.parse(data);
    } catch {
      this.emit('error', new Error('server sent invalid JSON'));
      return;
    }
    if (msg === null || typeof msg !== 'object' || typeof msg.type !== 'string') return;
    switch (msg.type) {
      case 'id':
        this.clientId = msg.id;
        // The server accepts `username` only after `id`: register (or re-register) now.
        if (this.#wantedName !== null) this.#sendNow({ type: 'username', name: this.#wantedName });
        break;
      case 'config':
        this.iceServers = Array.isArray(msg.iceServers) ? msg.iceServers : [];
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
        this.#sendNow({ type: 'username', name: this.#wantedName });
      }
    }, this.retryInMs);
  }

  #registered(name, requested) {
    this.#wantedName = name;
    this.name = name;
    this.attempt = 0;
    this.#everRegistered = true;
    this.#setState(SignalingState.REGISTERED);
    this.emit('registered', { name, requested: requested !== name ? requested : null });
    for (const msg of this.#queue.splice(0)) this.#sendNow(msg);
  }

  #sendNow(msg) {
    this.#ws.send(JSON.stringify(msg));
  }

  #setState(state) {
    if (this.state === state) return;
    this.state = state;
    this.emit('state', state);
  }
}
