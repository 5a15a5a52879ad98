// Messages a connection received that no test has claimed yet, and the tests waiting for one.
// Both the `ws`-based client and the hand-rolled raw WebSocket use it, so "wait for the next
// message of type X" means the same thing everywhere: queued messages count, order is kept, and
// a wait ends early (with the unclaimed messages in the error) when the connection closes.

import { WAIT_MS } from './timeouts.mjs';

/** Turns a type name, a list of type names or a predicate into a predicate. */
function toPredicate(match) {
  if (typeof match === 'function') return match;
  if (Array.isArray(match)) return (message) => match.includes(message?.type);
  return (message) => message?.type === match;
}

function describeMatch(match) {
  if (typeof match === 'function') return match.description ?? 'a message matching a predicate';
  return `a message of type ${JSON.stringify(match)}`;
}

function preview(message) {
  const text = JSON.stringify(message) ?? String(message);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

export class Inbox {
  #queued = [];
  #waiters = [];
  #closedBecause = null;

  /** @param {string} label names the connection in error messages */
  constructor(label) {
    this.label = label;
  }

  /** Hands a received message to the oldest waiter that wants it, or queues it. */
  deliver(message) {
    const index = this.#waiters.findIndex((waiter) => waiter.test(message));
    if (index === -1) {
      this.#queued.push(message);
      return;
    }
    const [waiter] = this.#waiters.splice(index, 1);
    clearTimeout(waiter.timer);
    waiter.resolve(message);
  }

  /** Resolves with (and removes) the first queued or future message matching `match`. */
  next(match, { timeoutMs = WAIT_MS } = {}) {
    const test = toPredicate(match);
    const index = this.#queued.findIndex(test);
    if (index !== -1) return Promise.resolve(this.#queued.splice(index, 1)[0]);
    if (this.#closedBecause) {
      return Promise.reject(
        this.#failure(`${this.#closedBecause} before ${describeMatch(match)} arrived`),
      );
    }
    return new Promise((resolve, reject) => {
      const waiter = { test, resolve, reject, match };
      waiter.timer = setTimeout(() => {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        reject(
          this.#failure(`timed out after ${timeoutMs} ms waiting for ${describeMatch(match)}`),
        );
      }, timeoutMs);
      this.#waiters.push(waiter);
    });
  }

  /** Removes and returns every queued message matching `match`, without waiting. */
  take(match) {
    const test = toPredicate(match);
    const taken = this.#queued.filter(test);
    this.#queued = this.#queued.filter((message) => !test(message));
    return taken;
  }

  /** No more messages will come: fail every current and future wait that is not yet satisfied. */
  close(reason) {
    this.#closedBecause = reason;
    for (const waiter of this.#waiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.reject(this.#failure(`${reason} before ${describeMatch(waiter.match)} arrived`));
    }
  }

  #failure(what) {
    const unclaimed = this.#queued.slice(-5).map(preview).join('\n  ');
    return new Error(
      `${this.label}: ${what}; ${this.#queued.length} unclaimed message(s)` +
        (unclaimed ? `, the last ones:\n  ${unclaimed}` : ''),
    );
  }
}
