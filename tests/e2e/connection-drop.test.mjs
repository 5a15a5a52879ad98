// The WebSocket drops (no close frame: a Wi-Fi hand-over, a NAT that forgot us) while a call is
// being set up or while chatting, and the client resumes its session (docs/protocol.md
// "Resume"): the call still comes up, every message arrives once, nobody is renamed or seen to
// leave. The pages load through lib/cut-proxy.mjs, which resets every connection on cutAll()
// and can hold what is in flight, so the tests know a message was lost with the cut rather
// than hope for it.

import assert from 'node:assert/strict';
import { scenario } from './lib/scene.mjs';
import { usersOnline } from './lib/flows.mjs';
import { expectMediaFlowing } from './lib/media.mjs';
import { STEP_MS } from './lib/timeouts.mjs';

/** Waits until `fn(arg)` is truthy in `client`'s page; `what` names it in the failure. */
async function waitInPage(client, what, fn, arg) {
  try {
    await client.page.waitForFunction(fn, arg, { timeout: STEP_MS, polling: 50 });
  } catch (error) {
    throw new Error(`${client.label}: ${what} within ${STEP_MS} ms`, { cause: error });
  }
}

/** From now on, `client`'s page records every user list it gets (to prove nobody left). */
async function recordUserLists(client) {
  await client.page.evaluate(() => {
    window.__e2eUserLists = [];
    window.__switchboard.signaling.on('message', (msg) => {
      if (msg.type === 'userlist') window.__e2eUserLists.push(msg.users);
    });
  });
}

/** Waits until `client` has resumed `count` times in all and is registered again. */
async function expectResumed(client, count) {
  await waitInPage(
    client,
    `not resumed ${count} time(s)`,
    (n) => {
      const signaling = window.__switchboard.signaling;
      return signaling.resumes >= n && signaling.state === 'registered';
    },
    count,
  );
}

/**
 * The session looked continuous to `client`: still registered under its name after `resumes`
 * resumes (not one more: no drop went unnoticed by the test), no "Reconnected" (what a fresh
 * registration says), and every user list it got named each of `names`.
 */
async function expectContinuous(client, names, resumes) {
  const seen = await client.page.evaluate(() => ({
    name: window.__switchboard.signaling.name,
    resumes: window.__switchboard.signaling.resumes,
    lists: window.__e2eUserLists,
    chat: document.querySelector('[data-testid="chat-log"]').textContent,
  }));
  assert.equal(seen.name, client.name, `${client.label} was renamed`);
  assert.equal(seen.resumes, resumes, `${client.label}: resumes`);
  assert.ok(!seen.chat.includes('Reconnected to the server'), `${client.label} registered anew`);
  for (const list of seen.lists) {
    for (const name of names) {
      assert.ok(list.includes(name), `${client.label} saw ${name} leave: ${JSON.stringify(list)}`);
    }
  }
}

/**
 * The server's own word: each of `names` registered once (no fresh session after a drop) and
 * was resumed `resumes` times (`event=resume`, not `resume-refused` or `resume-grace-ended`).
 */
function assertServerResumed(server, names, resumes) {
  for (const name of names) {
    const count = (event) => {
      const pattern = new RegExp(`\\bevent=${event} conn=.*\\bname=${name}\\b`);
      return server.log.filter((line) => pattern.test(line)).length;
    };
    assert.equal(count('register'), 1, `${name}: registrations in the server log`);
    assert.equal(count('resume'), resumes, `${name}: resumes in the server log`);
  }
}

