// Public chat: who receives it, whose name it carries, markup removal
// (docs/protocol.md, `{"type":"message"}`).

import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import {
  SUITE_TIMEOUT_MS,
  TEST_TIMEOUT_MS,
  connect,
  register,
  roomUrl,
  startServer,
  terminateAllClients,
  uniqueRoom,
  waitForUserlist,
} from './helpers.mjs';
import { HARMLESS_ANGLE_TEXTS, OPENS_MARKUP, markupPayloads } from '../shared/markup-payloads.mjs';

describe('chat', { timeout: SUITE_TIMEOUT_MS }, () => {
  let server;
  before(async () => {
    server = await startServer();
  });
  afterEach(terminateAllClients);
  after(() => server?.stop());

  async function roomOfThree() {
    const url = roomUrl(server, uniqueRoom('chat'));
    const ana = await register(url, 'ana');
    const bob = await register(url, 'bob');
    const cy = await register(url, 'cy');
    for (const client of [ana, bob, cy]) await waitForUserlist(client, ['ana', 'bob', 'cy']);
    return { url, ana, bob, cy };
  }

  test(
    'chat reaches every member including the sender, stamped and stripped of markup',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const { ana, bob, cy } = await roomOfThree();
      ana.send({ type: 'message', text: 'hi <b>x</b>', name: 'mallory', id: 999 });
      for (const client of [ana, bob, cy]) {
        const message = await client.next('message');
        assert.equal(message.name, 'ana', `${client.name} saw a spoofed sender`);
        assert.equal(message.text, 'hi x', `${client.name} saw unstripped text`);
      }
    },
  );

  test('every <…> run is removed, script tags included', { timeout: TEST_TIMEOUT_MS }, async () => {
    const { ana, bob } = await roomOfThree();
    ana.send({ type: 'message', text: '<script>alert(1)</script>ok <img src=x onerror=y>!' });
    const message = await bob.next('message');
    assert.equal(message.text, 'alert(1)ok !');
  });

  // Issue 8, finding 2: the MDN client pastes chat into innerHTML, and an unterminated
  // "<img src=x onerror=..." used to pass the "<...>" remover untouched.
  test(
    'no relayed chat text opens markup, however the tag is cut or nested',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const { ana, bob } = await roomOfThree();
      const payloads = markupPayloads();
      for (const { text } of payloads) ana.send({ type: 'message', text });
      for (const { text } of payloads) {
        const relayed = (await bob.next('message')).text;
        assert.doesNotMatch(relayed, OPENS_MARKUP, `${JSON.stringify(text)} was relayed as markup`);
      }
    },
  );

  test("'<' that opens no markup stays as it is", { timeout: TEST_TIMEOUT_MS }, async () => {
    const { ana, bob } = await roomOfThree();
    for (const text of HARMLESS_ANGLE_TEXTS) ana.send({ type: 'message', text });
    for (const text of HARMLESS_ANGLE_TEXTS) assert.equal((await bob.next('message')).text, text);
  });

  test(
    'text without markup, including non-ASCII, arrives unchanged',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const { ana, cy } = await roomOfThree();
      const text = 'grüße 👋 — 中文 "quoted" & \'single\' 1 > 0';
      ana.send({ type: 'message', text });
      assert.equal((await cy.next('message')).text, text);
    },
  );

  test(
    'connections that have not registered receive no chat',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const { url, ana, bob } = await roomOfThree();
      const lurker = await connect(url);
      await lurker.next('id');
      ana.send({ type: 'message', text: 'members only' });
      await bob.next((m) => m.type === 'message' && m.text === 'members only');
      // Once the lurker registers, its first chat must be one sent after that.
      lurker.send({ type: 'username', name: 'lurker' });
      await waitForUserlist(ana, ['ana', 'bob', 'cy', 'lurker']);
      ana.send({ type: 'message', text: 'welcome' });
      const first = await lurker.next('message');
      assert.equal(first.text, 'welcome', 'an unregistered connection received chat');
    },
  );

  test(
    "each sender's messages arrive in the order sent",
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const { ana, bob } = await roomOfThree();
      for (let i = 0; i < 50; i += 1) ana.send({ type: 'message', text: `n${i}` });
      for (let i = 0; i < 50; i += 1) {
        assert.equal((await bob.next('message')).text, `n${i}`);
      }
    },
  );
});
