// Look-alike names (docs/protocol.md, "Names"): with `alice` registered, no other name that a
// reader would take for "alice" may show up in the room's user list as a different user. Each
// look-alike is refused (`name-invalid` for invisible and bidi characters, `name-confusable` for
// mixed-script spoofs) or registered under a suffixed name with a `rejectusername`.

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

// Invisible or direction-changing code points: "alice" with one of them still reads "alice".
const INVISIBLE = [
  ['U+200B zero width space', 'alice\u200B'],
  ['U+200C zero width non-joiner', 'al\u200Cice'],
  ['U+200D zero width joiner', 'al\u200Dice'],
  ['U+2060 word joiner', 'a\u2060lice'],
  ['U+FEFF byte order mark inside', 'ali\uFEFFce'],
  ['U+00AD soft hyphen', 'al\u00ADice'],
  ['U+034F combining grapheme joiner', 'ali\u034Fce'],
  ['U+180E Mongolian vowel separator', 'alic\u180Ee'],
  ['U+FE0F variation selector 16', 'alice\uFE0F'],
  ['U+FE00 variation selector 1', 'a\uFE00lice'],
  ['U+E0100 variation selector 17', 'alice\u{E0100}'],
  ['U+115F Hangul choseong filler', '\u115Falice'],
  ['U+1160 Hangul jungseong filler', 'alice\u1160'],
  ['U+3164 Hangul filler', 'alice\u3164'],
  ['U+FFA0 halfwidth Hangul filler', 'alice\uFFA0'],
  ['U+2800 Braille pattern blank', 'alice\u2800'],
  ['U+E0001 language tag', '\u{E0001}alice'],
  ['U+E0061 tag latin small a', 'alice\u{E0061}'],
  ['U+E007F cancel tag', 'alice\u{E007F}'],
  ['U+2028 line separator', 'ali\u2028ce'],
  ['U+2029 paragraph separator', 'ali\u2029ce'],
  ['U+E000 private use', 'alice\uE000'],
  ['U+0378 unassigned', 'alice\u0378'],
];

// Bidi controls: "\u202Eecila" displays as "alice".
const BIDI = [
  ['U+202E right-to-left override', '\u202Eecila'],
  ['U+202D left-to-right override', '\u202Dalice'],
  ['U+202A left-to-right embedding', '\u202Aalice\u202C'],
  ['U+202B right-to-left embedding', '\u202Balice'],
  ['U+202C pop directional formatting', 'alice\u202C'],
  ['U+2066 left-to-right isolate', '\u2066alice\u2069'],
  ['U+2067 right-to-left isolate', '\u2067ecila\u2069'],
  ['U+2068 first strong isolate', '\u2068alice'],
  ['U+2069 pop directional isolate', 'alice\u2069'],
  ['U+200E left-to-right mark', 'alice\u200E'],
  ['U+200F right-to-left mark', '\u200Falice'],
  ['U+061C Arabic letter mark', 'alice\u061C'],
];

// Letters of another script mixed into Latin.
const MIXED_SCRIPT = [
  ['Cyrillic а (U+0430) first', '\u0430lice'],
  ['Cyrillic е (U+0435) last', 'alic\u0435'],
  ['Cyrillic і (U+0456)', 'al\u0456ce'],
  ['Greek α (U+03B1)', '\u03B1lice'],
  ['Cyrillic о in a Latin name', 'b\u043Eb'],
];

// Registered beside "alice" only with a suffix: [what, requested, assigned].
const SUFFIXED = [
  ['capital first letter', 'Alice', 'Alice1'],
  ['all capitals', 'ALICE', 'ALICE1'],
  ['mixed case', 'aLiCe', 'aLiCe1'],
  ['fullwidth letters', '\uFF41\uFF4C\uFF49\uFF43\uFF45', '\uFF41\uFF4C\uFF49\uFF43\uFF45' + '1'],
  ['capital I for l', 'aIice', 'aIice1'],
  ['capital A and capital I for l', 'AIice', 'AIice1'],
  ['digit one for l', 'a1ice', 'a1ice1'],
  ['mathematical bold a', '\u{1D41A}lice', '\u{1D41A}lice1'],
  ['circled letters', '\u24D0\u24DB\u24D8\u24D2\u24D4', '\u24D0\u24DB\u24D8\u24D2\u24D4' + '1'],
];

