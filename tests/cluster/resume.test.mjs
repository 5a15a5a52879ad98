// Resume across nodes (docs/cluster.md, "Resume through another node"), with real processes:
// redis-server and two switchboard nodes. A client whose connection drops on one node comes
// back through the other (as it does behind a load balancer) and takes its session with it:
// the same name, no leave or join for anyone, what it missed once and in order, and what it
// sent that was not processed resent. Messages sent to it while its session moves reach it
// exactly once.

import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { startCluster } from '../integration/cluster.mjs';
import {
  SUITE_TIMEOUT_MS,
  TEST_TIMEOUT_MS,
  connect,
  register,
  startOneServer,
  terminateAllClients,
  uniqueRoom,
  waitForUserlist,
} from '../integration/helpers.mjs';
import { ResumingClient } from '../integration/resuming-client.mjs';

const GRACE_S = 10;
// Messages each sender sends while the session moves (bounded: the loop stops by itself).
const IN_FLIGHT_PER_SENDER = 300;

/** A ResumingClient on `first` whose later connections go to whichever node `route.node` is. */
function movableClient(first, room, name, capabilities = ['resume']) {
  const route = { node: first };
  const client = new ResumingClient(`${first.url}/?room=${room}`, name, {
    capabilities,
    connectVia: () => `${route.node.url}/?room=${room}`,
  });
  return { client, route };
}

/** Resolves once `node` has noticed that `client`'s connection is gone and waits for it. */
function awaitingResume(node, client, since) {
  return node.waitForLog(new RegExp(`event=awaiting-resume conn=\\d+ member=${client.id}\\b`), {
    since,
  });
}

/** Presence news about `name` that `client` receives from now on. */
function presenceAbout(client, name) {
  const seen = [];
  client.taps.push((message) => {
    const names = message.type === 'userlist' ? [] : message.names ?? [];
    if ((message.type === 'user-left' || message.type === 'user-joined') && names.includes(name))
      seen.push(message);
    if (message.type === 'userlist' && !message.users.includes(name)) seen.push(message);
    return false;
  });
  return seen;
}

/** Resolves once `to` has had a `barrier` from `from`: everything `from` sent before it was handled. */
async function barrier(from, to) {
  const tag = `barrier-${Math.random().toString(36).slice(2)}`;
  from.send({ type: 'barrier', target: to.name, tag });
  await to.next((message) => message.type === 'barrier' && message.tag === tag);
}

/** The `n`s of the messages of `type` in a resuming client's history, in arrival order. */
function numbers(client, type) {
  return client.history.filter((message) => message.type === type).map((message) => message.n);
}

