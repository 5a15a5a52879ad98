// A cluster losing a node and losing Redis, with real processes: redis-server and three
// switchboard nodes (tests/integration/cluster.mjs), clients spread over the nodes, traffic
// flowing while the failure happens (docs/cluster.md, "Node loss", "Redis loss").

import assert from 'node:assert/strict';
import { after, afterEach, describe, test } from 'node:test';
import { startCluster } from '../integration/cluster.mjs';
import {
  SUITE_TIMEOUT_MS,
  TEST_TIMEOUT_MS,
  connect,
  expectError,
  httpRequest,
  register,
  startOneServer,
  terminateAllClients,
  uniqueRoom,
  waitForUserlist,
} from '../integration/helpers.mjs';

// What the cluster promises (docs/cluster.md): a dead node's users gone from every list, and
// cross-node delivery back after Redis returns.
const NODE_LOSS_MS = 5_000;
const REDIS_BACK_MS = 2_000;
// Every node: its reconnect backoff's ceiling (2 s plus up to a quarter of jitter,
// src/config/server_limits.hpp) plus a resync.
const ALL_NODES_BACK_MS = 3_000;
// How often a probe is sent while waiting for one to cross, and for how long at most.
const PROBE_EVERY_MS = 20;
const PROBE_FOR_MS = 10_000;

/** Registers `count` clients named prefix0.. in `room`, client i on node i % nodes. */
async function spread(cluster, room, prefix, count) {
  const clients = [];
  for (let i = 0; i < count; i += 1) {
    const node = cluster.nodes[i % cluster.nodes.length];
    clients.push(await register(`${node.url}/?room=${room}`, `${prefix}${i}`));
  }
  return clients;
}

/** The value of an unlabelled series in a node's /metrics, or undefined. */
async function metric(node, name) {
  const scrape = await httpRequest(node.port, 'GET', '/metrics');
  const line = scrape.body.toString().split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
}

/**
 * Sends `count` directed messages from each sender to its receiver (pairs[i] = [from, to]) and
 * resolves once every one has arrived; rejects on any error answer.
 */
async function exchange(pairs, count, tag) {
  const taps = [];
  let failed;
  const failure = new Promise((_, reject) => {
    failed = reject;
  });
  const arrivals = pairs.map(([, to]) => {
    let seen = 0;
    return new Promise((resolve) => {
      const tap = (message) => {
        if (message.type !== tag) return false;
        if (message.n !== seen) failed(new Error(`${to.name}: ${tag} ${message.n} after ${seen - 1}`));
        seen += 1;
        if (seen === count) resolve();
        return true;
      };
      to.taps.push(tap);
      taps.push([to, tap]);
    });
  });
  for (const [from, to] of pairs) {
    const tap = (message) => {
      if (message.type === 'error') failed(new Error(`${from.name}: ${JSON.stringify(message)}`));
      return false;
    };
    from.taps.push(tap);
    taps.push([from, tap]);
    for (let n = 0; n < count; n += 1) from.send({ type: tag, target: to.name, n });
  }
  try {
    await Promise.race([Promise.all(arrivals), failure]);
  } finally {
    for (const [client, tap] of taps) client.taps.splice(client.taps.indexOf(tap), 1);
  }
}

/**
 * Sends a `probe` from `from` to `to` every PROBE_EVERY_MS until one arrives; resolves with
 * the time it arrived. The cluster-unavailable answers to the probes that did not cross are
 * swallowed; the loop ends by itself after PROBE_FOR_MS.
 */
