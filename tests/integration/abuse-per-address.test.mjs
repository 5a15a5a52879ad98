// Issue 9's abuse limits seen from outside: connections and handshakes per client address
// (several 127.0.0.x source addresses stand for several hosts), which address counts behind a
// trusted proxy and which X-Forwarded-For is ignored, the Origin allowlist, and the MDN
// sample's client with the default flags.

import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import {
  TEST_TIMEOUT_MS,
  connect,
  expectRefusal,
  register,
  roomUrl,
  startServer,
  terminateAllClients,
  tryUpgrade,
  uniqueRoom,
  waitForUserlist,
  withTimeout,
  WAIT_MS,
} from './helpers.mjs';

afterEach(terminateAllClients);

// Counted addresses only: loopback is exempt by default, where the other tests connect from.
const COUNTED = ['--per-ip-exempt', 'none'];

describe('--max-connections-per-ip', () => {
  test(
    'the 65th connection from one address gets 429; another address and a freed slot get in',
    { timeout: TEST_TIMEOUT_MS },
    async (t) => {
      // A handshake rate that does not interfere: only the count is under test here.
      const server = await startServer([...COUNTED, '--ip-handshake-rate', '10000']);
      t.after(() => server.stop());
      const url = roomUrl(server, uniqueRoom('per-ip'));
      const held = [];
      for (let i = 0; i < 64; i += 1) held.push(await connect(url, { localAddress: '127.0.0.2' }));
      const refusal = await expectRefusal(url, 429, 'too-many-connections', {
        localAddress: '127.0.0.2',
      });
      assert.equal(refusal.headers['retry-after'], '5');
      // Another host is not affected.
      const other = await connect(url, { localAddress: '127.0.0.3' });
      assert.ok(other.isOpen);
      // One of the 64 leaves: its slot is free again once the server has seen it go.
      await held.pop().close();
      const deadline = Date.now() + WAIT_MS;
      let status;
      do {
        status = (await tryUpgrade(url, { localAddress: '127.0.0.2' })).status;
      } while (status !== 101 && Date.now() < deadline);
      assert.equal(status, 101, 'a freed slot is given again');
    },
  );

  test('loopback is exempt by default: 100 connections from 127.0.0.1', { timeout: TEST_TIMEOUT_MS }, async (t) => {
    const server = await startServer(['--max-connections-per-ip', '4']);
    t.after(() => server.stop());
    const url = roomUrl(server, uniqueRoom('exempt'));
    const clients = [];
    for (let i = 0; i < 100; i += 1) clients.push(await connect(url));
    assert.ok(clients.every((client) => client.isOpen));
  });
});

describe('--ip-handshake-rate', () => {
  test(
    'a handshake flood from one address is held to the rate while another address connects',
    { timeout: TEST_TIMEOUT_MS },
    async (t) => {
      // 5/s with a burst of 10: a flood of 40 at once gets about 10 in.
      const server = await startServer([...COUNTED, '--ip-handshake-rate', '5']);
      t.after(() => server.stop());
      const url = roomUrl(server, uniqueRoom('flood'));
      const flood = [];
      const bystander = [];
      for (let i = 0; i < 40; i += 1) {
        flood.push(tryUpgrade(url, { localAddress: '127.0.0.4' }));
        // Another host, a handshake every fourth flood handshake: well within its own rate.
        if (i % 4 === 0) bystander.push(tryUpgrade(url, { localAddress: '127.0.0.5' }));
      }
      const flooded = await Promise.all(flood);
      const admitted = flooded.filter((r) => r.status === 101).length;
      const refused = flooded.filter((r) => r.status === 429);
      // The burst (10) plus what refilled during the flood (5/s for well under a second).
      assert.ok(admitted >= 10 && admitted <= 14, `admitted ${admitted} of 40`);
      assert.equal(admitted + refused.length, 40);
      for (const r of refused) {
        assert.equal(r.json?.code, 'too-many-handshakes');
        assert.equal(r.headers['retry-after'], '1');
      }
      assert.deepEqual(
        (await Promise.all(bystander)).map((r) => r.status),
        bystander.map(() => 101),
        'the other address was let in every time',
      );
    },
  );
});

