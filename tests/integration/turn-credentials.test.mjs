// --turn-secret / --turn-url / --turn-ttl: each connection's `config` message carries a TURN
// credential for coturn's REST API (username "<expiry>:<who>", credential
// base64(HMAC-SHA1(secret, username))), renewed after 3/4 of its TTL. Checked against a real
// coturn: the credential must allocate a relay there, and an expired or forged one must not.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import { after, afterEach, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import {
  SERVER_BINARY,
  SUITE_TIMEOUT_MS,
  TEST_TIMEOUT_MS,
  WAIT_MS,
  claimsFor,
  connect,
  scaled,
  signJwt,
  startServer,
  terminateAllClients,
  tokenUrl,
  uniqueRoom,
  unixNow,
} from './helpers.mjs';
import { startCoturn } from './coturn.mjs';
import { turnAllocate } from './turn-client.mjs';

const run = promisify(execFile);

const TURN_SECRET = 'coturn-shared-secret-for-tests';
const JWT_SECRET = 'switchboard-integration-secret-0123456789';

/** coturn's REST API password for `username` (what Switchboard must hand out). */
const restPassword = (secret, username) =>
  crypto.createHmac('sha1', secret).update(username).digest('base64');

/** Connects; returns {client, id, config, turn}, turn: the iceServers entry with a username. */
async function connectForConfig(url) {
  const client = await connect(url);
  const { id } = await client.next('id');
  const config = await client.next('config');
  const turn = config.iceServers.find((server) => 'username' in server);
  assert.ok(turn, `no TURN credential in ${JSON.stringify(config)}`);
  return { client, id, config, turn };
}

/** Splits "<expiry>:<who>" and checks the credential is the REST API's for it. */
function parseCredential(turn) {
  const match = /^(\d+):(.+)$/.exec(turn.username);
  assert.ok(match, `username is not "<expiry>:<who>": ${turn.username}`);
  assert.equal(turn.credential, restPassword(TURN_SECRET, turn.username));
  return { expiry: Number(match[1]), who: match[2] };
}

const recentLog = (coturn) => coturn.logLines.slice(-10).join('\n');

/** Allocates on coturn and asserts success with a loopback relay. */
async function expectAllocates(coturn, username, password) {
  const result = await turnAllocate(coturn.port, username, password);
  assert.ok(
    result.ok,
    `coturn refused ${username}: ${JSON.stringify(result)}\n${recentLog(coturn)}`,
  );
  assert.equal(result.relayed?.address, '127.0.0.1');
  assert.ok(result.integrityVerifies, 'coturn signed its answer with the same key');
  return result;
}

/** Allocates on coturn and asserts a 401 on the signed request. */
async function expectUnauthorized(coturn, username, password) {
  const result = await turnAllocate(coturn.port, username, password);
  assert.equal(result.ok, false, `coturn accepted ${username}`);
  assert.equal(result.stage, 'authenticated', JSON.stringify(result));
  assert.equal(result.code, 401, JSON.stringify(result));
}

describe('TURN credentials on a real coturn', { timeout: SUITE_TIMEOUT_MS }, () => {
  let coturn;
  let server;
  let turnUrls;
  before(async () => {
    coturn = await startCoturn({ secret: TURN_SECRET });
    turnUrls = [
      `turn:127.0.0.1:${coturn.port}?transport=udp`,
      `turn:127.0.0.1:${coturn.port}?transport=tcp`,
    ];
    server = await startServer([
      '--ice-server',
      `stun:127.0.0.1:${coturn.port}`,
      '--turn-secret',
      TURN_SECRET,
      '--turn-url',
      turnUrls[0],
      '--turn-url',
      turnUrls[1],
      '--turn-ttl',
      '600',
    ]);
  });
  afterEach(terminateAllClients);
  after(async () => {
    await server?.stop();
    await coturn?.stop();
  });

  test(
    "the config message's credential allocates a relay on coturn",
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const { id, config, turn } = await connectForConfig(
        `${server.url}/?room=${uniqueRoom('turn')}`,
      );
      // The --ice-server entries come first, the TURN credential is appended.
      assert.deepEqual(config.iceServers[0], { urls: `stun:127.0.0.1:${coturn.port}` });
      assert.deepEqual(turn.urls, turnUrls);
      const { expiry, who } = parseCredential(turn);
      assert.equal(who, String(id), 'without auth the username names the connection');
      assert.ok(Math.abs(expiry - (unixNow() + 600)) <= 2, `expiry ${expiry}`);
      await expectAllocates(coturn, turn.username, turn.credential);
    },
  );

  test('every connection gets its own credential', { timeout: TEST_TIMEOUT_MS }, async () => {
    const room = uniqueRoom('turn');
    const first = await connectForConfig(`${server.url}/?room=${room}`);
    const second = await connectForConfig(`${server.url}/?room=${room}`);
    assert.notEqual(first.turn.username, second.turn.username);
    assert.equal(parseCredential(second.turn).who, String(second.id));
    await expectAllocates(coturn, second.turn.username, second.turn.credential);
  });

  test('a credential whose expiry has passed is refused by coturn (401)', async () => {
    const username = `${unixNow() - 60}:someone`;
    await expectUnauthorized(coturn, username, restPassword(TURN_SECRET, username));
    // The same formula with a future expiry is accepted: only the time differs.
    const fresh = `${unixNow() + 60}:someone`;
    await expectAllocates(coturn, fresh, restPassword(TURN_SECRET, fresh));
  });

  test('a credential made with another secret, or a lengthened expiry: 401', async () => {
    const { turn } = await connectForConfig(`${server.url}/?room=${uniqueRoom('turn')}`);
    await expectUnauthorized(coturn, turn.username, restPassword('another-secret', turn.username));
    const { expiry, who } = parseCredential(turn);
    await expectUnauthorized(coturn, `${expiry + 3600}:${who}`, turn.credential);
  });
});