describe('look-alike names', { timeout: SUITE_TIMEOUT_MS }, () => {
  let server;
  before(async () => {
    server = await startServer();
  });
  afterEach(terminateAllClients);
  after(() => server?.stop());

  /** A client in `url` that has its `id` and has not registered. */
  async function newcomer(url) {
    const client = await connect(url);
    await client.next('id');
    return client;
  }

  /** Sends each name to a new client in a room that holds "alice"; each must give `code`. */
  async function expectRefused(cases, code) {
    const url = roomUrl(server, uniqueRoom('names'));
    const alice = await register(url, 'alice');
    const client = await newcomer(url);
    for (const [what, name] of cases) {
      client.send({ type: 'username', name });
      const error = await client.next('error');
      const got = JSON.stringify(error);
      assert.equal(error.code, code, `${what}: ${JSON.stringify(name)} gave ${got}`);
      assert.equal(typeof error.message, 'string');
    }
    // Refusals leave the connection usable, and the room shows only alice.
    client.send({ type: 'username', name: 'bob' });
    client.name = await awaitRegistration(client, 'bob');
    await waitForUserlist(alice, ['alice', 'bob']);
  }

  test('invisible and format characters: name-invalid', { timeout: TEST_TIMEOUT_MS }, async () => {
    await expectRefused(INVISIBLE, 'name-invalid');
  });

  test('bidi controls: name-invalid', { timeout: TEST_TIMEOUT_MS }, async () => {
    await expectRefused(BIDI, 'name-invalid');
  });

  test(
    'Latin mixed with Cyrillic or Greek: name-confusable',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      await expectRefused(MIXED_SCRIPT, 'name-confusable');
    },
  );

  for (const [what, requested, assigned] of SUFFIXED) {
    test(
      `${what}: "${requested}" beside "alice" becomes "${assigned}"`,
      { timeout: TEST_TIMEOUT_MS },
      async () => {
        const url = roomUrl(server, uniqueRoom('names'));
        const alice = await register(url, 'alice');
        const client = await newcomer(url);
        client.send({ type: 'username', name: requested });
        const reject = await client.next('rejectusername');
        assert.deepEqual([reject.name, reject.requested], [assigned, requested]);
        client.name = await awaitRegistration(client, assigned);
        for (const member of [alice, client]) await waitForUserlist(member, ['alice', assigned]);
        assert.equal((await expectChatRoundTrip(client)).name, assigned);
      },
    );
  }

  test(
    'every look-alike in one room: never two names that fold alike',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const url = roomUrl(server, uniqueRoom('names'));
      const alice = await register(url, 'alice');
      const registered = ['alice'];
      const everything = [...INVISIBLE, ...BIDI, ...MIXED_SCRIPT, ...SUFFIXED].map((c) => c[1]);
      for (const name of everything) {
        const client = await newcomer(url);
        client.send({ type: 'username', name });
        const reply = await client.next(['error', 'rejectusername', 'userlist']);
        if (reply.type === 'error') continue;
        assert.equal(reply.type, 'rejectusername', `${JSON.stringify(name)} registered as itself`);
        registered.push(await awaitRegistration(client, reply.name));
      }
      await waitForUserlist(alice, registered);
      // What JavaScript can check on its own: no two names equal under NFKC and lower case, and
      // none holds a format character.
      const folded = registered.map((name) => name.normalize('NFKC').toLowerCase());
      assert.equal(new Set(folded).size, folded.length, JSON.stringify(registered));
      for (const name of registered) assert.doesNotMatch(name, /\p{Cf}/u);
    },
  );

  test(
    'a whole-script look-alike gets a suffix: Cyrillic "асе" beside "ace"',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const url = roomUrl(server, uniqueRoom('names'));
      await register(url, 'ace');
      const cyrillic = await register(url, '\u0430\u0441\u0435');
      assert.equal(cyrillic.name, '\u0430\u0441\u0435' + '1');
    },
  );

  test(
    'the case a user typed is kept, and a taken name is free again once its holder leaves',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const url = roomUrl(server, uniqueRoom('names'));
      const first = await register(url, 'Alice');
      assert.equal(first.name, 'Alice');
      const second = await register(url, 'alice');
      assert.equal(second.name, 'alice1');
      await waitForUserlist(second, ['Alice', 'alice1']);
      await first.close();
      await waitForUserlist(second, ['alice1']);
      const third = await register(url, 'ALICE');
      assert.equal(third.name, 'ALICE');
      await waitForUserlist(second, ['ALICE', 'alice1']);
    },
  );

  test(
    'targets are exact registered names, not look-alikes',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const url = roomUrl(server, uniqueRoom('names'));
      const alice = await register(url, 'alice');
      const other = await register(url, 'Alice');
      assert.equal(other.name, 'Alice1');
      other.send({ type: 'x-poke', target: 'alice', n: 1 });
      assert.equal((await alice.next('x-poke')).name, 'Alice1');
      other.send({ type: 'x-poke', target: 'ALICE', n: 2 });
      assert.equal((await expectError(other, 'unknown-target')).target, 'ALICE');
    },
  );

  test(
    'a decomposed (NFD) name registers in NFC, and is told so',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const url = roomUrl(server, uniqueRoom('names'));
      const nfd = 'jose\u0301';
      const nfc = 'jos\u00E9';
      const client = await newcomer(url);
      client.send({ type: 'username', name: nfd });
      const reject = await client.next('rejectusername');
      assert.deepEqual([reject.name, reject.requested], [nfc, nfd]);
      client.name = await awaitRegistration(client, nfc);
      await waitForUserlist(client, [nfc]);
      assert.equal((await expectChatRoundTrip(client)).name, nfc);

      // NFC and NFD are the same name: the second one gets a suffix, in NFC.
      const second = await newcomer(url);
      second.send({ type: 'username', name: nfd });
      const secondReject = await second.next('rejectusername');
      assert.deepEqual([secondReject.name, secondReject.requested], [`${nfc}1`, nfd]);
      const third = await register(url, nfc);
      assert.equal(third.name, `${nfc}2`);
    },
  );

  test(
    'names of one script, and Japanese mixes, register as typed',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const url = roomUrl(server, uniqueRoom('names'));
      const names = [
        'jos\u00E9',
        'Zo\u00EB',
        '李小龙',
        'ユーザー',
        'Ελένη',
        'Анна',
        'user_1',
        'a b',
        '東京Tokyo',
        'Tokyo東京ひらがな',
        '서울Seoul',
        'नमस्ते',
        '😀',
      ];
      const clients = [];
      for (const name of names) {
        const client = await register(url, name);
        assert.equal(client.name, name);
        assert.equal(client.history.filter((m) => m.type === 'rejectusername').length, 0, name);
        clients.push(client);
      }
      await waitForUserlist(clients[0], names);
    },
  );
});
