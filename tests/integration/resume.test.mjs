// Resume (docs/protocol.md, "Resume"): a client with the "resume" capability that loses its
// connection keeps its name, room and messages for --resume-grace; coming back with its token
// it gets everything it missed, once and in order, and the server tells it what of its own
// to send again. Past the grace, or with the buffer overflowed, resume-failed and a fresh
// session; clients without the capability (the MDN sample's) leave at once, as before.

import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import {
  SUITE_TIMEOUT_MS,
  TEST_TIMEOUT_MS,
  connect,
  expectError,
  httpRequest,
  register,
  roomUrl,
  startServer,
  terminateAllClients,
  uniqueRoom,
  waitForUserlist,
} from './helpers.mjs';
import { ResumingClient } from './resuming-client.mjs';

const GRACE_S = 3;

/** bob (with presence deltas, to see every join and leave) and ana, who can resume; once bob
 *  has seen her join. */
async function bobWatchesAna(url) {
  const bob = await register(url, 'bob', { capabilities: ['presence-deltas'] });
  const ana = await new ResumingClient(url, 'ana').start();
  await bob.next((m) => m.type === 'user-joined' && m.names.includes('ana'));
  return { bob, ana };
}

/** Resolves once the server has noticed that `client`'s connection is gone and waits for it. */
function awaitingResume(server, client, since) {
  return server.waitForLog(new RegExp(`event=awaiting-resume conn=\\d+ member=${client.id}\\b`), {
    since,
  });
}

