// --auth jwt: who may connect, as whom and where (src/auth/). Tokens are minted here with
// node:crypto, not by the server's own libjwt, so signatures, claims and their edges are
// checked against an independent implementation. Refusals happen before the upgrade, as HTTP
// JSON {code, message}; on a live connection the token is warned about, renewed, or the
// connection closed (4001) once it expires.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { execFile } from 'node:child_process';
import { after, afterEach, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import {
  SERVER_BINARY,
  SUITE_TIMEOUT_MS,
  TEST_TIMEOUT_MS,
  WAIT_MS,
  claimsFor,
  connect,
  expectChatRoundTrip,
  expectError,
  expectRefusal,
  httpRequest,
  makeKeyPairs,
  register,
  roomUrl,
  scaled,
  signJwt,
  startServer,
  terminateAllClients,
  tokenUrl,
  tryUpgrade,
  uniqueRoom,
  unixNow,
  waitForUserlist,
  withTimeout,
} from './helpers.mjs';

const run = promisify(execFile);

const SECRET = 'switchboard-integration-secret-0123456789';
const keys = makeKeyPairs();
after(() => keys.remove());

/** An HS256 token signed with SECRET for `sub` in `room`. */
const hs256 = (sub, room, options) => signJwt(claimsFor(sub, room, options), { key: SECRET });

/** A directed message from `from` reaches `to`, stamped with the sender's name. */
async function expectDirected(from, to) {
  const sdp = `v=0 ${Math.random()}`;
  from.send({ type: 'video-offer', target: to.name, sdp });
  const offer = await to.next((m) => m.type === 'video-offer' && m.sdp === sdp).catch((error) => {
    // What the sender saw says which side lost it (CI once saw this time out, once in hundreds).
    const seen = from.inbox.take(() => true).map((m) => JSON.stringify(m));
    throw new Error(
      `${error.message}\n  ${from.label} open: ${from.isOpen}, close: ` +
        `${JSON.stringify(from.closeInfo)}, its unclaimed messages: ${seen.join(' ')}`,
    );
  });
  assert.equal(offer.name, from.name);
}

describe('--auth jwt with an HS256 secret', { timeout: SUITE_TIMEOUT_MS }, () => {
  let server;
  before(async () => {
    server = await startServer(['--auth', 'jwt', '--jwt-secret', SECRET]);
  });
  afterEach(terminateAllClients);
  after(() => server?.stop());

  test(
    'a valid token registers as its sub, and token holders relay to each other',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const room = uniqueRoom('jwt');
      const ana = await register(tokenUrl(server, room, hs256('ana', room)), 'ana');
      const bob = await register(tokenUrl(server, room, hs256('bob', room)), 'bob');
      assert.equal(ana.name, 'ana');
      assert.equal(bob.name, 'bob');
      await waitForUserlist(ana, ['ana', 'bob']);
      await expectDirected(ana, bob);
      await expectDirected(bob, ana);
    },
  );

  test('no token: 401 token-missing with WWW-Authenticate: Bearer', async () => {
    const room = uniqueRoom('jwt');
    await expectRefusal(roomUrl(server, room), 401, 'token-missing');
    await expectRefusal(`${roomUrl(server, room)}&token=`, 401, 'token-missing');
    // Another scheme is not a bearer token.
    await expectRefusal(roomUrl(server, room), 401, 'token-missing', {
      headers: { Authorization: `Basic ${Buffer.from('ana:pw').toString('base64')}` },
    });
  });

  test('an expired token: 401 token-expired', async () => {
    const room = uniqueRoom('jwt');
    // Past the default leeway of 60 s.
    await expectRefusal(
      tokenUrl(server, room, hs256('ana', room, { ttl: -61 })),
      401,
      'token-expired',
    );
    await expectRefusal(
      tokenUrl(server, room, hs256('ana', room, { ttl: -3600 })),
      401,
      'token-expired',
    );
  });

  test(
    'a token that expired within the leeway is accepted, and warned about at once',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const room = uniqueRoom('jwt');
      const client = await register(
        tokenUrl(server, room, hs256('ana', room, { ttl: -30 })),
        'ana',
      );
      const warning = await client.next('token-expiring', { timeoutMs: scaled(2_000) });
      assert.ok(
        warning.expires_in > 0 && warning.expires_in <= 30,
        `expires_in: ${JSON.stringify(warning)}`,
      );
      await expectChatRoundTrip(client);
    },
  );

  test(
    'an exp centuries away is kept as a far deadline: no busy timer, and the session ends',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const room = uniqueRoom('jwt');
      // Year 2343: once waited for in one timer call, whose nanoseconds overflowed into a
      // negative wait that fired and re-armed at once, forever, holding the session.
      const far = hs256('ana', room, { exp: unixNow() + 10_000_000_000 });
      const client = await register(tokenUrl(server, room, far), 'ana');
      await expectChatRoundTrip(client);
      const cpu = () => {
        const fields = fs.readFileSync(`/proc/${server.pid}/stat`, 'utf8').split(') ')[1].split(' ');
        return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in seconds
      };
      const before = cpu();
      const start = Date.now();
      // A round trip every 50 ms for half a second: the server is idle in between.
      while (Date.now() - start < 500) await expectChatRoundTrip(client);
      assert.ok(cpu() - before < 0.3, `server CPU while idle: ${cpu() - before} s in 0.5 s`);
      client.close();
      const deadline = Date.now() + scaled(5_000);
      let connections;
      do {
        const health = await httpRequest(server.port, 'GET', '/healthz');
        connections = JSON.parse(health.body.toString()).connections - 1;
        if (connections === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      } while (Date.now() < deadline);
      assert.equal(connections, 0, 'the session was freed');
      // Beyond the year 9999 a date is refused outright, integer or not.
      for (const exp of [1e16, Number.MAX_SAFE_INTEGER]) {
        await expectRefusal(
          tokenUrl(server, room, hs256('ana', room, { exp })),
          401,
          'token-invalid',
        );
      }
    },
  );

  test('nbf in the future: 401 token-not-yet-valid; within the leeway: accepted', async () => {
    const room = uniqueRoom('jwt');
    await expectRefusal(
      tokenUrl(server, room, hs256('ana', room, { nbf: unixNow() + 120 })),
      401,
      'token-not-yet-valid',
    );
    const early = await tryUpgrade(
      tokenUrl(server, room, hs256('ana', room, { nbf: unixNow() + 30 })),
    );
    assert.equal(early.status, 101);
  });

  test('a bad signature or a changed payload: 401 token-invalid', async () => {
    const room = uniqueRoom('jwt');
    const wrongKey = signJwt(claimsFor('ana', room), { key: `${SECRET}x` });
    await expectRefusal(tokenUrl(server, room, wrongKey), 401, 'token-invalid');
    // The signature of ana's token on a payload that says mallory.
    const [header, , signature] = hs256('ana', room).split('.');
    const payload = Buffer.from(JSON.stringify(claimsFor('mallory', room))).toString('base64url');
    await expectRefusal(
      tokenUrl(server, room, `${header}.${payload}.${signature}`),
      401,
      'token-invalid',
    );
    // A signature cut short.
    const token = hs256('ana', room);
    await expectRefusal(tokenUrl(server, room, token.slice(0, -4)), 401, 'token-invalid');
  });

  test('"alg":"none" with an empty signature: 401 token-invalid', async () => {
    const room = uniqueRoom('jwt');
    for (const alg of ['none', 'None', 'NONE']) {
      const unsigned = signJwt(claimsFor('ana', room), { alg: 'none', header: { alg } });
      assert.ok(unsigned.endsWith('.'), unsigned);
      await expectRefusal(tokenUrl(server, room, unsigned), 401, 'token-invalid');
    }
    // Nor does a header naming no algorithm, or one the server has no key for, get in.
    const noAlg = signJwt(claimsFor('ana', room), { key: SECRET, header: { alg: undefined } });
    await expectRefusal(tokenUrl(server, room, noAlg), 401, 'token-invalid');
    const hs512 = signJwt(claimsFor('ana', room), { key: SECRET, header: { alg: 'HS512' } });
    await expectRefusal(tokenUrl(server, room, hs512), 401, 'token-invalid');
  });

  test('not a JWT at all, or an oversized one: 401 token-invalid', async () => {
    const room = uniqueRoom('jwt');
    for (const junk of ['abc', 'a.b', 'a.b.c', '!!!.???.###', `${hs256('ana', room)}.extra`]) {
      await expectRefusal(tokenUrl(server, room, junk), 401, 'token-invalid');
    }
    const huge = hs256('ana', room, { padding: 'x'.repeat(5_000) });
    await expectRefusal(tokenUrl(server, room, huge), 401, 'token-invalid');
  });

  test('a token for another room: 403 room-not-allowed', async () => {
    const room = uniqueRoom('jwt');
    const token = hs256('ana', room);
    await expectRefusal(tokenUrl(server, `${room}-other`, token), 403, 'room-not-allowed');
    // The room from the path is judged the same way.
    await expectRefusal(`${server.url}/room/${room}-other?token=${token}`, 403, 'room-not-allowed');
    assert.equal((await tryUpgrade(`${server.url}/room/${room}?token=${token}`)).status, 101);
  });

  test('a list of rooms admits each of them; "*" admits any room', async () => {
    const [first, second, third] = [uniqueRoom('jwt'), uniqueRoom('jwt'), uniqueRoom('jwt')];
    const listed = hs256('ana', [first, second]);
    assert.equal((await tryUpgrade(tokenUrl(server, first, listed))).status, 101);
    assert.equal((await tryUpgrade(tokenUrl(server, second, listed))).status, 101);
    await expectRefusal(tokenUrl(server, third, listed), 403, 'room-not-allowed');
    const any = hs256('ana', '*');
    for (const room of [first, third, 'default']) {
      assert.equal((await tryUpgrade(tokenUrl(server, room, any))).status, 101, room);
    }
    assert.equal((await tryUpgrade(`${server.url}/?token=${any}`)).status, 101);
  });

  test(
    'asking for a name other than the sub: name-not-allowed; the sub then registers',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const room = uniqueRoom('jwt');
      const client = await connect(tokenUrl(server, room, hs256('ana', room)), { label: 'ana' });
      await client.next('id');
      client.send({ type: 'username', name: 'bob' });
      const error = await expectError(client, 'name-not-allowed');
      assert.equal(error.request, 'username');
      // A look-alike of the sub is another name too.
      client.send({ type: 'username', name: 'Ana' });
      await expectError(client, 'name-not-allowed');
      client.send({ type: 'username', name: 'ana' });
      await waitForUserlist(client, ['ana']);
      client.name = 'ana';
      await expectChatRoundTrip(client);
    },
  );

  test(
    'the same sub twice, or a look-alike of it: the second gets name-in-use, not a suffix',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const room = uniqueRoom('jwt');
      const first = await register(tokenUrl(server, room, hs256('ana', room)), 'ana');
      for (const sub of ['ana', 'ANA', 'ａｎａ']) {
        const second = await connect(tokenUrl(server, room, hs256(sub, room)), { label: sub });
        await second.next('id');
        second.send({ type: 'username', name: sub });
        const error = await expectError(second, 'name-in-use');
        assert.equal(error.request, 'username');
        assert.deepEqual(second.inbox.take('rejectusername'), []);
        await second.close();
      }
      // Once the holder has left (the witness sees it go), the name is free again.
      const witness = await register(tokenUrl(server, room, hs256('cy', room)), 'cy');
      await waitForUserlist(witness, ['ana', 'cy']);
      const again = await connect(tokenUrl(server, room, hs256('ana', room)), { label: 'again' });
      await again.next('id');
      await first.close();
      await waitForUserlist(witness, ['cy']);
      again.send({ type: 'username', name: 'ana' });
      await waitForUserlist(again, ['ana', 'cy']);
    },
  );

  const invalidSubs = ['<b>ana</b>', 'ana\u200B', ' ana', 'x'.repeat(33)];

  test('a sub that is not a valid user name: 401 token-invalid', async () => {
    const room = uniqueRoom('jwt');
    for (const sub of invalidSubs) {
      const refusal = await tryUpgrade(tokenUrl(server, room, hs256(sub, room)));
      assert.equal(refusal.status, 401, `${JSON.stringify(sub)}: ${refusal.body}`);
      assert.equal(refusal.json?.code, 'token-invalid', `${JSON.stringify(sub)}: ${refusal.body}`);
    }
  });

  test(
    'that 401 also names the Bearer scheme',
    async () => {
      const room = uniqueRoom('jwt');
      for (const sub of invalidSubs) {
        await expectRefusal(tokenUrl(server, room, hs256(sub, room)), 401, 'token-invalid');
      }
    },
  );

  test('claims without sub or room: 401 token-invalid', async () => {
    const room = uniqueRoom('jwt');
    const exp = unixNow() + 600;
    for (const claims of [
      { room, exp },
      { sub: 'ana', exp },
      { sub: '', room, exp },
    ]) {
      const token = signJwt(claims, { key: SECRET });
      await expectRefusal(tokenUrl(server, room, token), 401, 'token-invalid');
    }
  });

  test(
    'Authorization: Bearer works (any case) and wins over ?token=',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const room = uniqueRoom('jwt');
      const token = hs256('ana', room);
      const ana = await register(roomUrl(server, room), 'ana', {
        headers: { Authorization: `Bearer ${token}` },
      });
      const bob = await register(`${roomUrl(server, room)}&token=not-a-token`, 'bob', {
        headers: { Authorization: `bearer ${hs256('bob', room)}` },
      });
      await waitForUserlist(bob, ['ana', 'bob']);
      await expectDirected(bob, ana);
      // The header is judged, not the valid ?token= beside it.
      await expectRefusal(tokenUrl(server, room, hs256('cy', room)), 401, 'token-invalid', {
        headers: { Authorization: 'Bearer not-a-token' },
      });
    },
  );

  test(
    '`switchboard token` prints a token this server accepts',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const { stdout } = await run(
        SERVER_BINARY,
        ['token', '--secret', SECRET, '--sub', 'ana', '--room', 'lobby'],
        { timeout: WAIT_MS },
      );
      const token = stdout.trim();
      assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/);
      const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
      assert.equal(claims.sub, 'ana');
      assert.equal(claims.room, 'lobby');
      assert.ok(Math.abs(claims.exp - (unixNow() + 3600)) <= 5, `exp: ${claims.exp}`); // --ttl 1h
      const ana = await register(tokenUrl(server, 'lobby', token), 'ana');
      await expectChatRoundTrip(ana);
      await expectRefusal(tokenUrl(server, 'elsewhere', token), 403, 'room-not-allowed');

      const { stdout: two } = await run(
        SERVER_BINARY,
        [
          'token',
          '--secret',
          SECRET,
          '--sub',
          'bob',
          '--room',
          'lobby',
          '--room',
          'hall',
          '--ttl',
          '15m',
        ],
        { timeout: WAIT_MS },
      );
      const twoRooms = two.trim();
      const twoClaims = JSON.parse(
        Buffer.from(twoRooms.split('.')[1], 'base64url').toString('utf8'),
      );
      assert.deepEqual(twoClaims.room, ['lobby', 'hall']);
      assert.ok(Math.abs(twoClaims.exp - (unixNow() + 900)) <= 5, `exp: ${twoClaims.exp}`);
      assert.equal((await tryUpgrade(tokenUrl(server, 'hall', twoRooms))).status, 101);
    },
  );

  test(
    'refused renewals: token-expired or token-invalid (request "token"), the connection stays',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const room = uniqueRoom('jwt');
      const client = await register(tokenUrl(server, room, hs256('ana', room)), 'ana');
      const refusals = [
        [hs256('ana', room, { ttl: -3600 }), 'token-expired'],
        [hs256('ana', `${room}-other`), 'token-invalid'],
        [hs256('bob', room), 'token-invalid'],
        [signJwt(claimsFor('ana', room), { key: 'wrong' }), 'token-invalid'],
        ['not-a-token', 'token-invalid'],
        [42, 'token-invalid'],
        [undefined, 'token-invalid'],
      ];
      for (const [token, code] of refusals) {
        client.send({ type: 'token', token });
        const error = await expectError(client, code);
        assert.equal(error.request, 'token', JSON.stringify(error));
        await expectChatRoundTrip(client);
      }
      assert.deepEqual(client.inbox.take('token-renewed'), []);
      // And a good one is still taken afterwards.
      const fresh = hs256('ana', room, { ttl: 7200 });
      const expiresAt = JSON.parse(Buffer.from(fresh.split('.')[1], 'base64url')).exp;
      client.send({ type: 'token', token: fresh });
      assert.equal((await client.next('token-renewed')).expires_at, expiresAt);
    },
  );

  test(
    'token-expiring and token-renewed are server-only types',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const room = uniqueRoom('jwt');
      const client = await register(tokenUrl(server, room, hs256('ana', room)), 'ana');
      for (const type of ['token-expiring', 'token-renewed']) {
        client.send({ type, expires_in: 1 });
        await expectError(client, 'reserved-type');
      }
    },
  );
});

