// Room isolation: "Users see, chat with and reach only users of their own room."

import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import {
  SUITE_TIMEOUT_MS,
  TEST_TIMEOUT_MS,
  expectChatRoundTrip,
  expectError,
  register,
  roomUrl,
  startServer,
  terminateAllClients,
  uniqueRoom,
  waitForUserlist,
} from './helpers.mjs';

describe('rooms', { timeout: SUITE_TIMEOUT_MS }, () => {
  let server;
  before(async () => {
    server = await startServer();
  });
  afterEach(terminateAllClients);
  after(() => server?.stop());

  async function twoRooms() {
    const urlA = roomUrl(server, uniqueRoom('a'));
    const urlB = roomUrl(server, uniqueRoom('b'));
    const ana = await register(urlA, 'ana');
    const amy = await register(urlA, 'amy');
    const bob = await register(urlB, 'bob');
    const ben = await register(urlB, 'ben');
    await waitForUserlist(ana, ['amy', 'ana']);
    await waitForUserlist(bob, ['ben', 'bob']);
    return { ana, amy, bob, ben };
  }

  test('user lists show only the own room', { timeout: TEST_TIMEOUT_MS }, async () => {
    const { ana, amy, bob, ben } = await twoRooms();
    for (const client of [ana, amy, bob, ben]) {
      for (const list of client.history.filter((m) => m.type === 'userlist')) {
        const mine = client.name.startsWith('a') ? ['ana', 'amy'] : ['bob', 'ben'];
        const strangers = list.users.filter((name) => !mine.includes(name));
        assert.deepEqual(strangers, [], `${client.name} saw users of another room`);
      }
    }
  });

  test('a user of another room is an unknown target', { timeout: TEST_TIMEOUT_MS }, async () => {
    const { ana, bob } = await twoRooms();
    ana.send({ type: 'video-offer', target: 'bob', sdp: { type: 'offer', sdp: 'v=0\r\n' } });
    const error = await expectError(ana, 'unknown-target');
    assert.equal(error.target, 'bob');
    await expectChatRoundTrip(ana);
    // bob got nothing: his first relayed message is his own chat echo.
    await expectChatRoundTrip(bob, 'bob-only');
    assert.deepEqual(
      bob.relayed().map((m) => m.text),
      ['bob-only'],
    );
  });

  test('chat and broadcasts stay inside the room', { timeout: TEST_TIMEOUT_MS }, async () => {
    const { ana, amy, bob, ben } = await twoRooms();
    ana.send({ type: 'message', text: 'room a chat' });
    ana.send({ type: 'x-broadcast', target: null });
    await amy.next((m) => m.type === 'message' && m.text === 'room a chat');
    await amy.next('x-broadcast');
    // ana's fan-out is done (amy has both); anything that leaked to room b is queued before
    // these echoes of room b's own traffic.
    await expectChatRoundTrip(bob, 'room b chat');
    await ben.next((m) => m.type === 'message' && m.text === 'room b chat');
    for (const client of [bob, ben]) {
      assert.deepEqual(
        client.relayed().map((m) => m.text),
        ['room b chat'],
        `${client.name} received room a traffic`,
      );
    }
  });
});
