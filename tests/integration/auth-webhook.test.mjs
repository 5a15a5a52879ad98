// --auth webhook: for every upgrade the server POSTs {room, name, token, remote} to the
// operator's own service and lets the connection in (as the name and into the room the answer
// gives), refuses it (403 auth-denied with the answer's reason), or, when the service is down,
// slow, busy or talks nonsense, refuses it with 503 auth-unavailable without stalling anyone
// else. The webhook here is a node:http server on 127.0.0.1:0 whose answer each test chooses.

import assert from 'node:assert/strict';
import http from 'node:http';
import { after, afterEach, before, describe, test } from 'node:test';
import {
  SUITE_TIMEOUT_MS,
  TEST_TIMEOUT_MS,
  TestClient,
  connect,
  expectChatRoundTrip,
  expectError,
  expectRefusal,
  register,
  roomUrl,
  scaled,
  startServer,
  terminateAllClients,
  tokenUrl,
  tryUpgrade,
  uniqueRoom,
  waitForUserlist,
} from './helpers.mjs';
import { Inbox } from './inbox.mjs';

const WEBHOOK_PATH = '/hooks/switchboard-login';

/** Answers `response` with `status` and `body` (an object is sent as JSON). */
function answer(response, status, body) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  response.writeHead(status, { 'Content-Type': 'application/json' });
  response.end(text);
}

/**
 * The operator's login service. Every request lands in `calls` (an Inbox of {method, path,
 * headers, body, response}) and is passed to `decide(call)`, which answers it, or keeps
 * `call.response` to answer later, or never does.
 */