describe('--auth jwt with an RSA public key only', { timeout: SUITE_TIMEOUT_MS }, () => {
  let server;
  before(async () => {
    server = await startServer(['--auth', 'jwt', '--jwt-public-key', keys.rsa.publicFile]);
  });
  afterEach(terminateAllClients);
  after(() => server?.stop());

  test('an RS256 token is accepted', { timeout: TEST_TIMEOUT_MS }, async () => {
    const room = uniqueRoom('rs');
    const token = signJwt(claimsFor('ana', room), { alg: 'RS256', key: keys.rsa.privateKey });
    const ana = await register(tokenUrl(server, room, token), 'ana');
    await expectChatRoundTrip(ana);
  });

  test('algorithm confusion: HS256 keyed with the RSA public key PEM: 401', async () => {
    const room = uniqueRoom('rs');
    for (const key of [keys.rsa.publicPem, keys.rsa.publicPem.trim()]) {
      const forged = signJwt(claimsFor('ana', room), { alg: 'HS256', key });
      await expectRefusal(tokenUrl(server, room, forged), 401, 'token-invalid');
    }
  });

  test('another RSA key, an ES256 or an HS256 token: 401 token-invalid', async () => {
    const room = uniqueRoom('rs');
    const otherKeys = makeKeyPairs();
    try {
      const otherRsa = signJwt(claimsFor('ana', room), {
        alg: 'RS256',
        key: otherKeys.rsa.privateKey,
      });
      await expectRefusal(tokenUrl(server, room, otherRsa), 401, 'token-invalid');
    } finally {
      otherKeys.remove();
    }
    const es = signJwt(claimsFor('ana', room), { alg: 'ES256', key: keys.ec.privateKey });
    await expectRefusal(tokenUrl(server, room, es), 401, 'token-invalid');
    await expectRefusal(tokenUrl(server, room, hs256('ana', room)), 401, 'token-invalid');
  });

  test(
    '`switchboard token --private-key --alg RS256` is accepted',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const room = uniqueRoom('rs');
      const { stdout } = await run(
        SERVER_BINARY,
        [
          'token',
          '--private-key',
          keys.rsa.privateFile,
          '--alg',
          'RS256',
          '--sub',
          'ana',
          '--room',
          room,
        ],
        { timeout: WAIT_MS },
      );
      await register(tokenUrl(server, room, stdout.trim()), 'ana');
    },
  );
});

