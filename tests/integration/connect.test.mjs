// Connecting: the first message, subprotocols, and which URL puts a client in which room
// (docs/protocol.md, "Connecting").

import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import {
  SUITE_TIMEOUT_MS,
  TEST_TIMEOUT_MS,
  connect,
  handshakeStatus,
  register,
  startServer,
  terminateAllClients,
  uniqueRoom,
  waitForUserlist,
} from './helpers.mjs';

describe('connecting', { timeout: SUITE_TIMEOUT_MS }, () => {
  let server;
  before(async () => {
    server = await startServer();
  });
  afterEach(terminateAllClients);
  after(() => server?.stop());

  test(
    'the first message is {type:"id", id:<integer>}, and no two connections share an id',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const ids = [];
      const stillOpen = [];
      // Some connections close before the next opens: ids must stay unique for the server's
      // lifetime, not just among connections open at the same time.
      for (let i = 0; i < 6; i += 1) {
        const client = await connect(`${server.url}/`);
        const first = await client.next(() => true);
        assert.equal(first.type, 'id', `first message was ${JSON.stringify(first)}`);
        assert.ok(Number.isInteger(first.id), `id is not an integer: ${JSON.stringify(first)}`);
        ids.push(first.id);
        if (i % 2 === 0) await client.close();
        else stillOpen.push(client);
      }
      const concurrent = await Promise.all(
        Array.from({ length: 10 }, () => connect(`${server.url}/ws`)),
      );
      for (const client of concurrent) {
        const first = await client.next(() => true);
        assert.equal(first.type, 'id');
        ids.push(first.id);
      }
      assert.equal(new Set(ids).size, ids.length, `repeated ids: ${ids.join(', ')}`);
    },
  );

  test('the "json" subprotocol is accepted and echoed', { timeout: TEST_TIMEOUT_MS }, async () => {
    const client = await connect(`${server.url}/`, { protocols: ['json'] });
    assert.equal(client.protocol, 'json');
    assert.equal((await client.next('id')).type, 'id');
  });

  test('connecting without a subprotocol works', { timeout: TEST_TIMEOUT_MS }, async () => {
    const client = await connect(`${server.url}/`);
    assert.equal(client.protocol, '');
    assert.equal((await client.next('id')).type, 'id');
  });

  test(
    'permessage-deflate is not negotiated even when the client offers it',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const client = await connect(`${server.url}/`); // ws offers permessage-deflate by default
      assert.equal(client.extensions, '');
    },
  );

  test('"/" and "/ws" lead to the default room', { timeout: TEST_TIMEOUT_MS }, async () => {
    const viaRoot = await register(`${server.url}/`, 'via-root');
    const viaWs = await register(`${server.url}/ws`, 'via-ws');
    // The default room is only used by this test in this file, so the list is exact.
    await waitForUserlist(viaRoot, ['via-root', 'via-ws']);
    await waitForUserlist(viaWs, ['via-root', 'via-ws']);
  });

  test(
    '"/room/x", "/?room=x" and "/ws?room=x" all lead to room x',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const room = uniqueRoom('paths');
      const byPath = await register(`${server.url}/room/${room}`, 'by-path');
      const byQuery = await register(`${server.url}/?room=${room}`, 'by-query');
      const byWsQuery = await register(`${server.url}/ws?room=${room}`, 'by-ws-query');
      const everyone = ['by-path', 'by-query', 'by-ws-query'];
      for (const client of [byPath, byQuery, byWsQuery]) await waitForUserlist(client, everyone);
    },
  );

  test(
    'room names of 1-64 characters from A-Z a-z 0-9 . _ - are accepted',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      for (const room of ['a', 'Az09._-', 'x'.repeat(64)]) {
        assert.equal(await handshakeStatus(`${server.url}/?room=${room}`), 101, `room ${room}`);
        assert.equal(await handshakeStatus(`${server.url}/room/${room}`), 101, `room ${room}`);
      }
    },
  );

  test(
    'an invalid room name is refused with HTTP 400 before the upgrade',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const tooLong = 'x'.repeat(65);
      const refused = [
        '/?room=a%20b', // space
        `/?room=${tooLong}`,
        `/room/${tooLong}`,
        `/ws?room=${tooLong}`,
        '/?room=a%2Fb', // slash
        '/?room=caf%C3%A9', // non-ASCII
        '/?room=a%24b', // "$"
        '/room/a%3Cb%3E', // "<b>"
        '/?room=..', // dots alone read as a path
        '/?room=.',
      ];
      for (const path of refused) {
        assert.equal(await handshakeStatus(`${server.url}${path}`), 400, `path ${path}`);
      }
    },
  );
});

describe('config message', { timeout: SUITE_TIMEOUT_MS }, () => {
  afterEach(terminateAllClients);

  test('follows "id" and lists the --ice-server flags as RTCIceServer entries', async (t) => {
    const server = await startServer([
      '--ice-server',
      'stun:stun.example.org:3478',
      '--ice-server',
      'turn:turn.example.org:3478?transport=tcp,alice,s3cret',
    ]);
    t.after(() => server.stop());
    const client = await connect(`${server.url}/`);
    assert.equal((await client.next(() => true)).type, 'id');
    const config = await client.next(() => true);
    assert.deepEqual(config, {
      type: 'config',
      iceServers: [
        { urls: 'stun:stun.example.org:3478' },
        { urls: 'turn:turn.example.org:3478?transport=tcp', username: 'alice', credential: 's3cret' },
      ],
      heartbeatInterval: 15,
      resumeGrace: 30,
    });
  });

  test('is an empty list without --ice-server; no heartbeat or resume when they are off', async (t) => {
    const server = await startServer(['--heartbeat-interval', '0', '--resume-grace', '0']);
    t.after(() => server.stop());
    const client = await connect(`${server.url}/`);
    // Nor a resume token in the id.
    assert.deepEqual(Object.keys(await client.next('id')), ['type', 'id']);
    assert.deepEqual(await client.next('config'), { type: 'config', iceServers: [] });
  });

  test('a malformed --ice-server stops the server with an error', async () => {
    await assert.rejects(startServer(['--ice-server', 'http://example.org']), /exited/);
  });
});