describe('resume', { timeout: SUITE_TIMEOUT_MS }, () => {
  let server;
  before(async () => {
    server = await startServer(['--resume-grace', String(GRACE_S), '--heartbeat-interval', '1']);
  });
  afterEach(terminateAllClients);
  after(() => server?.stop());

  test(
    'every id carries a 128-bit url-safe resume token, different each time; config tells the grace and heartbeat',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const url = roomUrl(server, uniqueRoom());
      const tokens = new Set();
      for (let i = 0; i < 3; i += 1) {
        const client = await connect(url);
        const id = await client.next('id');
        assert.match(id.resume, /^[A-Za-z0-9_-]{22}$/);
        tokens.add(id.resume);
        const config = await client.next('config');
        assert.equal(config.resumeGrace, GRACE_S);
        assert.equal(config.heartbeatInterval, 1);
        await client.close();
      }
      assert.equal(tokens.size, 3);
      // Never in the log.
      for (const token of tokens)
        assert.ok(!server.stderrLines.some((line) => line.includes(token)), 'token logged');
    },
  );

  test(
    'a dropped client keeps its name: no leave for the others, directed and chat messages kept and replayed in order',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const url = roomUrl(server, uniqueRoom());
      const { bob, ana } = await bobWatchesAna(url);

      const mark = server.logMark();
      ana.drop();
      await awaitingResume(server, ana, mark);
      // While ana is away: directed messages and chat for her are kept, not refused.
      for (let i = 0; i < 5; i += 1) {
        bob.send({ type: 'offer', target: 'ana', seq: i });
        bob.send({ type: 'message', text: `line ${i}` });
      }
      // Bob's own chat echoes prove the server handled all of them.
      for (let i = 0; i < 5; i += 1) await bob.next((m) => m.type === 'message' && m.text === `line ${i}`);

      const received = await ana.resume();
      assert.equal(received, ana.sent.length, 'the server processed all ana had sent');
      const got = [];
      while (got.length < 10) {
        const message = await ana.next(['offer', 'message']);
        got.push(message.type === 'offer' ? `offer ${message.seq}` : message.text);
      }
      const expected = [];
      for (let i = 0; i < 5; i += 1) expected.push(`offer ${i}`, `line ${i}`);
      assert.deepEqual(got, expected);
      // The same name, and still reachable under it.
      bob.send({ type: 'answer', target: 'ana', sdp: 'x' });
      assert.equal((await ana.next('answer')).name, 'bob');
      ana.send({ type: 'answer', target: 'bob', sdp: 'y' });
      assert.equal((await bob.next('answer')).name, 'ana');
      // Bob never saw ana leave, nor got an unknown-target.
      assert.ok(
        !bob.history.some((m) => m.type === 'user-left' && m.names.includes('ana')),
        'bob saw ana leave',
      );
      assert.ok(!bob.history.some((m) => m.type === 'error'), JSON.stringify(bob.history));
    },
  );

  test(
    'exactly once both ways: what the server had not processed is sent again, nothing twice',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const url = roomUrl(server, uniqueRoom());
      const bob = await new ResumingClient(url, 'bob').start();
      const ana = await new ResumingClient(url, 'ana').start();
      const total = 200;
      for (let round = 0; round < 4; round += 1) {
        // A burst, cut off in the middle: some of it reached the server, some did not.
        for (let i = 0; i < total / 4; i += 1) {
          const seq = round * (total / 4) + i;
          ana.send({ type: 'note', target: 'bob', seq });
          bob.send({ type: 'note', target: 'ana', seq });
        }
        const mark = server.logMark();
        ana.drop();
        await awaitingResume(server, ana, mark);
        await ana.resume();
        if (round % 2 === 1) {
          const bobMark = server.logMark();
          bob.drop();
          await awaitingResume(server, bob, bobMark);
          await bob.resume();
        }
      }
      for (const [receiver, sender] of [
        [bob, 'ana'],
        [ana, 'bob'],
      ]) {
        const seqs = [];
        while (seqs.length < total) seqs.push((await receiver.next('note')).seq);
        assert.deepEqual(
          seqs,
          Array.from({ length: total }, (_, i) => i),
          `${receiver.requested} got ${sender}'s notes once each, in order`,
        );
      }
      assert.ok(ana.resumes.length >= 4);
      assert.equal(ana.failures.length + bob.failures.length, 0);
    },
  );

  test(
    'a newer connection with the token takes over: the older one is closed with 4002',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const url = roomUrl(server, uniqueRoom());
      const ana = await new ResumingClient(url, 'ana').start();
      const first = ana.connection;
      await ana.resume({ takeOver: true });
      const info = await first.closed;
      assert.equal(info.code, 4002);
      const bob = await register(url, 'bob');
      await waitForUserlist(bob, ['ana', 'bob']);
      bob.send({ type: 'offer', target: 'ana' });
      assert.equal((await ana.next('offer')).name, 'bob');
    },
  );

  test(
    'past the grace the others see the leave; coming back then gets resume-failed, then a fresh id, and the name is free',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const url = roomUrl(server, uniqueRoom());
      const { bob, ana } = await bobWatchesAna(url);
      const dropped = Date.now();
      ana.drop();
      await bob.next((m) => m.type === 'user-left' && m.names.includes('ana'), {
        timeoutMs: (GRACE_S + 5) * 1000,
      });
      const away = (Date.now() - dropped) / 1000;
      assert.ok(away >= GRACE_S - 0.1, `left after ${away} s, before the ${GRACE_S} s grace`);
      // Messages for her are refused again.
      bob.send({ type: 'offer', target: 'ana' });
      await expectError(bob, 'unknown-target');

      const connection = await ana.reconnect();
      const failed = await ana.next('error');
      assert.equal(failed.code, 'resume-failed');
      const id = await ana.next('id');
      assert.match(id.resume, /^[A-Za-z0-9_-]{22}$/);
      assert.notEqual(id.resume, ana.token);
      connection.send({ type: 'username', name: 'ana' });
      await bob.next((m) => m.type === 'user-joined' && m.names.includes('ana'));
    },
  );

  test(
    'more kept for an absent client than its send queue may hold ends the session at once: resume-failed',
    { timeout: TEST_TIMEOUT_MS },
    async (t) => {
      const small = await startServer(['--resume-grace', '60', '--max-queue-messages', '20']);
      t.after(() => small.stop());
      const url = roomUrl(small, uniqueRoom());
      const { bob, ana } = await bobWatchesAna(url);
      const mark = small.logMark();
      ana.drop();
      await awaitingResume(small, ana, mark);
      for (let i = 0; i < 30; i += 1) bob.send({ type: 'offer', target: 'ana', seq: i });
      // Long before the 60 s grace: she is gone for everyone.
      await bob.next((m) => m.type === 'user-left' && m.names.includes('ana'));
      await small.waitForLog('event=resume-buffer-overflow');
      await ana.reconnect();
      assert.equal((await ana.next('error')).code, 'resume-failed');
      await ana.next('id');
    },
  );

  test(
    'a bad resume (unknown token, no last, last past what was sent) fails cleanly and the connection goes on fresh',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const room = uniqueRoom();
      const url = roomUrl(server, room);
      const ana = await new ResumingClient(url, 'ana').start();
      for (const query of [
        'resume=AAAAAAAAAAAAAAAAAAAAAA&last=0',
        'resume=not-a-token&last=0',
        `resume=${ana.token}&last=x`,
      ]) {
        const client = await connect(`${url}&${query}`);
        assert.equal((await client.next(() => true)).code, 'resume-failed');
        assert.equal((await client.next(() => true)).type, 'id');
        await client.close();
      }
      // The malformed last ended ana's session (her name is free); a last past what was sent
      // does too.
      const bob = await new ResumingClient(url, 'bob').start();
      const client = await connect(`${url}&resume=${bob.token}&last=${bob.received + 5}`);
      assert.equal((await client.next(() => true)).code, 'resume-failed');
      await client.next('id');
      client.send({ type: 'username', name: 'bob' });
      const list = await client.next('userlist');
      assert.ok(list.users.includes('bob'), JSON.stringify(list));
    },
  );

  test(
    'a clean close (1000, 1001) leaves at once; so does a client without the capability, as before',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const url = roomUrl(server, uniqueRoom());
      const bob = await register(url, 'bob', { capabilities: ['presence-deltas'] });
      const ana = await new ResumingClient(url, 'ana').start();
      const cy = await register(url, 'cy');
      await bob.next((m) => m.type === 'user-joined' && m.names.includes('cy'));
      const started = Date.now();
      await ana.close(1000);
      await bob.next((m) => m.type === 'user-left' && m.names.includes('ana'));
      cy.terminate();
      await bob.next((m) => m.type === 'user-left' && m.names.includes('cy'));
      assert.ok(Date.now() - started < GRACE_S * 1000, 'waited for a grace');
    },
  );

  test(
    'heartbeat: pings every interval carry the count of client messages processed; pongs are not counted',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const url = roomUrl(server, uniqueRoom());
      const ana = await register(url, 'ana', { capabilities: ['heartbeat'] });
      const first = await ana.next('ping', { timeoutMs: 3000 });
      ana.send({ type: 'pong', received: 3 });
      ana.send({ type: 'message', text: 'hi' });
      await ana.next('message');
      const second = await ana.next('ping', { timeoutMs: 3000 });
      // The username, then the chat line: the pong is outside the count.
      assert.equal(first.received, 1);
      assert.equal(second.received, 2);
      // A client that did not ask gets none.
      const bob = await register(url, 'bob');
      await ana.next('ping', { timeoutMs: 3000 });
      assert.ok(!bob.history.some((m) => m.type === 'ping'));
    },
  );

  test('/metrics counts resumes and the sessions waiting for one', { timeout: TEST_TIMEOUT_MS }, async () => {
    const url = roomUrl(server, uniqueRoom());
    const metric = async (name) => {
      const text = (await httpRequest(server.port, 'GET', '/metrics')).body.toString('utf8');
      return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
    };
    const before = await metric('switchboard_resumes_total\\{result="resumed"\\}');
    const ana = await new ResumingClient(url, 'ana').start();
    const mark = server.logMark();
    ana.drop();
    await awaitingResume(server, ana, mark);
    assert.equal(await metric('switchboard_sessions_awaiting_resume'), 1);
    await ana.resume();
    assert.equal(await metric('switchboard_sessions_awaiting_resume'), 0);
    assert.equal(await metric('switchboard_resumes_total\\{result="resumed"\\}'), before + 1);
  });
});