describe(
  '--auth jwt with an HS256 secret and an RSA public key',
  { timeout: SUITE_TIMEOUT_MS },
  () => {
    let server;
    before(async () => {
      server = await startServer([
        '--auth',
        'jwt',
        '--jwt-secret',
        SECRET,
        '--jwt-public-key',
        keys.rsa.publicFile,
      ]);
    });
    afterEach(terminateAllClients);
    after(() => server?.stop());

    test('HS256 and RS256 tokens are both accepted', async () => {
      const room = uniqueRoom('both');
      const rs = signJwt(claimsFor('ana', room), { alg: 'RS256', key: keys.rsa.privateKey });
      assert.equal((await tryUpgrade(tokenUrl(server, room, rs))).status, 101);
      assert.equal((await tryUpgrade(tokenUrl(server, room, hs256('bob', room)))).status, 101);
    });

    test('algorithm confusion: HS256 keyed with the RSA public key PEM: 401', async () => {
      const room = uniqueRoom('both');
      const forged = signJwt(claimsFor('ana', room), { alg: 'HS256', key: keys.rsa.publicPem });
      await expectRefusal(tokenUrl(server, room, forged), 401, 'token-invalid');
      // Nor the other way round: an "RS256" token whose signature is an HMAC with the secret.
      const [header, payload] = signJwt(claimsFor('ana', room), {
        alg: 'RS256',
        key: keys.rsa.privateKey,
      }).split('.');
      const hmac = signJwt(claimsFor('ana', room), { key: SECRET }).split('.')[2];
      await expectRefusal(
        tokenUrl(server, room, `${header}.${payload}.${hmac}`),
        401,
        'token-invalid',
      );
    });
  },
);

