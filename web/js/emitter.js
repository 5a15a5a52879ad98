// A minimal event emitter shared by the non-DOM modules. Not EventTarget/CustomEvent so the
// same code runs unchanged under `node --test` and in the browser, and listeners receive plain
// values instead of event objects.
export class Emitter {
  #handlers = new Map();

  /** Subscribes `fn` to `type`; returns the function that unsubscribes it. */
  on(type, fn) {
    if (!this.#handlers.has(type)) this.#handlers.set(type, new Set());
    this.#handlers.get(type).add(fn);
    return () => this.off(type, fn);
  }

  off(type, fn) {
    this.#handlers.get(type)?.delete(fn);
  }

  emit(type, ...args) {
    // Copy first: a listener may unsubscribe itself while we iterate.
    for (const fn of [...(this.#handlers.get(type) ?? [])]) {
      try {
        fn(...args);
      } catch (err) {
        // One broken listener must not stop the transport or the call from working.
        console.error(`listener for "${type}" failed`, err);
      }
    }
  }
}
