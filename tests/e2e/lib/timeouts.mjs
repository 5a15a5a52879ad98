// Every bound the end-to-end tests wait on, in one place. Nothing here is a sleep: each value caps
// a wait for an event or a condition, so a passing run is as fast as the browsers are, and a hang
// fails the one step that hung, with a message saying which. SWITCHBOARD_TIMEOUT_SCALE stretches
// them all (a sanitizer build, a slow machine).

const scale = Number(process.env.SWITCHBOARD_TIMEOUT_SCALE ?? 1) || 1;

/** Scales a one-off bound the same way as the defaults below. */
export const scaled = (ms) => ms * scale;

/** One UI step: a page loads, a button appears, a message shows up in another page. */
export const STEP_MS = scaled(15_000);

/** A call connects and decodes video (ICE, DTLS, first key frame), or recovers after a change. */
export const MEDIA_MS = scaled(20_000);

/** How long a callee rings before the attempt ends by itself (issue 3: "30 s no answer"). */
export const RING_TIMEOUT_MS = 30_000;

/** Waiting for the ring timeout: the timeout itself plus room for both sides to show it. */
export const RING_WAIT_MS = RING_TIMEOUT_MS + scaled(15_000);

/** A whole server restart is noticed and the client has reconnected (its backoff included). */
export const RECONNECT_MS = scaled(30_000);

/** Starting or stopping a process (server, browser). */
export const PROCESS_MS = scaled(15_000);

/** Per-test bound given to node:test: a hang fails one test, not the whole run. */
export const TEST_MS = scaled(180_000);
