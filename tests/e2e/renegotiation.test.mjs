// Scenario 6: screen share turned on and off mid-call by the caller, by the callee, and by both
// at the same moment. Both clicking at once makes both peers want to renegotiate together: with
// perfect negotiation one side yields and the call goes on; without it, it wedges (offers
// collide, signalingState never returns to stable, the share never arrives).

import assert from 'node:assert/strict';
import { scenario } from './lib/scene.mjs';
import { callAndAccept, hangUp, usersOnline } from './lib/flows.mjs';
import {
  descriptions,
  expectMediaFlowing,
  expectScreenReceived,
  expectScreenStopped,
  expectStable,
} from './lib/media.mjs';

/**
 * `sharers` toggle screen share at once (both clicks in flight together); each viewer must then
 * receive (or stop receiving) a screen, both peer connections must settle in `stable`, and the
 * change must have been negotiated: each side applied a new remote description.
 */
async function toggleShare(sharers, viewers, on) {
  const everyone = [...new Set([...sharers, ...viewers])];
  const before = await Promise.all(everyone.map(descriptions));
  await Promise.all(sharers.map((sharer) => sharer.toggleScreenShare()));
  const expectScreen = on ? expectScreenReceived : expectScreenStopped;
  await Promise.all(viewers.map((viewer) => expectScreen(viewer)));
  await Promise.all(everyone.map((client) => expectStable(client)));
  const after = await Promise.all(everyone.map(descriptions));
  everyone.forEach((client, i) => {
    assert.notEqual(after[i].remote, before[i].remote, `${client.label}: no renegotiation`);
  });
}

async function shareAndStop(scene, t, pick) {
  const server = await scene.server();
  const [ana, bob] = await usersOnline(scene, server, ['ana', 'bob']);
  await callAndAccept(ana, bob);
  const { sharers, viewers } = pick(ana, bob);

  await toggleShare(sharers, viewers, true);
  await expectMediaFlowing(ana, bob);
  await scene.screenshot('sharing', [ana, bob]);

  await toggleShare(sharers, viewers, false);
  await expectMediaFlowing(ana, bob);

  // Once more: a second round of renegotiation works as well as the first. The call then ends
  // while sharing: hang-up must stop the screen capture too (expectCallCleanedUp checks).
  await toggleShare(sharers, viewers, true);
  await expectMediaFlowing(ana, bob);
  // Whether the simultaneous clicks really collided (offersIgnored on the impolite side, a
  // rollback on the polite one) depends on timing; the client's counters tell, when it has them.
  for (const client of [ana, bob]) {
    const { negotiation } = await descriptions(client);
    if (negotiation) t.diagnostic(`${client.label} negotiation: ${JSON.stringify(negotiation)}`);
  }
  await hangUp(bob, ana);
}

scenario('the caller shares the screen and stops', (scene, t) =>
  shareAndStop(scene, t, (ana, bob) => ({ sharers: [ana], viewers: [bob] })),
);

scenario('the callee shares the screen and stops', (scene, t) =>
  shareAndStop(scene, t, (ana, bob) => ({ sharers: [bob], viewers: [ana] })),
);

scenario('both share the screen at the same moment, and stop at the same moment', (scene, t) =>
  shareAndStop(scene, t, (ana, bob) => ({ sharers: [ana, bob], viewers: [bob, ana] })),
);
