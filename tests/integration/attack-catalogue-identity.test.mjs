// The attack catalogue of the security review (issue 8), identity group: claimed names, messages
// before registering, invalid and taken names, markup in chat.
// Each case is an `attack`: around it, attack-catalogue/harness.mjs checks that the server is
// alive and answers /healthz, that its two witnesses have lost or reordered nothing and that no
// sanitizer has spoken; after the group, connections and open files are back to baseline.

import assert from 'node:assert/strict';
import {
  awaitRegistration,
  expectChatRoundTrip,
  expectError,
  uniqueRoom,
  waitForUserlist,
} from './helpers.mjs';
import {
  attack,
  catalogueGroup,
  member,
  newcomer,
  pair,
  rawTexts,
  sendEach,
} from './attack-catalogue/harness.mjs';

// What an HTML parser reading text takes as the start of markup.
const OPENS_MARKUP = /<[A-Za-z/!?]/;

const INVALID_NAMES = [
  '<b>',
  'a>b',
  'a&b',
  'a"b',
  "a'b",
  'a\u0000b',
  'a\nb',
  'a\u001bb',
  'a\u007fb',
  'a\u0085b',
  ' ana',
  'ana ',
];

const MARKUP_ATTEMPTS = [
  '<img src=x onerror=alert(1) ',
  '<svg/onload=alert(1) ',
  '<<img src=x onerror=alert(1)>',
  '<scr<script>ipt>alert(1)',
  '</textarea><script>alert(1)</script>',
  '<!--',
  '<?xml ',
  'x<iframe src=javascript:alert(1) ',
];
const NOT_MARKUP = ['a < b', '<3', '1 <= 2', '< /', '<', '3 > 2 < 1'];

catalogueGroup('identity', () => {
  attack("a claimed name is replaced by the sender's, however it is written", async () => {
    const { ana, bob } = await pair('claim');
    const texts = rawTexts(bob);
    sendEach(ana, [
      { type: 'x-claim', target: 'bob', name: 'bob', id: bob.id },
      '{"name":"bob","type":"x-claim","target":"bob"}',
      '{"type":"x-claim","target":"bob","n\\u0061me":"bob"}',
      { type: 'x-claim', name: 'bob', id: bob.id }, // to the whole room
      { type: 'message', text: 'hi', name: 'bob' },
    ]);
    ana.send({ type: 'x-end', target: 'bob' });
    await bob.next('x-end');
    const claims = texts.filter((text) => /"type":"(x-claim|message)"/.test(text));
    assert.equal(claims.length, 5, JSON.stringify(texts));
    for (const text of claims) {
      assert.equal(JSON.parse(text).name, 'ana', text);
      assert.equal(text.match(/"n(ame|\\u0061me)"/g)?.length, 1, `one name in ${text}`);
    }
  });

  attack('before registering: not-registered, and nothing reaches the room', async () => {
    const room = uniqueRoom('unregistered');
    const bob = await member(room, 'bob');
    const stranger = await newcomer(room);
    sendEach(stranger, [
      { type: 'message', text: 'evil' },
      { type: 'x-a', target: 'bob', evil: 1 },
      { type: 'x-a', evil: 1 },
    ]);
    for (let i = 0; i < 3; i += 1) await expectError(stranger, 'not-registered');
    await expectChatRoundTrip(bob, 'members only');
    stranger.send({ type: 'username', name: 'late' });
    stranger.name = await awaitRegistration(stranger, 'late');
    await expectChatRoundTrip(stranger);
    await bob.next((m) => m.type === 'message' && m.name === 'late');
    assert.deepEqual(
      bob.history.filter((m) => JSON.stringify(m).includes('evil')),
      [],
    );
    assert.ok(!stranger.history.some((m) => m.text === 'members only'), 'unregistered got chat');
  });

  attack('a second username gets already-registered; the first name stays', async () => {
    const { ana, bob } = await pair('twice');
    for (const name of ['bob', 'carol']) {
      ana.send({ type: 'username', name });
      await expectError(ana, 'already-registered');
    }
    await expectChatRoundTrip(ana); // checks the echo's name is "ana"
    assert.equal((await bob.next('message')).name, 'ana');
    await waitForUserlist(bob, ['ana', 'bob']);
  });

  attack('names with markup, control characters or outer spaces get name-invalid', async () => {
    const client = await newcomer();
    for (const name of INVALID_NAMES) {
      client.send({ type: 'username', name });
      const error = await client.next('error');
      assert.equal(error.code, 'name-invalid', `${JSON.stringify(name)}: ${JSON.stringify(error)}`);
    }
    client.send({ type: 'username', name: 'fine' });
    client.name = await awaitRegistration(client, 'fine');
    await expectChatRoundTrip(client);
  });

  attack('names of 33 or more code points get name-too-long', async () => {
    const client = await newcomer();
    for (const name of ['n'.repeat(33), '😀'.repeat(33), 'n'.repeat(10_000)]) {
      client.send({ type: 'username', name });
      await expectError(client, 'name-too-long');
    }
    client.send({ type: 'username', name: '😀'.repeat(32) });
    client.name = await awaitRegistration(client, '😀'.repeat(32));
  });

  attack('a taken name gets rejectusername with a suffixed name', async () => {
    const room = uniqueRoom('taken');
    const ana = await member(room, 'ana');
    const impostor = await newcomer(room);
    impostor.send({ type: 'username', name: 'ana' });
    const { name, requested } = await impostor.next('rejectusername');
    assert.deepEqual({ name, requested }, { name: 'ana1', requested: 'ana' });
    impostor.name = await awaitRegistration(impostor, name);
    await waitForUserlist(ana, ['ana', 'ana1']);
    await expectChatRoundTrip(impostor);
    assert.equal((await ana.next('message')).name, 'ana1');
  });

  attack(
    'chat markup, finished or not, reaches the peer with nothing that opens markup',
    async () => {
      const { ana, bob } = await pair('xss');
      for (const text of MARKUP_ATTEMPTS) {
        ana.send({ type: 'message', text });
        ana.send({ type: 'message', text, target: 'bob' }); // private chat is cleaned too
      }
      for (let i = 0; i < 2 * MARKUP_ATTEMPTS.length; i += 1) {
        const { text } = await bob.next('message');
        const sent = MARKUP_ATTEMPTS[i >> 1];
        assert.doesNotMatch(
          text,
          OPENS_MARKUP,
          `${JSON.stringify(sent)} → ${JSON.stringify(text)}`,
        );
      }
    },
  );

  attack('chat that only looks like markup ("a < b", "<3") arrives unchanged', async () => {
    const { ana, bob } = await pair('lt');
    for (const text of NOT_MARKUP) ana.send({ type: 'message', text });
    for (const text of NOT_MARKUP) assert.equal((await bob.next('message')).text, text);
  });
});
