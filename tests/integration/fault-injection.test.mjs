// Faults between clients and server (tests/integration/fault-proxy.mjs): connections cut at
// random bytes, split into 1-byte segments, stalled half-open; the server killed under load
// and started again; thousands of connections opened and dropped. With resume, nothing a
// client sent or was sent is lost or doubled; without a session to resume, clients start
// cleanly afresh; and nothing is left behind on the server.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, afterEach, before, describe, test } from 'node:test';
import {
  LONG_WAIT_MS,
  SUITE_TIMEOUT_MS,
  TEST_TIMEOUT_MS,
  connect,
  httpRequest,
  isSanitizerBuild,
  readMemory,
  roomUrl,
  scaled,
  startOneServer,
  terminateAllClients,
  uniqueRoom,
} from './helpers.mjs';
import { seededRandom, startFaultProxy } from './fault-proxy.mjs';
import { ResumingClient } from './resuming-client.mjs';

const SEED = Number(process.env.SWITCHBOARD_FAULT_SEED ?? 20261202);
// The full size on the release build (~25 s); a quarter under the sanitizers, which run the
// same paths several times slower (docs/testing: what is slow runs once, on release).
const CLIENTS = Number(process.env.SWITCHBOARD_FAULT_CLIENTS ?? (isSanitizerBuild() ? 50 : 200));
const CUTS = Number(process.env.SWITCHBOARD_FAULT_CUTS ?? (isSanitizerBuild() ? 250 : 1000));
// Connect/disconnect cycles: 20,000 on the release build, fewer under the sanitizers (each
// cycle costs them ten times as much; the leak checks there are exact anyway).
const CYCLES = Number(process.env.SWITCHBOARD_CHURN_CYCLES ?? (isSanitizerBuild() ? 2000 : 20000));

/** Waits until every client's inbox has yielded `count(client)` messages matching `match`. */
async function collect(clients, match, count, timeoutMs) {
  return Promise.all(
    clients.map(async (client) => {
      const got = [];
      const deadline = Date.now() + timeoutMs;
      while (got.length < count(client)) {
        try {
          got.push(await client.next(match, { timeoutMs: Math.max(1, deadline - Date.now()) }));
        } catch (error) {
          const state = {
            got: got.length,
            wanted: count(client),
            open: client.connection?.isOpen,
            connections: client.connections,
            resumes: client.resumes.length,
            failures: client.failures.length,
            received: client.received,
            comingBack: Boolean(client.comingBack),
            lastComeBackError: client.lastComeBackError?.message,
          };
          throw new Error(`${client.requested}: ${JSON.stringify(state)}\n${error.message}`);
        }
      }
      return got;
    }),
  );
}

/** Polls /metrics (each poll a round trip to the server) until `check(text)` holds. */
async function waitForMetrics(server, check, what) {
  const deadline = Date.now() + LONG_WAIT_MS;
  for (;;) {
    const text = (await httpRequest(server.port, 'GET', '/metrics')).body.toString('utf8');
    if (check(text)) return text;
    if (Date.now() > deadline) assert.fail(`${what}; last scrape:\n${text}`);
  }
}

const gauge = (text, name) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);

