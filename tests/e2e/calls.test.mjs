// Scenario 1: two users log in, see each other, chat, call, see and hear each other, chat in the
// call, hang up, and call again.

import assert from 'node:assert/strict';
import { scenario } from './lib/scene.mjs';
import { callAndAccept, hangUp, usersOnline } from './lib/flows.mjs';

scenario('two users chat, call, chat in the call, hang up, and call again', async (scene, t) => {
  const server = await scene.server();
  const [ana, bob] = await usersOnline(scene, server, ['ana', 'bob']);

  // Lobby chat reaches both (the sender included). Text is text: an entity stays as typed, and
  // markup never becomes an element (the server also strips <…> runs from public chat).
  await ana.chat('hi bob: 5 &lt; 6 &amp; <b>bold</b> move, 1 < 2 <3');
  for (const client of [ana, bob]) {
    await client.expectChat('hi bob: 5 &lt; 6 &amp; bold move, 1 < 2 <3');
  }
  await bob.chat('hello ana');
  for (const client of [ana, bob]) await client.expectChat('hello ana');
  for (const client of [ana, bob]) assert.equal(await client.chatElements('b'), 0);

  await callAndAccept(ana, bob);
  const shots = await scene.screenshot('live-call', [ana, bob]);
  t.diagnostic(`screenshots: ${shots.join(', ')}`);

  // In-call chat, both ways, still text (it travels peer to peer: nothing strips it).
  await ana.chatInCall('in the call &amp; <i>typed</i>');
  await bob.expectCallChat('in the call &amp; <i>typed</i>');
  await bob.chatInCall('loud and clear');
  await ana.expectCallChat('loud and clear');
  for (const client of [ana, bob]) assert.equal(await client.callChatElements('i'), 0);

  await hangUp(ana, bob);

  // Ready for the next call, in the other direction this time.
  await callAndAccept(bob, ana);
  await hangUp(bob, ana);
});