describe('--trust-proxy', () => {
  test(
    'X-Forwarded-For from a peer that is not a trusted proxy is ignored',
    { timeout: TEST_TIMEOUT_MS },
    async (t) => {
      const server = await startServer([
        ...COUNTED,
        '--max-connections-per-ip',
        '2',
        '--trust-proxy',
        '127.0.0.7',
      ]);
      t.after(() => server.stop());
      const url = roomUrl(server, uniqueRoom('xff'));
      const forged = (n) => ({
        localAddress: '127.0.0.6',
        headers: { 'X-Forwarded-For': `203.0.113.${n}`, Forwarded: `for=198.51.100.${n}` },
      });
      await connect(url, forged(1));
      await connect(url, forged(2));
      // Two "different clients" by their headers, one address by its socket: the third is refused.
      await expectRefusal(url, 429, 'too-many-connections', forged(3));
    },
  );

  test(
    'behind a trusted proxy each forwarded client is counted, and logged as itself',
    { timeout: TEST_TIMEOUT_MS },
    async (t) => {
      const server = await startServer([
        ...COUNTED,
        '--max-connections-per-ip',
        '2',
        '--trust-proxy',
        '127.0.0.7',
      ]);
      t.after(() => server.stop());
      const url = roomUrl(server, uniqueRoom('proxy'));
      const via = (client) => ({
        localAddress: '127.0.0.7',
        // As nginx writes it: what came before, then the address it saw.
        headers: { 'X-Forwarded-For': `10.9.9.9, ${client}` },
      });
      // Many clients through one proxy address: each its own count.
      for (let n = 1; n <= 5; n += 1) await connect(url, via(`203.0.113.${n}`));
      await connect(url, via('203.0.113.99'));
      await connect(url, via('203.0.113.99'));
      await expectRefusal(url, 429, 'too-many-connections', via('203.0.113.99'));
      await server.waitForLog(/event=connect .*remote="203\.0\.113\.1 via 127\.0\.0\.7:\d+"/);
    },
  );
});

describe('--allowed-origin', () => {
  test('a foreign Origin is refused with 403; an allowed one and none are let in', async (t) => {
    const server = await startServer([
      '--allowed-origin',
      'https://chat.example.org',
      '--allowed-origin',
      'http://127.0.0.1:8080',
    ]);
    t.after(() => server.stop());
    const url = roomUrl(server, uniqueRoom('origin'));
    await expectRefusal(url, 403, 'origin-not-allowed', { origin: 'https://evil.example' });
    // Exact origins: another scheme or port is another origin.
    await expectRefusal(url, 403, 'origin-not-allowed', { origin: 'http://chat.example.org' });
    await expectRefusal(url, 403, 'origin-not-allowed', { origin: 'http://127.0.0.1:8081' });
    assert.equal((await tryUpgrade(url, { origin: 'https://chat.example.org' })).status, 101);
    assert.equal((await tryUpgrade(url, { origin: 'http://127.0.0.1:8080' })).status, 101);
    assert.equal((await tryUpgrade(url)).status, 101, 'no Origin: not a browser page');
  });
});

describe('the MDN sample client, default flags', () => {
  test(
    'its conversation works: json subprotocol, username with id and date, chat, offer',
    { timeout: TEST_TIMEOUT_MS },
    async (t) => {
      const server = await startServer([]);
      t.after(() => server.stop());
      const url = `${server.url}/`;
      // What chatclient.js sends, field for field.
      const open = async (name) => {
        const client = await connect(url, { protocols: ['json'], label: name });
        assert.equal(client.protocol, 'json');
        const { id } = await client.next('id');
        client.send({ type: 'username', name, date: Date.now(), id });
        return client;
      };
      const ana = await open('ana');
      const bob = await open('bob');
      await waitForUserlist(ana, ['ana', 'bob']);
      ana.send({ type: 'message', text: 'hi', id: 1, date: Date.now() });
      const chat = await withTimeout(bob.next('message'), WAIT_MS, 'chat');
      assert.equal(chat.name, 'ana');
      assert.equal(chat.text, 'hi');
      ana.send({ type: 'video-offer', name: 'ana', target: 'bob', sdp: { type: 'offer', sdp: 'v=0' } });
      const offer = await withTimeout(bob.next('video-offer'), WAIT_MS, 'offer');
      assert.deepEqual(offer.sdp, { type: 'offer', sdp: 'v=0' });
      assert.equal(offer.name, 'ana');
    },
  );

  test('register() still works from a counted address under the default limits', async (t) => {
    const server = await startServer(COUNTED);
    t.after(() => server.stop());
    const client = await register(roomUrl(server, uniqueRoom('plain')), 'cy', {
      localAddress: '127.0.0.8',
    });
    assert.equal(client.name, 'cy');
  });
});
