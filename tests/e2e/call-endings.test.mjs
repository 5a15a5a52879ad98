// Scenarios 2, 3 and 5: a call attempt that ends before it is answered (declined, cancelled) or
// that meets a callee already in a call (busy). Each ends on both sides with a visible reason,
// and leaves both sides ready for another call.

import assert from 'node:assert/strict';
import { scenario } from './lib/scene.mjs';
import { callAndAccept, hangUp, usersOnline } from './lib/flows.mjs';
import { expectMediaFlowing } from './lib/media.mjs';

scenario('the callee declines: both sides show it, then a call goes through', async (scene) => {
  const server = await scene.server();
  const [ana, bob] = await usersOnline(scene, server, ['ana', 'bob']);

  await ana.call('bob');
  await bob.expectRinging('ana');
  await bob.decline();
  await Promise.all([ana.expectStatus(/declined.*bob/i), bob.expectStatus(/declined/i)]);
  await bob.expectHidden('incoming-call');
  await Promise.all([ana.expectCallCleanedUp('bob'), bob.expectCallCleanedUp('ana')]);

  await callAndAccept(ana, bob);
  await hangUp(bob, ana);
});

scenario('the caller cancels: the callee stops ringing, both show it', async (scene) => {
  const server = await scene.server();
  const [ana, bob] = await usersOnline(scene, server, ['ana', 'bob']);

  await ana.call('bob');
  await bob.expectRinging('ana');
  await ana.cancel();
  await Promise.all([ana.expectStatus(/cancel/i), bob.expectStatus(/cancel.*ana/i)]);
  await bob.expectHidden('incoming-call');
  await Promise.all([ana.expectCallCleanedUp('bob'), bob.expectCallCleanedUp('ana')]);

  await callAndAccept(bob, ana);
  await hangUp(ana, bob);
});

scenario('a third user calling someone in a call is told they are busy', async (scene) => {
  const server = await scene.server();
  const [ana, bob, cy] = await usersOnline(scene, server, ['ana', 'bob', 'cy']);
  await callAndAccept(ana, bob);

  await cy.call('bob');
  await cy.expectStatus(/busy/i);
  await cy.expectCallCleanedUp('bob');
  // The call in progress is untouched: bob never saw a prompt, and video still flows.
  assert.equal(await bob.hook('incoming-call').isVisible(), false, 'bob was not prompted');
  await Promise.all([
    ana.expectStatus(/in call.*bob/i),
    bob.expectStatus(/in call.*ana/i),
  ]);
  await expectMediaFlowing(ana, bob);

  await hangUp(ana, bob);
  // Once bob is free, cy gets through.
  await callAndAccept(cy, bob);
  await hangUp(cy, bob);
});
