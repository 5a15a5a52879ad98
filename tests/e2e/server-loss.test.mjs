// Scenarios 7 and 8: the signaling server disappears.
// 7. Killed (SIGKILL, no goodbye) mid-call: the call lives on, because once connected both peers
//    signal over the call's own data channel. Media keeps flowing, screen share can be added and
//    removed (renegotiation with no server), in-call chat works, and hang-up reaches the peer.
// 8. Killed and started again on the same port: both clients show the banner, reconnect by
//    themselves, register their names again, and can call each other.

import assert from 'node:assert/strict';
import { scenario } from './lib/scene.mjs';
import { callAndAccept, hangUp, usersOnline } from './lib/flows.mjs';
import { expectMediaFlowing, expectScreenReceived, expectScreenStopped } from './lib/media.mjs';
import { RECONNECT_MS } from './lib/timeouts.mjs';

scenario('the server is killed mid-call: the call goes on without it', async (scene, t) => {
  const server = await scene.server();
  const [ana, bob] = await usersOnline(scene, server, ['ana', 'bob']);
  await callAndAccept(ana, bob);
  await Promise.all([ana.expectPeerSignaling(), bob.expectPeerSignaling()]);

  const { signal } = await server.kill('SIGKILL');
  assert.equal(signal, 'SIGKILL');
  // The loss is visible, and nothing else about the call changes.
  await Promise.all([ana.expectVisible('banner'), bob.expectVisible('banner')]);
  await expectMediaFlowing(ana, bob);
  await Promise.all([ana.expectStatus(/in call.*bob/i), bob.expectStatus(/in call.*ana/i)]);

  // Renegotiation with no server: screen share on and off, from each side.
  await ana.toggleScreenShare();
  await expectScreenReceived(bob);
  await scene.screenshot('sharing-without-server', [ana, bob]);
  await ana.toggleScreenShare();
  await expectScreenStopped(bob);
  await bob.toggleScreenShare();
  await expectScreenReceived(ana);
  await bob.toggleScreenShare();
  await expectScreenStopped(ana);
  await expectMediaFlowing(ana, bob);

  // In-call chat, peer to peer: nothing strips or interprets it on the way, so it arrives as
  // typed and is shown as text.
  await ana.chatInCall('no server: <b>still</b> here &amp; fine');
  await bob.expectCallChat('no server: <b>still</b> here &amp; fine');
  await bob.chatInCall('bob hears you');
  await ana.expectCallChat('bob hears you');
  for (const client of [ana, bob]) assert.equal(await client.callChatElements('b'), 0);

  await hangUp(bob, ana);
  t.diagnostic('call survived SIGKILL of the server: media, screen share, chat, hang-up');
});

scenario('the server restarts on the same port: clients reconnect, call again', async (scene) => {
  const first = await scene.server();
  const [ana, bob] = await usersOnline(scene, first, ['ana', 'bob']);

  await first.kill('SIGKILL');
  await Promise.all([ana.expectVisible('banner'), bob.expectVisible('banner')]);

  const second = await scene.server({ port: first.port });
  assert.equal(second.port, first.port);
  await Promise.all([
    ana.expectHidden('banner', { timeout: RECONNECT_MS }),
    bob.expectHidden('banner', { timeout: RECONNECT_MS }),
  ]);
  // Registered again under the same names: a newcomer to the new server sees both.
  const cy = await scene.user('cy', second);
  await cy.login('cy');
  await Promise.all([cy.expectListed('ana'), cy.expectListed('bob')]);
  await Promise.all([ana.expectListed('bob'), bob.expectListed('ana')]);

  await callAndAccept(ana, bob);
  await hangUp(ana, bob);
});