describe('--auth jwt with an EC P-256 public key', { timeout: SUITE_TIMEOUT_MS }, () => {
  let server;
  before(async () => {
    server = await startServer(['--auth', 'jwt', '--jwt-public-key', keys.ec.publicFile]);
  });
  afterEach(terminateAllClients);
  after(() => server?.stop());

  test('an ES256 token is accepted', { timeout: TEST_TIMEOUT_MS }, async () => {
    const room = uniqueRoom('es');
    const token = signJwt(claimsFor('ana', room), { alg: 'ES256', key: keys.ec.privateKey });
    const ana = await register(tokenUrl(server, room, token), 'ana');
    await expectChatRoundTrip(ana);
  });

  test('a DER-encoded ES256 signature, an RS256 token, an HS256 token: 401', async () => {
    const room = uniqueRoom('es');
    const signingInput = signJwt(claimsFor('ana', room), { alg: 'ES256', key: keys.ec.privateKey })
      .split('.')
      .slice(0, 2)
      .join('.');
    const der = crypto
      .sign('sha256', Buffer.from(signingInput), keys.ec.privateKey)
      .toString('base64url');
    await expectRefusal(tokenUrl(server, room, `${signingInput}.${der}`), 401, 'token-invalid');
    const rs = signJwt(claimsFor('ana', room), { alg: 'RS256', key: keys.rsa.privateKey });
    await expectRefusal(tokenUrl(server, room, rs), 401, 'token-invalid');
    const forged = signJwt(claimsFor('ana', room), { alg: 'HS256', key: keys.ec.publicPem });
    await expectRefusal(tokenUrl(server, room, forged), 401, 'token-invalid');
  });

  test(
    '`switchboard token --private-key` (ES256) is accepted',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const room = uniqueRoom('es');
      const { stdout } = await run(
        SERVER_BINARY,
        ['token', '--private-key', keys.ec.privateFile, '--sub', 'ana', '--room', room],
        { timeout: WAIT_MS },
      );
      assert.equal(JSON.parse(Buffer.from(stdout.split('.')[0], 'base64url')).alg, 'ES256');
      await register(tokenUrl(server, room, stdout.trim()), 'ana');
    },
  );
});