class Webhook {
  constructor() {
    this.calls = new Inbox('webhook');
    this.decide = (call) => answer(call.response, 200, { allowed: true });
    this.server = http.createServer((request, response) => {
      const chunks = [];
      request.on('data', (chunk) => chunks.push(chunk));
      request.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body;
        try {
          body = JSON.parse(text);
        } catch {
          body = { unparsable: text };
        }
        const call = { method: request.method, path: request.url, headers: request.headers, body };
        call.response = response;
        this.calls.deliver(call);
        this.decide(call);
      });
    });
  }

  async start() {
    await new Promise((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${this.server.address().port}${WEBHOOK_PATH}`;
    return this;
  }

  async stop() {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

const webhookArgs = (webhook, ...more) => [
  '--auth',
  'webhook',
  '--auth-webhook-url',
  webhook.url,
  ...more,
];

describe('--auth webhook', { timeout: SUITE_TIMEOUT_MS }, () => {
  let webhook;
  let server;
  before(async () => {
    webhook = await new Webhook().start();
    server = await startServer(webhookArgs(webhook));
  });
  afterEach(() => {
    terminateAllClients();
    webhook.calls.take(() => true);
    webhook.decide = (call) => answer(call.response, 200, { allowed: true });
  });
  after(async () => {
    await server?.stop();
    await webhook?.stop();
  });

  test(
    'the POST carries room, name, token and remote; the answer fixes name and room',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const asked = uniqueRoom('asked');
      const granted = uniqueRoom('granted');
      // ana is let in as Zed in the granted room; "there" goes to the granted room under any
      // name; anyone else stays where they asked.
      webhook.decide = ({ body, response }) => {
        if (body.name === 'ana')
          answer(response, 200, { allowed: true, name: 'Zed', room: granted });
        else if (body.name === 'there') answer(response, 200, { allowed: true, room: granted });
        else answer(response, 200, { allowed: true });
      };

      const client = await connect(tokenUrl(server, asked, 'tok-123', { name: 'ana' }), {
        label: 'ana',
      });
      const call = await webhook.calls.next(() => true);
      assert.equal(call.method, 'POST');
      assert.equal(call.path, WEBHOOK_PATH);
      assert.match(call.headers['content-type'], /^application\/json/);
      assert.deepEqual(call.body, {
        room: asked,
        name: 'ana',
        token: 'tok-123',
        remote: '127.0.0.1',
      });

      await client.next('id');
      client.send({ type: 'username', name: 'ana' });
      const error = await expectError(client, 'name-not-allowed');
      assert.equal(error.request, 'username');
      client.send({ type: 'username', name: 'Zed' });
      await waitForUserlist(client, ['Zed']);
      client.name = 'Zed';

      // Zed is in the granted room, not the asked one.
      const inGranted = await register(`${roomUrl(server, asked)}&name=there`, 'there');
      const inAsked = await register(`${roomUrl(server, asked)}&name=here`, 'here');
      await waitForUserlist(inGranted, ['Zed', 'there']);
      await waitForUserlist(inAsked, ['here']);
      await expectChatRoundTrip(client);
      assert.equal((await inGranted.next('message')).name, 'Zed');
    },
  );

  test('no ?name= and no token are sent as null; a Bearer token is sent', async () => {
    const room = uniqueRoom('hook');
    assert.equal((await tryUpgrade(roomUrl(server, room))).status, 101);
    assert.deepEqual((await webhook.calls.next(() => true)).body, {
      room,
      name: null,
      token: null,
      remote: '127.0.0.1',
    });
    const bearer = await tryUpgrade(roomUrl(server, room), {
      headers: { Authorization: 'Bearer abc.def.ghi' },
    });
    assert.equal(bearer.status, 101);
    assert.equal((await webhook.calls.next(() => true)).body.token, 'abc.def.ghi');
  });

  test(
    'an answer without name or room: the asked room, any name (suffixes as usual)',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const room = uniqueRoom('hook');
      webhook.decide = ({ response }) => answer(response, 200, { allowed: true, name: null });
      const first = await register(roomUrl(server, room), 'ana');
      const second = await register(`${roomUrl(server, room)}&name=ana`, 'ana');
      assert.equal(first.name, 'ana');
      assert.equal(second.name, 'ana1');
      await waitForUserlist(first, ['ana', 'ana1']);
    },
  );

  test('{allowed:false, reason}: 403 auth-denied with the reason as message', async () => {
    const room = uniqueRoom('hook');
    webhook.decide = ({ response }) =>
      answer(response, 200, { allowed: false, reason: 'banned from this room' });
    const refusal = await expectRefusal(roomUrl(server, room), 403, 'auth-denied');
    assert.equal(refusal.json.message, 'banned from this room');

    // Without a reason there is still a sentence; a long one is cut to 200 characters.
    webhook.decide = ({ response }) => answer(response, 200, { allowed: false });
    await expectRefusal(roomUrl(server, room), 403, 'auth-denied');
    webhook.decide = ({ response }) =>
      answer(response, 200, { allowed: false, reason: 'r'.repeat(500) });
    const long = await expectRefusal(roomUrl(server, room), 403, 'auth-denied');
    assert.equal(long.json.message, 'r'.repeat(200));
  });

  test(
    'a long non-ASCII reason is cut without breaking UTF-8',
    async () => {
      const room = uniqueRoom('hook');
      webhook.decide = ({ response }) =>
        answer(response, 200, { allowed: false, reason: `a${'é'.repeat(150)}` });
      const refusal = await tryUpgrade(roomUrl(server, room));
      assert.equal(refusal.status, 403);
      assert.doesNotThrow(() => new TextDecoder('utf-8', { fatal: true }).decode(refusal.body));
      assert.ok(refusal.json.message.startsWith(`a${'é'.repeat(99)}`), refusal.json.message);
    },
  );

  test('a non-200 answer: 503 auth-unavailable', async () => {
    const room = uniqueRoom('hook');
    for (const status of [500, 404, 403, 204, 302]) {
      webhook.decide = ({ response }) =>
        answer(response, status, status === 204 ? '' : { allowed: true });
      await expectRefusal(roomUrl(server, room), 503, 'auth-unavailable');
    }
  });

  test('an answer that is not {allowed: bool, name?: string, room?: string}: 503', async () => {
    const room = uniqueRoom('hook');
    const answers = [
      'not json',
      '{"allowed":true',
      '[]',
      '{}',
      '{"allowed":"yes"}',
      '{"allowed":1}',
      '{"allowed":true,"name":42}',
      '{"allowed":true,"room":["a"]}',
      // A room the server could not hold: not a valid room name.
      '{"allowed":true,"room":"no spaces allowed"}',
      '{"allowed":true,"room":""}',
    ];
    for (const body of answers) {
      webhook.decide = ({ response }) => answer(response, 200, body);
      const refusal = await expectRefusal(roomUrl(server, room), 503, 'auth-unavailable');
      assert.ok(refusal, body);
    }
  });

  test('a webhook that hangs up without answering: 503', async () => {
    const room = uniqueRoom('hook');
    webhook.decide = ({ response }) => response.socket.destroy();
    await expectRefusal(roomUrl(server, room), 503, 'auth-unavailable');
  });
});

describe('--auth webhook that does not answer in time', { timeout: SUITE_TIMEOUT_MS }, () => {
  const TIMEOUT_MS = 300;
  let webhook;
  let server;
  before(async () => {
    webhook = await new Webhook().start();
    server = await startServer(webhookArgs(webhook, '--auth-webhook-timeout', String(TIMEOUT_MS)));
  });
  afterEach(terminateAllClients);
  after(async () => {
    await server?.stop();
    await webhook?.stop();
  });

  test(
    '503 auth-unavailable after the timeout, and others are served meanwhile',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const room = uniqueRoom('slow');
      // The witness is let in; everyone else waits forever.
      webhook.decide = ({ body, response }) => {
        if (body.name === 'witness') answer(response, 200, { allowed: true });
      };
      const witness = await register(`${roomUrl(server, room)}&name=witness`, 'witness');

      const started = Date.now();
      let settledAt = null;
      const login = tryUpgrade(`${roomUrl(server, room)}&name=slowpoke`).finally(() => {
        settledAt = Date.now();
      });
      await webhook.calls.next((call) => call.body.name === 'slowpoke');
      // While the webhook hangs, the witness's messages keep round-tripping promptly.
      // (Directed to itself: broadcasts would meet the broadcast rate limit.)
      const roundTrips = [];
      while (settledAt === null && roundTrips.length < 1_000) {
        const sent = Date.now();
        witness.send({ type: 'probe', target: 'witness', seq: roundTrips.length });
        await witness.next((m) => m.type === 'probe' && m.seq === roundTrips.length);
        roundTrips.push(Date.now() - sent);
      }
      const refusal = await login;
      assert.equal(refusal.status, 503, refusal.body?.toString());
      assert.equal(refusal.json.code, 'auth-unavailable');
      const took = settledAt - started;
      assert.ok(took >= TIMEOUT_MS - 50, `refused after ${took} ms, before the timeout`);
      assert.ok(took < scaled(2_000), `refused after ${took} ms`);
      assert.ok(roundTrips.length >= 3, `only ${roundTrips.length} round trips meanwhile`);
      const slowest = Math.max(...roundTrips);
      assert.ok(slowest < scaled(150), `a round trip took ${slowest} ms while the webhook hung`);
      // The failure is logged.
      await server.waitForLog(/event=auth-webhook-failed .*timeout/);
      await expectChatRoundTrip(witness);
    },
  );
});

describe('--auth webhook that is down', { timeout: SUITE_TIMEOUT_MS }, () => {
  let server;
  before(async () => {
    // A port that was just listened on and is closed again: nothing answers there.
    const gone = await new Webhook().start();
    await gone.stop();
    server = await startServer(['--auth', 'webhook', '--auth-webhook-url', gone.url]);
  });
  afterEach(terminateAllClients);
  after(() => server?.stop());

  test('503 auth-unavailable, at once', async () => {
    const started = Date.now();
    await expectRefusal(roomUrl(server, uniqueRoom('down')), 503, 'auth-unavailable');
    assert.ok(Date.now() - started < scaled(2_000));
    await server.waitForLog('event=auth-webhook-failed');
  });
});

describe('--auth-webhook-max-inflight', { timeout: SUITE_TIMEOUT_MS }, () => {
  let webhook;
  let server;
  before(async () => {
    webhook = await new Webhook().start();
    server = await startServer(
      webhookArgs(webhook, '--auth-webhook-max-inflight', '2', '--auth-webhook-timeout', '20000'),
    );
  });
  afterEach(terminateAllClients);
  after(async () => {
    await server?.stop();
    await webhook?.stop();
  });

  test(
    'past the limit a login gets 503 at once; the held ones get in once answered',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const room = uniqueRoom('busy');
      webhook.decide = () => {}; // held: answered below
      const first = new TestClient(`${roomUrl(server, room)}&name=first`, { label: 'first' });
      const second = new TestClient(`${roomUrl(server, room)}&name=second`, { label: 'second' });
      const held = [await webhook.calls.next(() => true), await webhook.calls.next(() => true)];
      assert.deepEqual(held.map((call) => call.body.name).sort(), ['first', 'second']);

      const started = Date.now();
      await expectRefusal(`${roomUrl(server, room)}&name=third`, 503, 'auth-unavailable');
      const took = Date.now() - started;
      assert.ok(took < scaled(1_000), `the third login waited ${took} ms`);
      assert.deepEqual(
        webhook.calls.take(() => true),
        [],
        'the third login reached the webhook',
      );
      await server.waitForLog('event=auth-webhook-busy');

      webhook.decide = ({ response }) => answer(response, 200, { allowed: true });
      for (const call of held) answer(call.response, 200, { allowed: true });
      await Promise.all([first.opened, second.opened]);
      await first.next('id');
      first.send({ type: 'username', name: 'first' });
      await waitForUserlist(first, ['first']);
      await second.next('id');
      second.send({ type: 'username', name: 'second' });
      await waitForUserlist(first, ['first', 'second']);
      await waitForUserlist(second, ['first', 'second']);
      // The calls that ended freed their places: logins get through again.
      assert.equal((await tryUpgrade(`${roomUrl(server, room)}&name=fourth`)).status, 101);
      assert.equal((await tryUpgrade(`${roomUrl(server, room)}&name=fifth`)).status, 101);
    },
  );
});
