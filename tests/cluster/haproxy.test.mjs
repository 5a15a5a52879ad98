// Three nodes behind a real HAProxy running the shipped packaging/haproxy.cfg: clients that
// connect through it land on different nodes and reach each other; then a rolling restart of
// every node while 300 clients message each other through it, each client coming back after
// its 1012 as the browser client does. Nothing is lost silently: every message either reaches
// its target exactly once or its sender gets an error naming it (docs/cluster.md).

import assert from 'node:assert/strict';
import { after, afterEach, describe, test } from 'node:test';
import { startCluster, startHaproxy } from '../integration/cluster.mjs';
import {
  LONG_WAIT_MS,
  SUITE_TIMEOUT_MS,
  TEST_TIMEOUT_MS,
  WAIT_MS,
  connect,
  register,
  startOneServer,
  terminateAllClients,
  uniqueRoom,
  waitForUserlist,
  withTimeout,
} from '../integration/helpers.mjs';
import { ResumingClient } from '../integration/resuming-client.mjs';

const nodeOf = (id) => Math.floor(id / 2 ** 32);

describe('behind HAProxy', { timeout: SUITE_TIMEOUT_MS }, () => {
  let cluster;
  let haproxy;
  afterEach(async () => {
    terminateAllClients();
    await haproxy?.stop();
    await cluster?.stop();
    haproxy = null;
    cluster = null;
  });
  after(terminateAllClients);

  test(
    'round robin: three clients land on three nodes and reach each other',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      cluster = await startCluster(startOneServer, [], {}, 3);
      haproxy = await startHaproxy(cluster.nodes);
      const url = `${haproxy.url}/?room=${uniqueRoom('lb')}`;
      const clients = [];
      for (const name of ['ana', 'bob', 'cy']) clients.push(await register(url, name));
      assert.equal(new Set(clients.map((c) => nodeOf(c.id))).size, 3, 'one client per node');
      for (const client of clients) await waitForUserlist(client, ['ana', 'bob', 'cy']);
      clients[0].send({ type: 'offer', target: 'cy', sdp: 'x' });
      const offer = await clients[2].next('offer');
      assert.equal(offer.name, 'ana');
    },
  );

  test(
    'a resumable client dropped behind HAProxy comes back through it to another node: same name, what it missed, once',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      cluster = await startCluster(startOneServer, [], {}, 3);
      haproxy = await startHaproxy(cluster.nodes);
      const url = `${haproxy.url}/?room=${uniqueRoom('lb-resume')}`;
      const ana = await new ResumingClient(url, 'ana').start();
      const bob = await register(url, 'bob');
      await waitForUserlist(bob, ['ana', 'bob']);
      const numbers = await Promise.all(
        cluster.nodes.map(async (node) =>
          Number(/node=(\d+)/.exec(await node.waitForLog('event=cluster-up'))[1]),
        ),
      );
      const home = cluster.nodes[numbers.indexOf(nodeOf(ana.id))];
      const since = home.logMark();
      ana.drop();
      await home.waitForLog(new RegExp(`event=awaiting-resume conn=\\d+ member=${ana.id}\\b`), {
        since,
      });
      for (let n = 0; n < 5; n += 1) bob.send({ type: 'note', target: 'ana', n });
      // Round robin: ana's first connection, bob's, then this one, each on the next node.
      await ana.resume();
      await home.waitForLog(new RegExp(`event=resume-moved-out member=${ana.id}\\b`), { since });
      await ana.next((message) => message.type === 'note' && message.n === 4);
      const notes = ana.history.filter((message) => message.type === 'note');
      assert.deepEqual(notes.map((message) => message.n), [0, 1, 2, 3, 4]);
      assert.ok(notes.every((message) => message.name === 'bob'));
      ana.send({ type: 'back', target: 'bob' });
      assert.equal((await bob.next('back')).name, 'ana');
    },
  );

  test(
    'a rolling restart of all three nodes while 300 clients message each other: every message delivered once or refused by name',
    { timeout: TEST_TIMEOUT_MS * 3 },
    async (t) => {
      const CLIENTS = 300;
      const SEND_EVERY_MS = 100;
      cluster = await startCluster(startOneServer, [], {}, 3);
      haproxy = await startHaproxy(cluster.nodes);
      const room = uniqueRoom('rolling');
      const url = `${haproxy.url}/?room=${room}`;

      // One client that reconnects as web/js/signaling.js does: after a 1012 within a second
      // (jitter), registering the same name again.
      const sent = new Map(); // type -> { from, to }
      const connections = []; // every client connection, old and new
      const comebacks = [];
      // node number -> when its drain began (SIGTERM)
      const drains = new Map();
      function makeClient(i) {
        const self = { i, name: `c${i}`, partner: `c${i ^ 1}`, client: null, seq: 0, ready: false };
        // Resolves when the client is registered (again); renewed when its connection closes.
        let markBack;
        self.back = new Promise((resolve) => {
          markBack = resolve;
        });
        const attach = async () => {
          let client;
          for (let attempt = 0; !client; attempt += 1) {
            try {
              client = await register(url, self.name);
            } catch (error) {
              // Refused or dropped (no node free for a moment): back off as the client does.
              if (attempt >= 6) throw error;
              await new Promise((resolve) => setTimeout(resolve, 500 * 2 ** attempt));
            }
          }
          assert.equal(client.name, self.name, 'the same name again');
          self.client = client;
          self.ready = true;
          markBack();
          // Counted at the end from every connection's whole history (a message may arrive
          // before register() has returned).
          connections.push(client);
          client.closed.then(async ({ code }) => {
            self.ready = false;
            if (self.stopping) return;
            self.back = new Promise((resolve) => {
              markBack = resolve;
            });
            assert.equal(code, 1012, `${self.name} closed with ${code}`);
            const closedAt = Date.now();
            await new Promise((resolve) => setTimeout(resolve, Math.random() * 1000));
            await attach();
            comebacks.push(Date.now() - closedAt);
          });
        };
        self.attach = attach;
        self.send = () => {
          // Not once the close has begun: ws drops what is sent then, unsent (the browser
          // client queues it until it is registered again).
          if (!self.ready || !self.client.isOpen) return;
          const type = `m-${self.i}-${(self.seq += 1)}`;
          const partner = peers[self.i ^ 1]?.client;
          sent.set(type, {
            from: self.name,
            to: self.partner,
            at: Date.now(),
            node: nodeOf(self.client.id),
            targetNode: partner ? nodeOf(partner.id) : undefined,
          });
          self.client.send({ type, target: self.partner });
        };
        return self;
      }
      const peers = [];
      for (let i = 0; i < CLIENTS; i += 1) {
        const peer = makeClient(i);
        await peer.attach();
        peers.push(peer);
      }
      const nodeNumbers = await Promise.all(
        cluster.nodes.map(async (node) =>
          Number(/node=(\d+)/.exec(await node.waitForLog('event=cluster-up'))[1]),
        ),
      );
      const everyoneBack = () =>
        withTimeout(
          Promise.all(peers.map((peer) => peer.back)),
          LONG_WAIT_MS,
          'every client registered again',
        );
      const sending = setInterval(() => peers.forEach((peer) => peer.send()), SEND_EVERY_MS);
      try {
        for (let n = 0; n < cluster.nodes.length; n += 1) {
          const old = cluster.nodes[n];
          const oldNumber = nodeNumbers[n];
          drains.set(oldNumber, Date.now());
          old.proc.kill('SIGTERM');
          await withTimeout(old.exited, LONG_WAIT_MS, `node${n + 1} exit`);
          await old.stop();
          cluster.nodes[n] = await startOneServer(
            ['--redis', cluster.redis.url, '--node-id', `node${n}`],
            { port: old.port },
          );
          const up = await cluster.nodes[n].waitForLog('event=cluster-up');
          nodeNumbers[n] = Number(/node=(\d+)/.exec(up)[1]);
          // HAProxy takes a node out after two failed checks (its /readyz answers 503 while it
          // drains); if it did, the restarted node must be back in before the next one goes.
          await haproxy.waitForServerUp(`node${n + 1}`, LONG_WAIT_MS);
          // Rolling: the next node goes only once every client is back (as an operator waits
          // for the restarted node to be healthy and the cluster settled).
          await everyoneBack();
        }
      } finally {
        clearInterval(sending);
      }
      assert.ok(peers.every((peer) => peer.ready), 'every client came back');
      // A marker to each partner and back: what was sent before it has arrived or been refused.
      await Promise.all(
        peers.map(async (peer) => {
          const got = peer.client.next((m) => m.type === 'done' && m.name === peer.partner, {
            timeoutMs: WAIT_MS,
          });
          peer.client.send({ type: 'done', target: peer.partner });
          await got;
        }),
      );
      const delivered = new Map(); // type -> count
      const refused = new Set(); // types an error named
      for (const client of connections) {
        for (const message of client.history) {
          if (message.type === 'error') refused.add(message.request);
          else if (message.type.startsWith('m-'))
            delivered.set(message.type, (delivered.get(message.type) ?? 0) + 1);
        }
      }
      let lost = 0;
      let twice = 0;
      let lateLost = 0;
      let lateLostSameNode = 0; // of those, for a target on the sender's (draining) node
      for (const [type, info] of sent) {
        const count = delivered.get(type) ?? 0;
        if (count > 1) twice += 1;
        // Sent after its sender's own node began to drain: the promise is for what was
        // accepted before; these are counted, not failed.
        const drainBegan = drains.get(info.node);
        if (count === 0 && !refused.has(type) && drainBegan !== undefined && info.at >= drainBegan) {
          lateLost += 1;
          if (info.targetNode === info.node) lateLostSameNode += 1;
          continue;
        }
        if (count === 0 && !refused.has(type)) lost += 1;
      }
      t.diagnostic(
        `${sent.size} messages, ${[...delivered.values()].length} delivered, ${refused.size} refused ` +
          `(their target was reconnecting), ${comebacks.length} reconnections, slowest ` +
          `${Math.max(...comebacks)} ms; ${lateLost} sent after their own node's SIGTERM were lost (${lateLostSameNode} of them ` +
          `for a target on the same node)`,
      );
      assert.equal(twice, 0, 'no message delivered twice');
      assert.equal(lost, 0, 'no message lost silently');
      for (const peer of peers) peer.stopping = true;
    },
  );
});
