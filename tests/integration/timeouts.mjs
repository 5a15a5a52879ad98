// How long the tests wait. Generous on purpose: the same suite runs against an ASan+UBSan build
// that is several times slower, and a wait that is too short fails for the wrong reason.
// SWITCHBOARD_TIMEOUT_SCALE stretches every wait for even slower builds (e.g. TSan).

const scale = Number(process.env.SWITCHBOARD_TIMEOUT_SCALE ?? 1) || 1;

/** Default bound for one wait on the network (a message, a close, a handshake). */
export const WAIT_MS = 15_000 * scale;

/** Bound for waits that cover a whole burst of traffic (floods, 200-client fan-out). */
export const LONG_WAIT_MS = 60_000 * scale;

/** Per-test bound given to node:test, so a hang fails one test instead of the whole run. */
export const TEST_TIMEOUT_MS = 60_000 * scale;

/** Scales a one-off bound the same way as the defaults above. */
export const scaled = (ms) => ms * scale;

/** Last-resort bound on a whole describe() block; every test and wait inside has its own. */
export const SUITE_TIMEOUT_MS = 600_000 * scale;
