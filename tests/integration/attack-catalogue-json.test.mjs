// The attack catalogue of the security review (issue 8), JSON group: invalid JSON, bad and
// reserved types, duplicate keys, bad targets, deep nesting, numbers relayed byte for byte.
// Each case is an `attack`: around it, attack-catalogue/harness.mjs checks that the server is
// alive and answers /healthz, that its two witnesses have lost or reordered nothing and that no
// sanitizer has spoken; after the group, connections and open files are back to baseline.

import assert from 'node:assert/strict';
import { SERVER_ONLY_TYPES, expectChatRoundTrip, expectError } from './helpers.mjs';
import { attack, catalogueGroup, pair, rawTexts, sendEach } from './attack-catalogue/harness.mjs';

// Fields a forged message would carry; the peer must never see "evil".
const EVIL = { target: 'bob', users: ['evil'], names: ['evil'], code: 'evil' };

const JSON_REJECTIONS = [
  [
    'invalid JSON',
    'invalid-json',
    ['{', 'not json', '{"type":"x-a","target":"bob","evil":', '', '{"type":"x-a"}}', "{'a':1}"],
  ],
  [
    'JSON that is not an object',
    'not-object',
    ['[{"type":"x-a","evil":1}]', '"evil"', '4', 'null'],
  ],
  [
    'a type that is missing, empty, not a string or 65 characters long',
    'invalid-type',
    [
      { ...EVIL },
      { type: '', ...EVIL },
      { type: 7, ...EVIL },
      { type: ['userlist'], ...EVIL },
    ].concat([{ type: 't'.repeat(65), ...EVIL }]),
  ],
  [
    'a type with a NUL or another control character',
    'invalid-type',
    ['userlist\u0000', 'error\u001f', 'id\u007f', 'config\u0085', 'x-a\n'].map((type) => ({
      type,
      ...EVIL,
    })),
  ],
  ['a reserved type', 'reserved-type', SERVER_ONLY_TYPES.map((type) => ({ type, ...EVIL }))],
  [
    'a reserved type spelled with escapes',
    'reserved-type',
    [
      '{"t\\u0079pe":"userlist","target":"bob","users":["evil"]}',
      '{"type":"user\\u006cist","target":"bob","users":["evil"]}',
      '{"type":"\\u0065rror","target":"bob","code":"evil"}',
    ],
  ],
  [
    'a duplicate type, target, name or text',
    'duplicate-key',
    [
      '{"type":"x-a","target":"bob","type":"userlist","users":["evil"]}',
      '{"type":"x-a","target":"nobody","target":"bob","evil":1}',
      '{"type":"x-a","target":"bob","name":"ana","name":"evil"}',
      '{"type":"message","text":"hi","text":"evil"}',
      '{"type":"x-a","target":"bob","t\\u0079pe":"userlist","users":["evil"]}',
    ],
  ],
  [
    'a target that is not a string',
    'invalid-target',
    [5, true, { name: 'bob' }, ['bob']].map((target) => ({ type: 'x-a', target, evil: 1 })),
  ],
  [
    'a target with a control character',
    'invalid-target',
    ['bob\u0000', 'bob\n', 'bob\u007f'].map((target) => ({ type: 'x-a', target, evil: 1 })),
  ],
  [
    'an unknown target',
    'unknown-target',
    ['nobody', 'bob2', 'b'.repeat(300)].map((target) => ({ type: 'x-a', target, evil: 1 })),
  ],
];

catalogueGroup('JSON', () => {
  for (const [what, code, frames] of JSON_REJECTIONS) {
    attack(`${code} for ${what}, and the peer sees none of it`, async () => {
      const { ana, bob } = await pair('json');
      for (const frame of frames) {
        sendEach(ana, [frame]); // one at a time: each error belongs to its frame
        await expectError(ana, code);
      }
      await expectChatRoundTrip(ana);
      // Anything relayed from the frames above would have reached bob before the chat.
      await bob.next('message');
      assert.deepEqual(
        bob.history.filter((m) => JSON.stringify(m).includes('evil')),
        [],
      );
      assert.deepEqual(
        bob.relayed().filter((m) => m.type !== 'message'),
        [],
      );
    });
  }

  attack('nesting past 32 levels gets invalid-json; 32 levels are relayed', async () => {
    const { ana, bob } = await pair('deep');
    // The object is the first level.
    const nested = (levels) =>
      `{"type":"x-deep","target":"bob","d":${'['.repeat(levels - 1)}${']'.repeat(levels - 1)}}`;
    for (const frame of [nested(33), nested(1000), nested(30_000), '['.repeat(60_000)]) {
      ana.sendRaw(frame);
      await expectError(ana, 'invalid-json');
    }
    ana.sendRaw(nested(32));
    const relayed = await bob.next('x-deep');
    assert.equal(JSON.stringify(relayed.d), `${'['.repeat(31)}${']'.repeat(31)}`);
    assert.equal(bob.history.filter((m) => m.type === 'x-deep').length, 1);
  });

  attack('numbers are relayed byte for byte (1e400, -0, 12345678901234567890123)', async () => {
    const { ana, bob } = await pair('numbers');
    const texts = rawTexts(bob);
    const values = ['1e400', '-0', '12345678901234567890123', '-1E-400', '[0.10,1E+2,{"n":-0.0}]'];
    for (const value of values) ana.sendRaw(`{"type":"x-num","target":"bob","v":${value}}`);
    ana.send({ type: 'x-end', target: 'bob' });
    await bob.next('x-end');
    assert.deepEqual(
      texts.filter((text) => text.includes('"x-num"')),
      values.map((value) => `{"type":"x-num","target":"bob","v":${value},"name":"ana"}`),
    );
  });
});