async function probeUntilCrossed(from, to) {
  let deliveredAt = null;
  const arrived = new Promise((resolve) => {
    to.taps.push((message) => {
      if (message.type !== 'probe') return false;
      deliveredAt ??= Date.now();
      resolve();
      return true;
    });
  });
  // Only the answers to probes: an error for any other request still reaches later taps.
  const refusedTap = (message) =>
    message.type === 'error' && message.code === 'cluster-unavailable' &&
    message.request === 'probe' && message.target === to.name;
  from.taps.push(refusedTap);
  const probing = setInterval(() => from.send({ type: 'probe', target: to.name }), PROBE_EVERY_MS);
  let timer;
  try {
    await Promise.race([
      arrived,
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no probe crossed from ${from.name} to ${to.name}`)),
          PROBE_FOR_MS,
        );
      }),
    ]);
  } finally {
    clearInterval(probing);
    clearTimeout(timer);
  }
  return deliveredAt;
}

describe('cluster failures', { timeout: SUITE_TIMEOUT_MS }, () => {
  let cluster;
  afterEach(async () => {
    terminateAllClients();
    await cluster?.stop();
    cluster = null;
  });
  after(terminateAllClients);

  test(
    'a node SIGKILLed mid-traffic: its users leave every list within 5 s, nobody else loses a message',
    { timeout: TEST_TIMEOUT_MS },
    async (t) => {
      cluster = await startCluster(startOneServer, [], {}, 3);
      const room = uniqueRoom('kill');
      const clients = await spread(cluster, room, 'u', 12);
      const names = clients.map((client) => client.name);
      for (const client of clients) await waitForUserlist(client, names);
      const victim = cluster.nodes[2];
      const survivors = clients.filter((_, i) => i % 3 !== 2);
      const lost = clients.filter((_, i) => i % 3 === 2).map((client) => client.name);
      // Pairs across the two surviving nodes, each with traffic in flight when the node dies.
      const pairs = [];
      for (let i = 0; i + 1 < survivors.length; i += 2) pairs.push([survivors[i], survivors[i + 1]]);
      const traffic = exchange(pairs, 500, 'burst');
      const killedAt = Date.now();
      process.kill(victim.pid, 'SIGKILL');
      await traffic;
      const expected = names.filter((name) => !lost.includes(name));
      await Promise.all(
        survivors.map((client) => waitForUserlist(client, expected, { timeoutMs: NODE_LOSS_MS })),
      );
      const took = Date.now() - killedAt;
      assert.ok(took <= NODE_LOSS_MS, `lists updated after ${took} ms`);
      t.diagnostic(`the dead node's users left every list ${took} ms after SIGKILL`);
      // Its users' names are free again, on any node.
      const again = await register(`${cluster.nodes[0].url}/?room=${room}`, lost[0]);
      assert.equal(again.name, lost[0]);
      cluster.nodes.splice(2, 1); // stop() must not wait for the dead one
      await victim.stop().catch(() => {});
    },
  );

  test(
    'Redis killed and restarted mid-traffic: no crash, refusals while it is gone, no two users with one name, delivery back within 2 s',
    { timeout: TEST_TIMEOUT_MS },
    async (t) => {
      cluster = await startCluster(startOneServer, [], {}, 3);
      const room = uniqueRoom('redis');
      const [ana, bob, cy] = await spread(cluster, room, 'p', 3);
      await Promise.all([ana, bob, cy].map((c) => waitForUserlist(c, ['p0', 'p1', 'p2'])));
      await exchange([[ana, bob]], 200, 'before');
      // ana on node 0, bob on node 1: the 200 crossed through Redis, in batches.
      assert.equal(await metric(cluster.nodes[0], 'switchboard_cluster_up'), 1);
      assert.ok((await metric(cluster.nodes[0], 'switchboard_cluster_messages_sent_total')) >= 200);
      assert.ok(
        (await metric(cluster.nodes[1], 'switchboard_cluster_messages_received_total')) >= 200,
      );
      assert.ok((await metric(cluster.nodes[0], 'switchboard_cluster_publishes_total')) >= 1);

      await cluster.redis.kill();
      // The nodes notice a closed connection at once; a registration then is refused (never
      // granted twice), and a message for another node's user is answered, not dropped.
      const newcomer = await connect(`${cluster.nodes[0].url}/?room=${room}`);
      await newcomer.next('id');
      let refused = null;
      for (let attempt = 0; attempt < 200 && !refused; attempt += 1) {
        newcomer.send({ type: 'username', name: 'p1' });
        const answer = await newcomer.next(['error', 'userlist', 'rejectusername']);
        if (answer.type === 'error') refused = answer;
        else throw new Error(`registered while Redis was down: ${JSON.stringify(answer)}`);
      }
      assert.equal(refused?.code, 'cluster-unavailable');
      ana.send({ type: 'during', target: 'p1' });
      const bounced = await expectError(ana, 'cluster-unavailable');
      assert.equal(bounced.target, 'p1');
      // A chat line reaches this node's members (the sender included), and its sender hears
      // that the other nodes' members did not get it: an error without a target.
      ana.send({ type: 'message', text: 'while Redis is down' });
      assert.equal((await ana.next('message')).text, 'while Redis is down');
      const partial = await expectError(ana, 'cluster-unavailable');
      assert.equal(partial.target, undefined);
      assert.equal(await metric(cluster.nodes[0], 'switchboard_cluster_up'), 0);
      assert.ok((await metric(cluster.nodes[0], 'switchboard_cluster_link_losses_total')) >= 1);

      const restartedAt = Date.now();
      await cluster.redis.restart();
      // Delivery back, from every node: each node reconnects on its own backoff, so one node
      // being back says nothing about the others. Probes around the ring, node i -> node i+1.
      const ring = [[ana, bob], [bob, cy], [cy, ana]];
      const back = await Promise.all(ring.map(([from, to]) => probeUntilCrossed(from, to)));
      const first = Math.min(...back) - restartedAt;
      const last = Math.max(...back) - restartedAt;
      assert.ok(first <= REDIS_BACK_MS, `first cross-node delivery back after ${first} ms`);
      assert.ok(last <= ALL_NODES_BACK_MS, `last node's delivery back after ${last} ms`);
      t.diagnostic(
        `cross-node delivery back ${first} ms (first node) to ${last} ms (last) after Redis restarted`,
      );
      for (const node of cluster.nodes) {
        assert.equal(await metric(node, 'switchboard_cluster_up'), 1);
      }

      // Redis came back empty and the nodes gave it their users again: their names are taken.
      newcomer.send({ type: 'username', name: 'p1' });
      const renamed = await newcomer.next('rejectusername');
      assert.equal(renamed.name, 'p11');
      for (const node of cluster.nodes) assert.equal(node.proc.exitCode, null, 'a node crashed');
      await exchange([[cy, ana]], 200, 'after');
    },
  );
});
