// Scenario 4: nobody answers. After 30 s of ringing the attempt ends by itself on both sides,
// with the reason shown. This test takes those 30 s by design.

import assert from 'node:assert/strict';
import { scenario } from './lib/scene.mjs';
import { usersOnline } from './lib/flows.mjs';
import { RING_TIMEOUT_MS, RING_WAIT_MS, scaled } from './lib/timeouts.mjs';

// How far from the nominal 30 s the end may come (page and timer scheduling; the caller's and
// the callee's clocks start a message apart).
const SLACK_MS = scaled(5_000);

scenario('an unanswered call times out on both sides after 30 s', async (scene) => {
  const server = await scene.server();
  const [ana, bob] = await usersOnline(scene, server, ['ana', 'bob']);

  const started = Date.now();
  await ana.call('bob');
  await bob.expectRinging('ana');
  await Promise.all([
    ana.expectStatus(/timed out|time-out|timeout|no answer/i, { timeout: RING_WAIT_MS }),
    bob.expectStatus(/timed out|time-out|timeout|missed/i, { timeout: RING_WAIT_MS }),
  ]);
  const elapsed = Date.now() - started;
  assert.ok(
    elapsed >= RING_TIMEOUT_MS - SLACK_MS && elapsed <= RING_TIMEOUT_MS + 2 * SLACK_MS,
    `the attempt ended after ${elapsed} ms, expected about ${RING_TIMEOUT_MS} ms`,
  );
  await bob.expectHidden('incoming-call');
  await Promise.all([ana.expectCallCleanedUp('bob'), bob.expectCallCleanedUp('ana')]);
});