describe('--jwt-issuer and --jwt-audience', { timeout: SUITE_TIMEOUT_MS }, () => {
  const ISSUER = 'https://issuer.test';
  const AUDIENCE = 'switchboard-test';
  let server;
  before(async () => {
    server = await startServer([
      '--auth',
      'jwt',
      '--jwt-secret',
      SECRET,
      '--jwt-issuer',
      ISSUER,
      '--jwt-audience',
      AUDIENCE,
    ]);
  });
  afterEach(terminateAllClients);
  after(() => server?.stop());

  test('the right iss and aud (a string or a list holding it) are accepted', async () => {
    const room = uniqueRoom('iss');
    for (const aud of [AUDIENCE, ['other', AUDIENCE]]) {
      const token = hs256('ana', room, { iss: ISSUER, aud });
      assert.equal(
        (await tryUpgrade(tokenUrl(server, room, token))).status,
        101,
        JSON.stringify(aud),
      );
    }
  });

  test('a missing or wrong iss or aud: 401 token-invalid', async () => {
    const room = uniqueRoom('iss');
    const cases = [
      { aud: AUDIENCE },
      { iss: 'https://other.test', aud: AUDIENCE },
      { iss: [ISSUER], aud: AUDIENCE },
      { iss: ISSUER },
      { iss: ISSUER, aud: 'other' },
      { iss: ISSUER, aud: ['other', 'another'] },
      { iss: ISSUER, aud: [] },
      { iss: ISSUER, aud: `${AUDIENCE} ` },
    ];
    for (const claims of cases) {
      await expectRefusal(tokenUrl(server, room, hs256('ana', room, claims)), 401, 'token-invalid');
    }
  });

  test('`switchboard token --iss --aud` is accepted', { timeout: TEST_TIMEOUT_MS }, async () => {
    const room = uniqueRoom('iss');
    const { stdout } = await run(
      SERVER_BINARY,
      [
        'token',
        '--secret',
        SECRET,
        '--sub',
        'ana',
        '--room',
        room,
        '--iss',
        ISSUER,
        '--aud',
        AUDIENCE,
      ],
      { timeout: WAIT_MS },
    );
    await register(tokenUrl(server, room, stdout.trim()), 'ana');
  });
});

