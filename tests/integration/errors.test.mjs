// Every error code of docs/protocol.md, "Error codes". The spec promises the connection stays
// open and usable after each one, so every case ends by proving that: a chat message
// round-trips (or, before registration, the client can still register and chat).

import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import {
  SUITE_TIMEOUT_MS,
  TEST_TIMEOUT_MS,
  awaitRegistration,
  connect,
  expectChatRoundTrip,
  expectError,
  register,
  roomUrl,
  startServer,
  terminateAllClients,
  uniqueRoom,
  waitForUserlist,
} from './helpers.mjs';

const MAX_CHAT_LENGTH = 10;
const MAX_MESSAGE_SIZE = 4096;

/** A broadcast message of exactly `bytes` bytes of JSON. */
function paddedMessage(bytes) {
  const shell = JSON.stringify({ type: 'x-pad', pad: '' });
  return JSON.stringify({ type: 'x-pad', pad: 'p'.repeat(bytes - shell.length) });
}

describe('error codes', { timeout: SUITE_TIMEOUT_MS }, () => {
  let server;
  before(async () => {
    server = await startServer([
      '--max-chat-length',
      String(MAX_CHAT_LENGTH),
      '--max-message-size',
      String(MAX_MESSAGE_SIZE),
    ]);
  });
  afterEach(terminateAllClients);
  after(() => server?.stop());

  const member = () => register(roomUrl(server, uniqueRoom('err')), 'ana');

  async function newcomer() {
    const client = await connect(roomUrl(server, uniqueRoom('err')));
    await client.next('id');
    return client;
  }

  /** Sends each frame, expects `code` for each, then proves the connection still works. */
  async function expectErrorEachTime(client, frames, code) {
    const errors = [];
    for (const frame of frames) {
      client.sendRaw(typeof frame === 'string' ? frame : JSON.stringify(frame));
      errors.push(await expectError(client, code));
      await expectChatRoundTrip(client);
    }
    return errors;
  }

  /** Before registration "usable" means: it can still register, and then chat. */
  async function expectRegistrationStillWorks(client, name = 'fine') {
    client.send({ type: 'username', name });
    client.name = await awaitRegistration(client, name);
    await expectChatRoundTrip(client);
  }

  test('invalid-json', { timeout: TEST_TIMEOUT_MS }, async () => {
    await expectErrorEachTime(
      await member(),
      ['{', 'not json', '{"type":"message",', '', '{"a":1}}'],
      'invalid-json',
    );
  });

  test('not-object', { timeout: TEST_TIMEOUT_MS }, async () => {
    await expectErrorEachTime(
      await member(),
      ['[1,2]', '"str"', '42', 'null', 'true'],
      'not-object',
    );
  });

  test(
    'invalid-type: missing, not a string, empty, longer than 64, control characters',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      await expectErrorEachTime(
        await member(),
        [
          { text: 'no type' },
          { type: 5 },
          { type: null },
          { type: ['message'] },
          { type: '' },
          { type: 'x'.repeat(65) },
          // Issue 8, finding 6: a control character makes no reserved type look like one.
          { type: 'userlist\u0000', users: ['mallory'] },
          { type: 'error\u0000', code: 'kicked' },
          { type: 'video-offer\n' },
        ],
        'invalid-type',
      );
    },
  );

  test('a type of exactly 64 characters is valid', { timeout: TEST_TIMEOUT_MS }, async () => {
    const client = await member();
    const type = 'x'.repeat(64);
    client.send({ type });
    assert.deepEqual(await client.next(type), { type, name: client.name });
  });

  test(
    'reserved-type, and peers never see the forged message',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const url = roomUrl(server, uniqueRoom('err'));
      const ana = await register(url, 'ana');
      const bob = await register(url, 'bob');
      await waitForUserlist(ana, ['ana', 'bob']);
      const forged = [
        'id',
        'userlist',
        'user-joined',
        'user-left',
        'rejectusername',
        'error',
        'config',
      ].map((type) => ({
        type,
        users: ['evil'],
        names: ['evil'],
        name: 'evil',
        id: 1,
        code: 'evil',
        target: 'bob',
      }));
      await expectErrorEachTime(ana, forged, 'reserved-type');
      ana.send({ type: 'x-marker', target: 'bob' });
      await bob.next('x-marker');
      const sawEvil = bob.history.filter((m) => JSON.stringify(m).includes('evil'));
      assert.deepEqual(sawEvil, [], 'a forged server message reached a peer');
    },
  );

  test(
    'duplicate-key: a repeated type cannot smuggle a reserved type past the server',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const url = roomUrl(server, uniqueRoom('err'));
      const ana = await register(url, 'ana');
      const bob = await register(url, 'bob');
      await waitForUserlist(ana, ['ana', 'bob']);
      // JSON.parse keeps the last duplicate: bob would read a forged "userlist".
      const frames = [
        '{"type":"x-chat","target":"bob","type":"userlist","users":["evil"]}',
        '{"type":"x-chat","target":"nobody","target":"bob","users":["evil"]}',
        '{"type":"message","text":"ok","text":"<b>evil</b>"}',
        '{"type":"username","name":"a","name":"evil"}',
      ];
      await expectErrorEachTime(ana, frames, 'duplicate-key');
      ana.send({ type: 'x-marker', target: 'bob' });
      await bob.next('x-marker');
      const sawEvil = bob.history.filter((m) => JSON.stringify(m).includes('evil'));
      assert.deepEqual(sawEvil, [], 'a message with duplicate keys reached a peer');
    },
  );

  test('not-registered: chat or relay before username', { timeout: TEST_TIMEOUT_MS }, async () => {
    const client = await newcomer();
    for (const message of [
      { type: 'message', text: 'hi' },
      { type: 'video-offer', target: 'anyone', sdp: {} },
      { type: 'x-custom' },
    ]) {
      client.send(message);
      await expectError(client, 'not-registered');
    }
    await expectRegistrationStillWorks(client);
  });

  test('already-registered: the first name stays', { timeout: TEST_TIMEOUT_MS }, async () => {
    const client = await member();
    client.send({ type: 'username', name: 'other' });
    await expectError(client, 'already-registered');
    const echo = await expectChatRoundTrip(client);
    assert.equal(echo.name, 'ana');
  });

  test('name-empty: missing, not a string, empty', { timeout: TEST_TIMEOUT_MS }, async () => {
    const client = await newcomer();
    for (const request of [{}, { name: 5 }, { name: null }, { name: ['ana'] }, { name: '' }]) {
      client.send({ type: 'username', ...request });
      await expectError(client, 'name-empty');
    }
    await expectRegistrationStillWorks(client);
  });

  test(
    'name-too-long: 33 code points; 32 is fine, counted in code points',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const client = await newcomer();
      client.send({ type: 'username', name: 'n'.repeat(33) });
      await expectError(client, 'name-too-long');
      client.send({ type: 'username', name: '😀'.repeat(33) });
      await expectError(client, 'name-too-long');
      await expectRegistrationStillWorks(client, '😀'.repeat(32)); // 64 UTF-16 units, 128 bytes
      const other = await newcomer();
      await expectRegistrationStillWorks(other, 'n'.repeat(32));
    },
  );

  test(
    'name-invalid: markup, control, invisible and bidi characters, surrounding white space',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const client = await newcomer();
      const invalid = [
        '<b>',
        'a<b',
        'a>b',
        'a&b',
        'a"b',
        "a'b",
        ' ana',
        'ana ',
        'a\u0001b',
        'a\nb',
        'a\tb',
        'a\u007fb',
        '\u0000',
        'a\u200bb', // zero width space (tests/integration/names.test.mjs has them all)
        '\u202eana', // right-to-left override
        'ana\ufe0f', // variation selector
        'ana\ue000', // private use
      ];
      for (const name of invalid) {
        client.send({ type: 'username', name });
        const error = await client.next('error');
        assert.equal(
          error.code,
          'name-invalid',
          `name ${JSON.stringify(name)} gave ${JSON.stringify(error)}`,
        );
      }
      await expectRegistrationStillWorks(client, 'a b'); // inner white space is allowed
    },
  );

  test(
    'name-confusable: Latin mixed with Cyrillic, digits of two systems',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const client = await newcomer();
      for (const name of ['\u0430na', 'p\u0430ypal', 'user\u0663' + '1']) {
        client.send({ type: 'username', name });
        await expectError(client, 'name-confusable');
      }
      await expectRegistrationStillWorks(client, 'ana');
    },
  );

  test('invalid-target: neither a string nor null, or with a control character', { timeout: TEST_TIMEOUT_MS }, async () => {
    await expectErrorEachTime(
      await member(),
      [
        { type: 'video-offer', target: 5, sdp: {} },
        { type: 'hang-up', target: true },
        { type: 'x-custom', target: { name: 'bob' } },
        { type: 'x-custom', target: ['bob'] },
        { type: 'x-custom', target: 'bob\u0000' },
      ],
      'invalid-target',
    );
  });

  test('unknown-target carries the target', { timeout: TEST_TIMEOUT_MS }, async () => {
    const client = await member();
    const [error] = await expectErrorEachTime(
      client,
      [{ type: 'video-offer', target: 'nobody', sdp: {} }],
      'unknown-target',
    );
    assert.equal(error.target, 'nobody');
    if ('request' in error) assert.equal(error.request, 'video-offer');
  });

  test('invalid-text: chat whose text is not a string', { timeout: TEST_TIMEOUT_MS }, async () => {
    await expectErrorEachTime(
      await member(),
      [
        { type: 'message' },
        { type: 'message', text: 5 },
        { type: 'message', text: null },
        { type: 'message', text: ['hi'] },
      ],
      'invalid-text',
    );
  });

  test(
    `text-too-long: over --max-chat-length (${MAX_CHAT_LENGTH}) code points`,
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const client = await member();
      await expectErrorEachTime(
        client,
        [
          { type: 'message', text: 'x'.repeat(MAX_CHAT_LENGTH + 1) },
          { type: 'message', text: 'é'.repeat(MAX_CHAT_LENGTH + 1) },
        ],
        'text-too-long',
      );
      // Exactly at the limit is fine, also when every code point takes two UTF-16 units.
      await expectChatRoundTrip(client, 'x'.repeat(MAX_CHAT_LENGTH));
      await expectChatRoundTrip(client, '🎉'.repeat(MAX_CHAT_LENGTH));
    },
  );

  test(
    `message-too-large: one byte over --max-message-size (${MAX_MESSAGE_SIZE}); at the limit is fine`,
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const url = roomUrl(server, uniqueRoom('err'));
      const ana = await register(url, 'ana');
      const bob = await register(url, 'bob');
      await waitForUserlist(ana, ['ana', 'bob']);
      ana.sendRaw(paddedMessage(MAX_MESSAGE_SIZE + 1));
      await expectError(ana, 'message-too-large');
      await expectChatRoundTrip(ana);
      const atLimit = paddedMessage(MAX_MESSAGE_SIZE);
      ana.sendRaw(atLimit);
      assert.equal((await bob.next('x-pad')).pad, JSON.parse(atLimit).pad);
      assert.equal(
        bob.history.filter((m) => m.type === 'x-pad').length,
        1,
        'the oversized one was relayed',
      );
    },
  );

  test('binary-unsupported', { timeout: TEST_TIMEOUT_MS }, async () => {
    const client = await member();
    client.sendRaw(Buffer.from([0x7b, 0x7d, 0x00, 0xff]));
    await expectError(client, 'binary-unsupported');
    await expectChatRoundTrip(client);
    client.sendRaw(Buffer.from(JSON.stringify({ type: 'message', text: 'as binary' })));
    await expectError(client, 'binary-unsupported');
    await expectChatRoundTrip(client);
  });
});

describe('room-full', { timeout: SUITE_TIMEOUT_MS }, () => {
  let server;
  before(async () => {
    server = await startServer(['--max-room-users', '2']);
  });
  afterEach(terminateAllClients);
  after(() => server?.stop());

  test(
    'the third user of a two-user room gets room-full, and can join once someone leaves',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const url = roomUrl(server, uniqueRoom('full'));
      const ana = await register(url, 'ana');
      const bob = await register(url, 'bob');
      const cy = await connect(url);
      await cy.next('id');
      cy.send({ type: 'username', name: 'cy' });
      await expectError(cy, 'room-full');
      // Other rooms are not affected by this one being full.
      await register(roomUrl(server, uniqueRoom('full')), 'cy');

      await bob.close();
      await waitForUserlist(ana, ['ana']);
      cy.send({ type: 'username', name: 'cy' });
      cy.name = await awaitRegistration(cy, 'cy');
      await waitForUserlist(ana, ['ana', 'cy']);
      await expectChatRoundTrip(cy);
    },
  );
});