describe('resume across nodes', { timeout: SUITE_TIMEOUT_MS }, () => {
  let cluster;
  before(async () => {
    // Broadcasts unthrottled: the senders below send hundreds while the session moves.
    cluster = await startCluster(
      startOneServer,
      ['--resume-grace', String(GRACE_S), '--max-broadcast-rate', '0'],
      {},
      2,
    );
  });
  afterEach(terminateAllClients);
  after(async () => {
    terminateAllClients();
    await cluster?.stop();
  });

  test(
    'dropped on one node, back through the other: same name, no leave or join seen, missed messages once and in order, unprocessed ones resent',
    { timeout: TEST_TIMEOUT_MS },
    async (t) => {
      const [nodeA, nodeB] = cluster.nodes;
      const room = uniqueRoom('move');
      const { client: ana, route } = movableClient(nodeA, room, 'ana');
      await ana.start();
      const bob = await register(`${nodeB.url}/?room=${room}`, 'bob', {
        capabilities: ['presence-deltas'],
      });
      const dan = await register(`${nodeA.url}/?room=${room}`, 'dan');
      await waitForUserlist(dan, ['ana', 'bob', 'dan']);
      const bobSaw = presenceAbout(bob, 'ana');
      const danSaw = presenceAbout(dan, 'ana');

      const since = nodeA.logMark();
      ana.drop();
      await awaitingResume(nodeA, ana, since);
      // While she is away: directed messages from the other node (bob) and from the node that
      // holds her session (dan), and chat from both.
      for (let n = 0; n < 20; n += 1) {
        bob.send({ type: 'from-bob', target: 'ana', n });
        dan.send({ type: 'from-dan', target: 'ana', n });
      }
      bob.send({ type: 'message', text: 'bob says hi' });
      dan.send({ type: 'message', text: 'dan says hi' });
      // Both have been handled on node A (bob's cross the same channel, in order).
      await barrier(bob, dan);
      await barrier(dan, bob);
      // Sent while disconnected: the client keeps it and sends it again after `resumed`.
      ana.send({ type: 'from-ana', target: 'bob', n: 0 });

      route.node = nodeB;
      const movedSince = nodeA.logMark();
      const inSince = nodeB.logMark();
      const processed = await ana.resume();
      assert.equal(processed, 1, 'the server had processed her username only');
      await nodeA.waitForLog(new RegExp(`event=resume-moved-out member=${ana.id}\\b`), {
        since: movedSince,
      });
      await nodeB.waitForLog(/event=resume-moved-in .*name=ana\b/, { since: inSince });

      await ana.next((message) => message.type === 'from-dan' && message.n === 19);
      await ana.next((message) => message.type === 'from-bob' && message.n === 19);
      const expected = [...Array(20).keys()];
      assert.deepEqual(numbers(ana, 'from-bob'), expected);
      assert.deepEqual(numbers(ana, 'from-dan'), expected);
      const chat = ana.history.filter((message) => message.type === 'message');
      // Two senders on two nodes: no order between them, only that each came once.
      assert.deepEqual(chat.map((message) => message.text).sort(), ['bob says hi', 'dan says hi']);
      // Her own message, resent after `resumed`, reached bob once, under her name.
      const fromAna = await bob.next((message) => message.type === 'from-ana');
      assert.equal(fromAna.name, 'ana');

      // She talks and is talked to from both nodes: dan's node sends to her new one.
      dan.send({ type: 'after', target: 'ana', n: 1 });
      bob.send({ type: 'after', target: 'ana', n: 2 });
      ana.send({ type: 'after', target: 'dan', n: 3 });
      ana.send({ type: 'after', target: 'bob', n: 4 });
      assert.equal((await dan.next('after')).n, 3);
      assert.equal((await bob.next('after')).n, 4);
      await ana.next((message) => message.type === 'after' && message.n === 1);
      await ana.next((message) => message.type === 'after' && message.n === 2);

      // A join after the move as a marker: presence about ana would have come before it.
      const eve = await register(`${nodeB.url}/?room=${room}`, 'eve');
      await waitForUserlist(dan, ['ana', 'bob', 'dan', 'eve']);
      await bob.next((message) => message.type === 'user-joined' && message.names.includes('eve'));
      assert.deepEqual(bobSaw, [], 'bob (other node) saw ana leave or join');
      assert.deepEqual(danSaw, [], 'dan (the node she left) saw ana leave or join');
      // The name is hers on node B now: nobody can take it, and she can leave it for real.
      const ana2 = await register(`${nodeA.url}/?room=${room}`, 'ana');
      assert.equal(ana2.name, 'ana1');
      await ana.close(1000);
      await bob.next((message) => message.type === 'user-left' && message.names.includes('ana'));
      t.diagnostic(`resumed on the other node with ${processed} message(s) processed`);
      await eve.close();
    },
  );

  test(
    'messages sent to a session while it moves between nodes reach it exactly once',
    { timeout: TEST_TIMEOUT_MS },
    async (t) => {
      const [nodeA, nodeB] = cluster.nodes;
      const room = uniqueRoom('inflight');
      const { client: ana, route } = movableClient(nodeA, room, 'ana');
      await ana.start();
      // A sender on each node, each sending directed messages and broadcasts.
      const bob = await register(`${nodeB.url}/?room=${room}`, 'bob');
      const dan = await register(`${nodeA.url}/?room=${room}`, 'dan');
      await waitForUserlist(dan, ['ana', 'bob', 'dan']);
      await waitForUserlist(bob, ['ana', 'bob', 'dan']);
      const failures = [];
      for (const sender of [bob, dan])
        sender.taps.push((message) => {
          if (message.type === 'error') failures.push(`${sender.name}: ${JSON.stringify(message)}`);
          return false;
        });
      let stop = false;
      const send = async (sender) => {
        for (let n = 0; n < IN_FLIGHT_PER_SENDER && !stop; n += 1) {
          sender.send({ type: `direct-${sender.name}`, target: 'ana', n });
          sender.send({ type: `all-${sender.name}`, n });
          // A turn of the event loop between messages: the traffic spans the move.
          await new Promise((resolve) => setImmediate(resolve));
        }
      };
      const sending = Promise.all([send(bob), send(dan)]);
      const since = nodeA.logMark();
      ana.drop();
      await awaitingResume(nodeA, ana, since);
      route.node = nodeB;
      await ana.resume();
      await sending;
      stop = true;
      const expected = [...Array(IN_FLIGHT_PER_SENDER).keys()];
      let reordered = 0;
      for (const type of ['direct-bob', 'direct-dan', 'all-bob', 'all-dan']) {
        await ana.next(
          (message) => message.type === type && message.n === IN_FLIGHT_PER_SENDER - 1,
        );
        const got = numbers(ana, type);
        const missing = expected.filter((n) => !got.includes(n));
        const twice = got.filter((n, i) => got.indexOf(n) !== i);
        assert.deepEqual(
          { missing, twice },
          { missing: [], twice: [] },
          `${type}: each exactly once (arrival order ${JSON.stringify(got)})`,
        );
        reordered += got.filter((n, i) => i > 0 && n < got[i - 1]).length;
      }
      assert.deepEqual(failures, []);
      t.diagnostic(
        `${4 * IN_FLIGHT_PER_SENDER} messages sent across the move, each delivered once; ` +
          `${reordered} arrived before one sent earlier by the same sender (forwarded a hop)`,
      );
    },
  );

  test(
    'the old connection still open: coming back through the other node closes it with 4002',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const [nodeA, nodeB] = cluster.nodes;
      const room = uniqueRoom('takeover');
      const { client: ana, route } = movableClient(nodeA, room, 'ana');
      await ana.start();
      const old = ana.connection;
      route.node = nodeB;
      await ana.resume({ takeOver: true });
      const closed = await old.closed;
      assert.equal(closed.code, 4002);
      const bob = await register(`${nodeA.url}/?room=${room}`, 'bob');
      bob.send({ type: 'hello', target: 'ana' });
      assert.equal((await ana.next('hello')).name, 'bob');
    },
  );

  test(
    'a token no node holds: resume-failed, then a fresh session on the node it came to',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const [nodeA, nodeB] = cluster.nodes;
      const room = uniqueRoom('unknown');
      // Someone in the room on the other node, so that there is a node to ask.
      await register(`${nodeA.url}/?room=${room}`, 'dan');
      const client = await connect(
        `${nodeB.url}/?room=${room}&resume=AAAAAAAAAAAAAAAAAAAAAA&last=0`,
      );
      const failed = await client.next('error');
      assert.equal(failed.code, 'resume-failed');
      const id = await client.next('id');
      assert.match(id.resume, /^[A-Za-z0-9_-]{22}$/);
    },
  );

  // Last: it takes the shared cluster's Redis away.
  test(
    'Redis out of reach: a resume through another node fails cleanly, and the connection reads on',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const [nodeA, nodeB] = cluster.nodes;
      const room = uniqueRoom('noredis');
      const { client: ana, route } = movableClient(nodeA, room, 'ana');
      await ana.start();
      const since = nodeA.logMark();
      ana.drop();
      await awaitingResume(nodeA, ana, since);
      const down = nodeB.logMark();
      await cluster.redis.kill();
      await nodeB.waitForLog('event=cluster-down', { since: down });
      route.node = nodeB;
      const client = await connect(
        `${nodeB.url}/?room=${room}&resume=${ana.token}&last=${ana.received}`,
      );
      assert.equal((await client.next('error')).code, 'resume-failed');
      await client.next('id');
      // Reading goes on: a registration is answered (refused: no Redis to grant the name).
      client.send({ type: 'username', name: 'ana' });
      const refused = await client.next('error');
      assert.equal(refused.code, 'cluster-unavailable');
      assert.equal(refused.request, 'username');
    },
  );
});