describe('fault injection', { timeout: SUITE_TIMEOUT_MS }, () => {
  let server;
  let proxy;
  const clients = [];
  before(async () => {
    server = await startOneServer(['--resume-grace', '30', '--heartbeat-interval', '1']);
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) client.stop();
    await proxy?.close();
    proxy = null;
    terminateAllClients();
  });
  after(() => server?.stop());

  test(
    `${CUTS} random cuts over ${CLIENTS} chatting clients with resume: every message exactly once, in order`,
    { timeout: scaled(240_000) },
    async (t) => {
      proxy = await startFaultProxy(server.port, { seed: SEED });
      const random = seededRandom(SEED + 1);
      const url = roomUrl(server, uniqueRoom('cuts'));
      for (let i = 0; i < CLIENTS; i += 1) {
        const client = new ResumingClient(url, `u${i}`, {
          capabilities: ['resume', 'heartbeat', 'presence-deltas'],
          connectVia: (u) => proxy.via(u),
          autoResume: true,
        });
        clients.push(client);
      }
      // Registered before the faults begin (a registration is not resumable until it is done).
      for (let i = 0; i < CLIENTS; i += 20)
        await Promise.all(clients.slice(i, i + 20).map((client) => client.start()));

      // Each client sends notes to random others and, now and then, a chat line to the room,
      // while the proxy cuts live connections at random bytes, until CUTS cuts happened.
      const sentTo = clients.map(() => new Map()); // sender -> receiver -> [seq]
      const chats = clients.map(() => []);
      let round = 0;
      const deadline = Date.now() + scaled(120_000);
      while (proxy.cuts < CUTS) {
        assert.ok(Date.now() < deadline, `only ${proxy.cuts} cuts in time`);
        for (let s = 0; s < CLIENTS; s += 1) {
          let r = Math.floor(random() * (CLIENTS - 1));
          if (r >= s) r += 1;
          const seqs = sentTo[s].get(r) ?? [];
          seqs.push(round);
          sentTo[s].set(r, seqs);
          clients[s].send({ type: 'note', target: `u${r}`, seq: round });
          // A chat line costs a delivery to every member: one per client every 100 rounds.
          if (round % 100 === s % 100) {
            chats[s].push(round);
            clients[s].send({ type: 'message', text: `u${s} ${round}` });
          }
        }
        for (let c = 0; c < 10; c += 1) proxy.cutRandom(400);
        round += 1;
        // Let the sockets move (the cuts happen as bytes pass), without waiting on a timer.
        await new Promise((resolve) => setImmediate(resolve));
      }

      const expectedNotes = clients.map((_, r) =>
        sentTo.reduce((sum, bySender) => sum + (bySender.get(r)?.length ?? 0), 0),
      );
      const totalChats = chats.reduce((sum, lines) => sum + lines.length, 0);
      const notes = await collect(clients, 'note', (c) => expectedNotes[clients.indexOf(c)], LONG_WAIT_MS * 4);
      const lines = await collect(clients, 'message', () => totalChats, LONG_WAIT_MS * 4);

      for (let r = 0; r < CLIENTS; r += 1) {
        const bySender = new Map();
        for (const note of notes[r]) {
          const s = Number(note.name.slice(1));
          bySender.set(s, [...(bySender.get(s) ?? []), note.seq]);
        }
        for (let s = 0; s < CLIENTS; s += 1) {
          assert.deepEqual(bySender.get(s) ?? [], sentTo[s].get(r) ?? [], `u${s} -> u${r}`);
        }
        const chatBySender = new Map();
        for (const line of lines[r]) {
          const [, seq] = line.text.split(' ');
          chatBySender.set(line.name, [...(chatBySender.get(line.name) ?? []), Number(seq)]);
        }
        for (let s = 0; s < CLIENTS; s += 1)
          assert.deepEqual(chatBySender.get(`u${s}`) ?? [], chats[s], `chat u${s} -> u${r}`);
      }
      // Nothing more came (no duplicate arrived after the expected count).
      for (const client of clients) {
        assert.equal(client.inbox.take('note').length, 0, `${client.name} got a note twice`);
        assert.equal(client.inbox.take('message').length, 0, `${client.name} got a line twice`);
        assert.equal(client.failures.length, 0, `${client.name}: resume failed`);
        assert.equal(client.name, client.requested, 'renamed');
      }
      const resumes = clients.reduce((sum, client) => sum + client.resumes.length, 0);
      const messages = expectedNotes.reduce((a, b) => a + b, 0) + totalChats * CLIENTS;
      t.diagnostic(
        `${proxy.cuts} cuts, ${resumes} resumes, ${round} rounds: ${messages} deliveries checked`,
      );
      assert.ok(resumes >= CUTS * 0.9, `only ${resumes} resumes for ${proxy.cuts} cuts`);
    },
  );

  test(
    'through 1-byte TCP segments and delays, a session is set up, cut, resumed and replayed',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      proxy = await startFaultProxy(server.port, { seed: SEED + 2 });
      proxy.mode = { delayMs: 2, oneByteSegments: true };
      const url = roomUrl(server, uniqueRoom('bytes'));
      const ana = new ResumingClient(url, 'ana', { connectVia: (u) => proxy.via(u) });
      const bob = new ResumingClient(url, 'bob');
      clients.push(ana, bob);
      await ana.start();
      await bob.start();
      const mark = server.logMark();
      for (const link of proxy.links) link.cut(0);
      await server.waitForLog(new RegExp(`event=awaiting-resume conn=\\d+ member=${ana.id}\\b`), {
        since: mark,
      });
      for (let seq = 0; seq < 20; seq += 1) bob.send({ type: 'note', target: 'ana', seq });
      ana.send({ type: 'note', target: 'bob', seq: 0 }); // sent while away: goes after resumed
      await ana.resume();
      const seqs = [];
      while (seqs.length < 20) seqs.push((await ana.next('note')).seq);
      assert.deepEqual(seqs, Array.from({ length: 20 }, (_, i) => i));
      assert.equal((await bob.next('note')).seq, 0);
    },
  );

  test(
    'a stalled, half-open link: the client hears no ping for two intervals, drops it and resumes',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      proxy = await startFaultProxy(server.port, { seed: SEED + 3 });
      const url = roomUrl(server, uniqueRoom('stall'));
      const ana = new ResumingClient(url, 'ana', {
        capabilities: ['resume', 'heartbeat'],
        connectVia: (u) => proxy.via(u),
        autoResume: true,
      });
      const bob = new ResumingClient(url, 'bob');
      clients.push(ana, bob);
      await ana.start();
      await bob.start();
      const [link] = proxy.links;
      const stalled = Date.now();
      link.stall();
      bob.send({ type: 'note', target: 'ana', seq: 1 });
      // Delivered once ana has noticed (no ping for 2 s) and resumed on a fresh link.
      const note = await ana.next('note', { timeoutMs: scaled(10_000) });
      const noticedAfter = Date.now() - stalled;
      assert.equal(note.seq, 1);
      assert.equal(ana.silenceDrops, 1);
      assert.equal(ana.resumes.length, 1);
      // Two intervals of silence, checked every quarter interval, plus the resume.
      assert.ok(noticedAfter < scaled(4000), `took ${noticedAfter} ms`);
    },
  );

  test(
    'the server SIGKILLed under load and started again: clients get resume-failed and register afresh, under their names',
    { timeout: scaled(120_000) },
    async (t) => {
      const own = await startOneServer(['--resume-grace', '30']);
      let current = own;
      t.after(() => current.stop());
      const url = roomUrl(own, uniqueRoom('kill'));
      const group = [];
      for (let i = 0; i < 20; i += 1) {
        const client = new ResumingClient(url, `k${i}`, {
          capabilities: ['resume', 'presence-deltas'],
          autoResume: true,
        });
        client.registerAgain = true;
        group.push(client);
        clients.push(client);
      }
      await Promise.all(group.map((client) => client.start()));
      for (const [i, client] of group.entries())
        client.send({ type: 'note', target: `k${(i + 1) % 20}`, seq: 0 });
      own.proc.kill('SIGKILL');
      await own.exited;
      current = await startOneServer(['--resume-grace', '30'], { port: own.port });
      // Each comes back, is told its session is gone, and registers again: the new server's
      // user list shows all twenty under their own names.
      await Promise.all(
        group.map((client) =>
          client.next((m) => m.type === 'error' && m.code === 'resume-failed', {
            timeoutMs: LONG_WAIT_MS,
          }),
        ),
      );
      const watcher = await connect(url);
      await watcher.next('id');
      watcher.send({ type: 'username', name: 'watcher' });
      const names = group.map((client) => client.requested);
      for (;;) {
        const list = await watcher.next('userlist', { timeoutMs: LONG_WAIT_MS });
        if (names.every((name) => list.users.includes(name))) break;
      }
      for (const client of group) assert.equal(client.name, client.requested);
      // The fresh sessions work, and are resumable in their turn.
      group[0].send({ type: 'note', target: 'k1', seq: 1 });
      assert.equal((await group[1].next((m) => m.type === 'note' && m.seq === 1)).name, 'k0');
    },
  );

  test(
    `${CYCLES} connect/disconnect cycles leave no descriptor, session or memory behind`,
    { timeout: scaled(300_000) },
    async (t) => {
      const own = await startOneServer(['--resume-grace', '1']);
      t.after(() => own.stop());
      const fds = () => fs.readdirSync(`/proc/${own.pid}/fd`).length;
      const url = roomUrl(own, uniqueRoom('churn'));
      // Warm up: the allocator's arenas and the first connections' buffers.
      const warm = await Promise.all(Array.from({ length: 50 }, () => connect(url)));
      await Promise.all(warm.map((client) => client.close()));
      await waitForMetrics(own, (text) => gauge(text, 'switchboard_connections\\{state="unregistered"\\}') === 0, 'warm-up connections still held');
      const baselineFds = fds();
      const baselineRss = readMemory(own.pid).rss;

      // Four kinds, round robin: a bare connection closed cleanly; one dropped; a resumable
      // user who leaves cleanly; a resumable user dropped (held for the 1 s grace, then freed).
      let done = 0;
      const worker = async (w) => {
        for (let i = w; i < CYCLES; i += 50) {
          const kind = i % 4;
          const client = await connect(url);
          const id = await client.next('id');
          if (kind >= 2) {
            client.send({ type: 'username', name: `c${i}`, capabilities: ['resume'] });
            await client.next((m) => m.type === 'userlist' || m.type === 'rejectusername');
          }
          if (kind % 2 === 0) await client.close();
          else {
            client.terminate();
            await client.closed;
          }
          assert.ok(id.resume);
          done += 1;
        }
      };
      await Promise.all(Array.from({ length: 50 }, (_, w) => worker(w)));
      assert.equal(done, CYCLES);
      const text = await waitForMetrics(
        own,
        (scrape) =>
          gauge(scrape, 'switchboard_sessions_awaiting_resume') === 0 &&
          gauge(scrape, 'switchboard_users') === 0 &&
          gauge(scrape, 'switchboard_rooms') === 0 &&
          gauge(scrape, 'switchboard_connections\\{state="unregistered"\\}') === 0 &&
          gauge(scrape, 'switchboard_connections\\{state="registered"\\}') === 0,
        'sessions, users or connections left behind',
      );
      assert.ok(text);
      const afterFds = fds();
      const afterRss = readMemory(own.pid).rss;
      t.diagnostic(
        `${CYCLES} cycles: descriptors ${baselineFds} -> ${afterFds}; ` +
          `RSS ${(baselineRss / 2 ** 20).toFixed(1)} -> ${(afterRss / 2 ** 20).toFixed(1)} MiB`,
      );
      // The scrape's own connection may still be held for a moment: at most one more.
      assert.ok(afterFds <= baselineFds + 1, `descriptors ${baselineFds} -> ${afterFds}`);
      if (!isSanitizerBuild())
        assert.ok(afterRss - baselineRss < 16 * 2 ** 20, `RSS grew ${afterRss - baselineRss} bytes`);
    },
  );
});
