// Registration and presence: user lists, name collisions, departures, presence deltas
// (docs/protocol.md, "Server → client" and "Client → server").

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

describe('presence', { timeout: SUITE_TIMEOUT_MS }, () => {
  let server;
  before(async () => {
    server = await startServer();
  });
  afterEach(terminateAllClients);
  after(() => server?.stop());

  test(
    'every member of the room gets the user list, sorted',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const url = roomUrl(server, uniqueRoom());
      const cy = await register(url, 'cy');
      const ana = await register(url, 'ana');
      const bob = await register(url, 'Bob'); // upper case sorts first by code point
      for (const client of [ana, bob, cy]) await waitForUserlist(client, ['Bob', 'ana', 'cy']);
    },
  );

  test(
    'user lists sort by code point, not by UTF-16 unit or locale',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const url = roomUrl(server, uniqueRoom());
      // U+FF21 sorts before U+1F600 by code point, after it by UTF-16 unit (0xFF21 > 0xD83D).
      // ('Y' and 'z': a 'Z' beside 'z' would be a look-alike, registered as 'Z1'.)
      const names = ['😀', 'Ａ', 'é', 'z', 'Y'];
      const clients = [];
      for (const name of names) clients.push(await register(url, name));
      for (const client of clients) await waitForUserlist(client, names);
      assert.deepEqual(clients[0].latestUserlist, ['Y', 'z', 'é', 'Ａ', '😀']);
    },
  );

  test(
    'a unique suffix may take a 32-character name past 32',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const url = roomUrl(server, uniqueRoom());
      const longName = 'n'.repeat(32);
      await register(url, longName);
      const second = await register(url, longName);
      assert.equal(second.name, `${longName}1`);
    },
  );

  test(
    'a taken name gets the first free suffix and a rejectusername saying so',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const url = roomUrl(server, uniqueRoom());
      const first = await register(url, 'ana');

      const second = await connect(url);
      await second.next('id');
      second.send({ type: 'username', name: 'ana' });
      const secondReject = await second.next('rejectusername');
      assert.equal(secondReject.name, 'ana1');
      assert.equal(secondReject.requested, 'ana');
      second.name = await awaitRegistration(second, secondReject.name);
      assert.equal(second.name, 'ana1');

      const third = await connect(url);
      await third.next('id');
      third.send({ type: 'username', name: 'ana' });
      const thirdReject = await third.next('rejectusername');
      assert.equal(thirdReject.name, 'ana2');
      assert.equal(thirdReject.requested, 'ana');
      third.name = await awaitRegistration(third, thirdReject.name);

      for (const client of [first, second, third]) {
        await waitForUserlist(client, ['ana', 'ana1', 'ana2']);
      }
      // The assigned name is the one the server speaks for: chat from the second shows "ana1".
      const echo = await expectChatRoundTrip(second);
      assert.equal(echo.name, 'ana1');
      assert.equal(first.history.filter((m) => m.type === 'rejectusername').length, 0);
    },
  );

  test(
    'the same name in two different rooms is not a collision',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const inA = await register(roomUrl(server, uniqueRoom('a')), 'sam');
      const inB = await register(roomUrl(server, uniqueRoom('b')), 'sam');
      assert.equal(inA.name, 'sam');
      assert.equal(inB.name, 'sam');
      assert.equal(inB.history.filter((m) => m.type === 'rejectusername').length, 0);
    },
  );

  test(
    'when a user leaves, the others get a list without them',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const url = roomUrl(server, uniqueRoom());
      const ana = await register(url, 'ana');
      const bob = await register(url, 'bob');
      const cy = await register(url, 'cy');
      await waitForUserlist(ana, ['ana', 'bob', 'cy']);
      await waitForUserlist(bob, ['ana', 'bob', 'cy']);

      await cy.close(); // clean close
      await waitForUserlist(ana, ['ana', 'bob']);
      await waitForUserlist(bob, ['ana', 'bob']);

      bob.terminate(); // no close handshake: the TCP connection just goes away
      await waitForUserlist(ana, ['ana']);
    },
  );

  test(
    'a user who just left: the next list lacks them and targeting them is unknown-target',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const url = roomUrl(server, uniqueRoom());
      const ana = await register(url, 'ana');
      const bob = await register(url, 'bob');
      await waitForUserlist(ana, ['ana', 'bob']);

      await bob.close();
      const next = await ana.next('userlist');
      assert.deepEqual(next.users, ['ana'], 'the first list after the departure still had bob');

      ana.send({ type: 'video-offer', target: 'bob', sdp: { type: 'offer', sdp: 'v=0\r\n' } });
      const error = await expectError(ana, 'unknown-target');
      assert.equal(error.target, 'bob');
      if ('request' in error) assert.equal(error.request, 'video-offer');
      await expectChatRoundTrip(ana);
    },
  );

  test(
    'unregistered connections get no user lists; a new member gets the full list',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const url = roomUrl(server, uniqueRoom());
      const lurker = await connect(url);
      await lurker.next('id');
      const ana = await register(url, 'ana');
      const bob = await register(url, 'bob');
      await waitForUserlist(ana, ['ana', 'bob']);

      lurker.send({ type: 'username', name: 'late' });
      lurker.name = await awaitRegistration(lurker, 'late');
      await waitForUserlist(ana, ['ana', 'bob', 'late']);
      const lists = lurker.history.filter((m) => m.type === 'userlist');
      for (const list of lists) {
        assert.ok(
          list.users.includes('late'),
          `got a user list before registering: ${JSON.stringify(list)}`,
        );
      }
      assert.deepEqual(lurker.registeredUserlist, ['ana', 'bob', 'late']);
    },
  );

  test(
    'presence-deltas: one snapshot, then user-joined / user-left that add up to the truth',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const url = roomUrl(server, uniqueRoom());
      const ana = await register(url, 'ana');
      const watcher = await register(url, 'watcher', { capabilities: ['presence-deltas'] });
      const members = new Set(watcher.registeredUserlist);
      assert.deepEqual(
        [...members].sort(),
        ['ana', 'watcher'],
        'the snapshot shows the room as it is',
      );

      const problems = [];
      // Applies deltas in arrival order until the watcher's view equals `expected`.
      async function watchUntil(expected) {
        const want = JSON.stringify([...expected].sort());
        while (JSON.stringify([...members].sort()) !== want) {
          const delta = await watcher.next(['user-joined', 'user-left']);
          assert.ok(
            Array.isArray(delta.names),
            `delta without a names array: ${JSON.stringify(delta)}`,
          );
          for (const name of delta.names) {
            if (delta.type === 'user-joined') {
              if (members.has(name)) problems.push(`user-joined for ${name}, already listed`);
              members.add(name);
            } else {
              if (!members.has(name)) problems.push(`user-left for ${name}, who was not listed`);
              members.delete(name);
            }
          }
        }
      }

      const bob = await register(url, 'bob');
      const cy = await register(url, 'cy');
      await ana.close();
      await watchUntil(['bob', 'cy', 'watcher']);
      // A later change proves no userlist was still on its way for the earlier ones: presence
      // updates to one client arrive in order.
      await register(url, 'dee');
      await watchUntil(['bob', 'cy', 'dee', 'watcher']);

      assert.deepEqual(problems, []);
      const userlists = watcher.history.filter((m) => m.type === 'userlist');
      assert.equal(userlists.length, 1, `a deltas client got ${userlists.length} user lists`);
      // Clients that did not ask for deltas still get plain lists.
      await waitForUserlist(bob, ['bob', 'cy', 'dee', 'watcher']);
      await waitForUserlist(cy, ['bob', 'cy', 'dee', 'watcher']);
      assert.equal(
        bob.history.filter((m) => m.type === 'user-joined' || m.type === 'user-left').length,
        0,
      );
    },
  );
});
