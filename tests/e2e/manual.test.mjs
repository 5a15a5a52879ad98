// Scenario 9: server-less mode (/manual.html). The two pages are loaded from a switchboard that is
// then stopped: from there on there is no server at all. Side A creates an offer (ICE gathered,
// no trickle), the text is carried to side B, B's answer is carried back, and then they chat over
// the data channel and each adds video, renegotiated over that channel.

import assert from 'node:assert/strict';
import { scenario } from './lib/scene.mjs';
import { expectMediaFlowing, expectVideoFlowing } from './lib/media.mjs';

scenario('server-less: offer and answer copied by hand, chat, video', async (scene, t) => {
  const server = await scene.server();
  const a = await scene.user('side-a', server, { path: '/manual.html' });
  const b = await scene.user('side-b', server, { path: '/manual.html' });
  await server.stop();
  assert.equal(server.alive(), false, 'no server from here on');

  await a.hook('offer-create').click();
  const offer = await a.waitForValue('offer-text');
  await b.hook('offer-text').fill(offer);
  await b.hook('answer-create').click();
  const answer = await b.waitForValue('answer-text');
  await a.hook('answer-text').fill(answer);
  await a.hook('answer-apply').click();

  // Once the data channel is open (the chat input is enabled then: fill() waits for it), chat
  // both ways, shown as typed (no server strips anything here).
  await a.chat('hello B, <b>no server</b> &amp; no tags');
  await b.expectChat('hello B, <b>no server</b> &amp; no tags');
  await b.chat('hello A');
  await a.expectChat('hello A');
  for (const client of [a, b]) assert.equal(await client.chatElements('b'), 0);

  // Each side adds video: a renegotiation over the data channel each time.
  await a.hook('add-video').click();
  await expectVideoFlowing(b);
  await b.hook('add-video').click();
  await expectMediaFlowing(a, b);
  const shots = await scene.screenshot('server-less-call', [a, b]);
  t.diagnostic(`screenshots: ${shots.join(', ')}`);
});