// Tokens that expire within seconds, so these tests run side by side: each waits for the same
// few seconds to pass. They share the server; each has its own room.
describe(
  'token lifetime on a live connection (--jwt-leeway 0)',
  {
    timeout: SUITE_TIMEOUT_MS,
    concurrency: true,
  },
  () => {
    let server;
    before(async () => {
      server = await startServer(['--auth', 'jwt', '--jwt-secret', SECRET, '--jwt-leeway', '0']);
    });
    after(async () => {
      terminateAllClients();
      await server?.stop();
    });

    // A token that expires 3 s from now (the server reads whole seconds: 2 to 3 s of real time).
    const shortLived = (sub, room) => {
      const exp = unixNow() + 3;
      return { exp, token: hs256(sub, room, { exp }) };
    };

    /** Connects and registers; the `token-expiring` must come at once (less than 60 s are left). */
    async function connectShortLived(sub, room, token) {
      const openedAt = Date.now();
      const client = await register(tokenUrl(server, room, token), sub);
      const warning = await client.next('token-expiring', { timeoutMs: scaled(2_000) });
      assert.ok(Date.now() - openedAt < scaled(2_000), 'token-expiring came at once');
      assert.ok(
        Number.isInteger(warning.expires_in) && warning.expires_in > 0 && warning.expires_in <= 3,
        `token-expiring: ${JSON.stringify(warning)}`,
      );
      return client;
    }

    /** Waits for the close; returns {code, reason, at}. */
    async function closed(client, exp) {
      const info = await withTimeout(
        client.closed,
        scaled(exp * 1000 - Date.now() + 5_000),
        `${client.label} closed`,
      );
      return { ...info, at: Date.now() };
    }

    test(
      'without renewal the connection is closed with 4001 once exp has passed',
      { timeout: TEST_TIMEOUT_MS },
      async () => {
        const room = uniqueRoom('life');
        const { exp, token } = shortLived('ana', room);
        const client = await connectShortLived('ana', room, token);
        const { code, reason, at } = await closed(client, exp);
        assert.equal(code, 4001);
        assert.equal(reason, 'token expired');
        assert.ok(at >= exp * 1000, `closed ${exp * 1000 - at} ms before exp`);
        assert.ok(at < exp * 1000 + scaled(2_500), `closed ${at - exp * 1000} ms after exp`);
      },
    );

    test(
      'a renewed connection outlives its first token, and still relays',
      { timeout: TEST_TIMEOUT_MS },
      async () => {
        const room = uniqueRoom('life');
        const { exp, token } = shortLived('ana', room);
        // The witness holds a token with the same exp and does not renew: its close says that the
        // server's clock has passed the old deadline.
        const witness = await connectShortLived('bob', room, hs256('bob', room, { exp }));
        const client = await connectShortLived('ana', room, token);
        const fresh = hs256('ana', room, { ttl: 120 });
        const freshExp = JSON.parse(Buffer.from(fresh.split('.')[1], 'base64url')).exp;
        client.send({ type: 'token', token: fresh });
        const renewed = await client.next('token-renewed');
        assert.equal(renewed.expires_at, freshExp);

        assert.equal((await closed(witness, exp)).code, 4001);
        // The witness's timer and the old one of the renewed client were due at the same second.
        // Keep the renewed one busy until a second more has passed, then it must still relay.
        const peer = await register(tokenUrl(server, room, hs256('cy', room)), 'cy');
        // Against a cluster cy may sit on another node: ana may name cy once ana has seen cy.
        await waitForUserlist(client, ['ana', 'cy']);
        for (let i = 0; Date.now() < (exp + 1) * 1000 + 200; i += 1) {
          assert.ok(i < 10_000, 'bounded');
          await expectDirected(client, peer);
        }
        assert.ok(client.isOpen, `closed: ${JSON.stringify(client.closeInfo)}`);
        await expectDirected(client, peer);
        await expectDirected(peer, client);
        await expectChatRoundTrip(client);
        assert.deepEqual(client.inbox.take('token-expiring'), []);
      },
    );

    test(
      'a renewal with another sub: token-invalid, and the old deadline stays (4001)',
      { timeout: TEST_TIMEOUT_MS },
      async () => {
        const room = uniqueRoom('life');
        const { exp, token } = shortLived('ana', room);
        const client = await connectShortLived('ana', room, token);
        client.send({ type: 'token', token: hs256('mallory', room, { ttl: 120 }) });
        const error = await expectError(client, 'token-invalid');
        assert.equal(error.request, 'token');
        const { code, at } = await closed(client, exp);
        assert.equal(code, 4001);
        assert.ok(at >= exp * 1000, `closed ${exp * 1000 - at} ms before exp`);
        assert.deepEqual(client.inbox.take('token-renewed'), []);
      },
    );

    test('with no leeway, a token 1 s past its exp is refused', async () => {
      const room = uniqueRoom('life');
      await expectRefusal(
        tokenUrl(server, room, hs256('ana', room, { ttl: -1 })),
        401,
        'token-expired',
      );
    });
  },
);