describe('TURN credentials: renewal and names', { timeout: SUITE_TIMEOUT_MS }, () => {
  let coturn;
  let shortTtl;
  let withJwt;
  before(async () => {
    coturn = await startCoturn({ secret: TURN_SECRET });
    const turnArgs = (ttl) => [
      '--turn-secret',
      TURN_SECRET,
      '--turn-url',
      `turn:127.0.0.1:${coturn.port}?transport=udp`,
      '--turn-ttl',
      String(ttl),
    ];
    shortTtl = await startServer(turnArgs(4));
    withJwt = await startServer(['--auth', 'jwt', '--jwt-secret', JWT_SECRET, ...turnArgs(600)]);
  });
  afterEach(terminateAllClients);
  after(async () => {
    await shortTtl?.stop();
    await withJwt?.stop();
    await coturn?.stop();
  });

  test(
    'with --turn-ttl 4 a fresh config arrives after 3/4 of it, later and also valid',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const { client, turn } = await connectForConfig(`${shortTtl.url}/?room=${uniqueRoom('ttl')}`);
      const firstAt = Date.now();
      const first = parseCredential(turn);
      await expectAllocates(coturn, turn.username, turn.credential);

      // Due 3 s after the first (in whole seconds of the server's clock: 2 to 4 s of real time).
      const renewal = await client.next('config', { timeoutMs: scaled(6_000) });
      const elapsed = Date.now() - firstAt;
      assert.ok(elapsed >= 2_000, `the fresh config came after only ${elapsed} ms`);
      assert.ok(elapsed <= scaled(4_500), `the fresh config came after ${elapsed} ms`);
      const renewed = renewal.iceServers.find((server) => 'username' in server);
      const second = parseCredential(renewed);
      assert.ok(
        second.expiry > first.expiry,
        `${renewed.username} is not later than ${turn.username}`,
      );
      assert.equal(second.who, first.who);
      await expectAllocates(coturn, renewed.username, renewed.credential);
    },
  );

  test(
    "with --auth jwt the username names the token's sub",
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const room = uniqueRoom('jwt');
      for (const [sub, who] of [
        ['ana', 'ana'],
        // A ':' would move coturn's idea of where the expiry ends: it is replaced.
        ['ana:admin', 'ana_admin'],
      ]) {
        const token = signJwt(claimsFor(sub, room), { key: JWT_SECRET });
        const { turn } = await connectForConfig(tokenUrl(withJwt, room, token));
        assert.equal(parseCredential(turn).who, who, turn.username);
        assert.equal(turn.username.split(':').length, 2, turn.username);
        await expectAllocates(coturn, turn.username, turn.credential);
      }
    },
  );
});

describe('TURN flags', { timeout: SUITE_TIMEOUT_MS }, () => {
  const refuses = async (args) => {
    const exit = await run(SERVER_BINARY, ['--port', '0', '--bind', '127.0.0.1', ...args], {
      timeout: WAIT_MS,
    }).then(
      () => ({ code: 0 }),
      (error) => error,
    );
    assert.notEqual(exit.code, 0, `started with ${args.join(' ')}`);
    assert.ok(!exit.killed, `still running with ${args.join(' ')}`);
    return exit;
  };

  test('a TTL under 4 s, or a secret without a URL or the reverse: refused at start', async () => {
    const url = 'turn:127.0.0.1:3478?transport=udp';
    await refuses(['--turn-secret', 's', '--turn-url', url, '--turn-ttl', '3']);
    await refuses(['--turn-secret', 's']);
    await refuses(['--turn-url', url]);
    await refuses(['--turn-secret', 's', '--turn-url', 'stun:127.0.0.1:3478']);
  });
});