/** Waits until `server` has logged a line matching `pattern` (polling its log: no sleep). */
async function waitForLog(server, pattern, what) {
  const deadline = Date.now() + STEP_MS;
  while (!server.log.some((line) => pattern.test(line))) {
    if (Date.now() > deadline) throw new Error(`server never logged ${what} within ${STEP_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A call's negotiation counters in `client`'s page (offers/answers sent and received). */
const negotiation = (client) => client.page.evaluate(() => window.__switchboard.call.negotiation);

scenario('dropped while ringing: the offer in flight arrives, the call comes up', async (scene) => {
  const server = await scene.server();
  const proxy = await scene.cutProxy(server);
  const [ana, bob] = await usersOnline(scene, proxy, ['ana', 'bob']);
  for (const client of [ana, bob]) await recordUserLists(client);

  // Ana's offer (and her first candidates) leave her page but never reach the server.
  proxy.hold();
  await ana.call('bob');
  await ana.expectStatus(/calling bob/i);
  await waitInPage(ana, 'no offer sent', () => window.__switchboard.call.negotiation?.offersSent);
  assert.ok(proxy.cutAll() >= 2);
  proxy.release();
  await bob.expectRinging('ana');
  await Promise.all([expectResumed(ana, 1), expectResumed(bob, 1)]);

  // Dropped again while bob's phone rings: it keeps ringing, and he can answer.
  assert.ok(proxy.cutAll() >= 2);
  await Promise.all([expectResumed(ana, 2), expectResumed(bob, 2)]);
  await bob.expectStatus(/ana is calling/i);
  await bob.accept();
  await Promise.all([ana.expectStatus(/in call.*bob/i), bob.expectStatus(/in call.*ana/i)]);
  await expectMediaFlowing(ana, bob);

  assert.equal((await negotiation(bob)).offersReceived, 1, 'bob got the offer once');
  assert.equal((await negotiation(ana)).answersReceived, 1, 'ana got the answer once');
  await expectContinuous(ana, ['ana', 'bob'], 2);
  await expectContinuous(bob, ['ana', 'bob'], 2);
  assertServerResumed(server, ['ana', 'bob'], 2);
});

scenario('dropped after accept: the answer in flight arrives, the call comes up', async (scene) => {
  const server = await scene.server();
  const proxy = await scene.cutProxy(server);
  const [ana, bob] = await usersOnline(scene, proxy, ['ana', 'bob']);
  for (const client of [ana, bob]) await recordUserLists(client);
  await ana.call('bob');
  await bob.expectRinging('ana');

  // Bob's answer and candidates leave his page but never reach the server. Without them ana
  // cannot connect: media flowing proves they were sent again.
  proxy.hold();
  await bob.accept();
  await waitInPage(bob, 'no answer sent', () => window.__switchboard.call.negotiation?.answersSent);
  assert.ok(proxy.cutAll() >= 2);
  proxy.release();
  await Promise.all([ana.expectStatus(/in call.*bob/i), bob.expectStatus(/in call.*ana/i)]);
  await expectMediaFlowing(ana, bob);
  await Promise.all([expectResumed(ana, 1), expectResumed(bob, 1)]);

  assert.equal((await negotiation(ana)).answersReceived, 1, 'ana got the answer once');
  assert.equal((await negotiation(bob)).offersReceived, 1, 'bob got the offer once');
  await expectContinuous(ana, ['ana', 'bob'], 1);
  await expectContinuous(bob, ['ana', 'bob'], 1);
  assertServerResumed(server, ['ana', 'bob'], 1);
});

scenario('dropped in the lobby: chat lost either way, or queued, arrives once', async (scene) => {
  const server = await scene.server();
  const proxy = await scene.cutProxy(server);
  const [ana, bob] = await usersOnline(scene, proxy, ['ana', 'bob']);
  // Cy stays on the server directly: never cut, she sees what the room sees.
  const cy = await scene.user('cy', server);
  await cy.login('cy');
  await Promise.all([cy.expectListed('ana'), cy.expectListed('bob'), ana.expectListed('cy')]);
  for (const client of [ana, bob, cy]) await recordUserLists(client);

  const lines = {
    echoLost: 'line A: the server had it, its echo was lost',
    sendLost: 'line B: lost on its way to the server',
    queued: 'line C: typed while away',
    after: 'line D: after the drop',
  };
  // A reaches the server (cy sees it), but what the server sends ana and bob is held.
  proxy.hold({ toServer: false, toClient: true });
  await ana.chat(lines.echoLost);
  await cy.expectChat(lines.echoLost);
  // B goes out on ana's socket (no "Offline" note) and is held before the server.
  proxy.hold({ toServer: true });
  await ana.chat(lines.sendLost);
  assert.ok(proxy.cutAll() >= 2);
  // The reconnection waits in the proxy: C is typed while away, so it is queued.
  const connecting = () => window.__switchboard.signaling.state === 'connecting';
  await waitInPage(ana, 'never reconnecting', connecting);
  await ana.chat(lines.queued);
  await ana.expectChat(`Offline: “${lines.queued}” will be sent when the connection is back.`);
  proxy.release();
  await Promise.all([expectResumed(ana, 1), expectResumed(bob, 1)]);
  await ana.chat(lines.after);
  await Promise.all([ana, bob, cy].map((client) => client.expectChat(lines.after)));

  const order = Object.values(lines);
  for (const client of [ana, bob, cy]) {
    const log = await client.hook('chat-log').textContent();
    // Ana's own log also has the "Offline" note quoting C.
    const expected = (line) => (client === ana && line === lines.queued ? 2 : 1);
    for (const line of order) {
      assert.equal(log.split(line).length - 1, expected(line), `${client.label}: "${line}"`);
    }
    const positions = order.map((line) => log.lastIndexOf(line));
    assert.deepEqual([...positions].sort((a, b) => a - b), positions, `${client.label}: order`);
    for (const name of ['ana', 'bob', 'cy']) await client.expectListed(name);
    assert.equal(await client.hook('user-ana1').count(), 0);
    assert.equal(await client.hook('user-bob1').count(), 0);
  }
  await expectContinuous(ana, ['ana', 'bob', 'cy'], 1);
  await expectContinuous(bob, ['ana', 'bob', 'cy'], 1);
  await expectContinuous(cy, ['ana', 'bob', 'cy'], 0);
  assertServerResumed(server, ['ana', 'bob'], 1);
});

scenario('gone silent: the heartbeat finds the connection dead, it resumes', async (scene) => {
  const server = await scene.server({ args: ['--heartbeat-interval', '1'] });
  const proxy = await scene.cutProxy(server);
  const ana = await scene.user('ana', proxy);
  await ana.login('ana');
  const bob = await scene.user('bob', server); // directly: his connection stays fine
  await bob.login('bob');
  await Promise.all([ana.expectListed('bob'), bob.expectListed('ana')]);
  for (const client of [ana, bob]) await recordUserLists(client);
  await ana.page.evaluate(() => {
    window.__e2eDrops = [];
    window.__switchboard.signaling.on('disconnected', ({ code }) => window.__e2eDrops.push(code));
  });

  // Nothing gets through any more, and no reset or FIN says so (a NAT that forgot us): only
  // the pings that stop coming can tell. What bob says meanwhile is held on the way to ana.
  proxy.hold();
  const line = 'line E: said while the network was silent';
  await bob.chat(line);
  await bob.expectChat(line);
  // Two silent heartbeat intervals: ana gives the connection up and tries again (held too).
  const connecting = () => window.__switchboard.signaling.state === 'connecting';
  await waitInPage(ana, 'silence never taken for a dead connection', connecting);
  // The old connection's last words reach the server first: a close that keeps the session
  // (a 1000 or 1001 would end it), then the new connection resumes it.
  proxy.release({ newer: false });
  await waitForLog(server, /\bevent=awaiting-resume .*\bname=ana\b/, 'ana awaiting resume');
  proxy.release();
  await expectResumed(ana, 1);
  await ana.expectChat(line);

  assert.deepEqual(await ana.page.evaluate(() => window.__e2eDrops), [4000]);
  const log = await ana.hook('chat-log').textContent();
  assert.equal(log.split(line).length - 1, 1, 'the held line arrived once');
  await expectContinuous(ana, ['ana', 'bob'], 1);
  await expectContinuous(bob, ['ana', 'bob'], 0);
  assertServerResumed(server, ['ana'], 1);
});