describe('--auth none', { timeout: SUITE_TIMEOUT_MS }, () => {
  let server;
  before(async () => {
    server = await startServer([]);
  });
  afterEach(terminateAllClients);
  after(() => server?.stop());

  test(
    '{"type":"token"} is relayed to the room like any other type',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const room = uniqueRoom('none');
      const ana = await register(roomUrl(server, room), 'ana');
      const bob = await register(roomUrl(server, room), 'bob');
      await waitForUserlist(ana, ['ana', 'bob']);
      ana.send({ type: 'token', token: 'x' });
      for (const client of [ana, bob]) {
        const relayed = await client.next('token');
        assert.deepEqual(relayed, { type: 'token', token: 'x', name: 'ana' });
      }
      assert.deepEqual(ana.inbox.take('error'), []);
    },
  );

  test('a ?token= and an Authorization header are ignored', async () => {
    const room = uniqueRoom('none');
    assert.equal((await tryUpgrade(tokenUrl(server, room, 'garbage'))).status, 101);
    assert.equal(
      (await tryUpgrade(roomUrl(server, room), { headers: { Authorization: 'Bearer x' } })).status,
      101,
    );
  });

  test('event=no-auth is logged at start when bound beyond loopback, only then', async () => {
    assert.ok(!server.stderrLines.some((line) => line.includes('event=no-auth')));
    const exposed = await startServer([], { bind: '0.0.0.0' });
    try {
      const warning = exposed.stderrLines.find((line) => line.includes('event=no-auth'));
      assert.match(warning ?? '', /level=warn/, exposed.stderrLines.join('\n'));
    } finally {
      await exposed.stop();
    }
    const guarded = await startServer(['--auth', 'jwt', '--jwt-secret', SECRET], {
      bind: '0.0.0.0',
    });
    try {
      assert.ok(!guarded.stderrLines.some((line) => line.includes('event=no-auth')));
    } finally {
      await guarded.stop();
    }
  });
});
