// A call between two browsers on different nodes of a cluster (Redis and three switchboard
// nodes behind HAProxy with the shipped packaging/haproxy.cfg): the call is set up across the
// nodes, moves its signaling onto the data channel, and is not disturbed when the callee's
// signaling node drains (SIGTERM, a rolling upgrade's first step): the page reconnects through HAProxy to
// another node, under the same name, and the call goes on and ends normally.

import assert from 'node:assert/strict';
import { startHaproxy, startRedis } from '../integration/cluster.mjs';
import { scenario } from './lib/scene.mjs';
import { callAndAccept, hangUp } from './lib/flows.mjs';
import { expectMediaFlowing } from './lib/media.mjs';
import { RECONNECT_MS, STEP_MS } from './lib/timeouts.mjs';

// The node that logged `name`'s registration after the marks (log lengths) were taken. The name
// is a field anywhere in the line (a client that asks for resume gets `resumable=1` after it).
function nodeHolding(nodes, marks, name) {
  const registration = new RegExp(`\\bevent=register .*\\bname=${name}(?:\\s|$)`);
  return nodes.findIndex((node, i) =>
    node.log.slice(marks[i]).some((line) => registration.test(line)),
  );
}

async function ready(node) {
  const deadline = Date.now() + STEP_MS;
  // Bounded: the node answers 503 until it has joined the cluster.
  while (Date.now() < deadline) {
    const status = await fetch(`${node.url}/readyz`).then((r) => r.status, () => 0);
    if (status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`node ${node.port} not ready`);
}

scenario('a call across cluster nodes through HAProxy survives its signaling node draining', async (scene, t) => {
  const redis = await startRedis();
  t.after(() => redis.stop());
  const nodes = [];
  for (let i = 0; i < 3; i += 1) {
    nodes.push(await scene.server({ args: ['--redis', redis.url, '--node-id', `node${i}`] }));
  }
  await Promise.all(nodes.map(ready));
  const haproxy = await startHaproxy(nodes);
  t.after(() => haproxy.stop());
  const lb = { url: haproxy.httpUrl };

  const marks = () => nodes.map((node) => node.log.length);
  const beforeAna = marks();
  const ana = await scene.user('ana', lb);
  await ana.login('ana');
  const anaNode = nodeHolding(nodes, beforeAna, 'ana');
  // Bob's page and WebSocket come through HAProxy too; round robin over every request (the
  // page, its scripts) decides where his WebSocket lands: reload until it is another node.
  let bob;
  let bobNode = -1;
  for (let attempt = 0; attempt < 6; attempt += 1) {
    const beforeBob = marks();
    bob = await scene.user(`bob${attempt}`, lb);
    await bob.login('bob');
    await ana.expectListed('bob');
    bobNode = nodeHolding(nodes, beforeBob, 'bob');
    if (bobNode !== anaNode) break;
    await bob.page.close();
    // Gone from ana's list before the next bob logs in (else he would be bob1).
    await ana.hook('user-bob').waitFor({ state: 'detached', timeout: STEP_MS });
    // Round robin counts every request, and a page load makes a fixed number of them: were it
    // a multiple of the node count, every bob's WebSocket would land where the last one did.
    // One request more moves the next one on.
    await fetch(`${lb.url}/healthz`);
  }
  assert.ok(anaNode >= 0 && bobNode >= 0, 'each registration is in a node log');
  assert.notEqual(anaNode, bobNode, 'ana and bob signal through different nodes');
  t.diagnostic(`ana on node${anaNode}, bob on node${bobNode}`);

  await callAndAccept(ana, bob);
  await Promise.all([ana.expectPeerSignaling(), bob.expectPeerSignaling()]);

  // Bob's node drains, as in a rolling upgrade: SIGTERM, 1012 to bob.
  const restarted = nodes[bobNode];
  const beforeRestart = marks();
  await restarted.kill('SIGTERM');
  await expectMediaFlowing(ana, bob);
  await Promise.all([ana.expectStatus(/in call.*bob/i), bob.expectStatus(/in call.*ana/i)]);
  // Back through HAProxy on another node, under the same name, within the reconnect bound.
  await bob.expectHidden('banner', { timeout: RECONNECT_MS });
  // Registered again as bob (not bob1) on one of the other nodes.
  const deadline = Date.now() + STEP_MS;
  let again = -1;
  while (again < 0 && Date.now() < deadline) {
    again = nodeHolding(nodes, beforeRestart, 'bob');
    if (again < 0) await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.ok(again >= 0 && again !== bobNode, `bob registered again elsewhere (node${again})`);
  t.diagnostic(`after the restart bob signals through node${again}`);
  await expectMediaFlowing(ana, bob);
  await hangUp(bob, ana);
});
