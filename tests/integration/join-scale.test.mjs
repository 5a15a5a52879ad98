// Thousands of users join one room and every one of them ends up seeing the complete room.
// This is where the MDN sample's "whole user list to everyone on every join" is O(N^2) in
// messages; Switchboard coalesces presence and serves deltas, so it is O(N) frames per update.
//
// SWITCHBOARD_JOIN_USERS sets N (default 10,000; the sanitizer run uses fewer). The time is
// printed, not asserted: speed targets live in the benchmarks.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { isSanitizerBuild, readMemory, startServer } from './helpers.mjs';
import { LONG_WAIT_MS, SUITE_TIMEOUT_MS, scaled } from './timeouts.mjs';

const USERS = Number(process.env.SWITCHBOARD_JOIN_USERS ?? 10_000);
// Connections opened at once; the rest wait, so the test measures the server, not a SYN storm.
const CONNECT_BATCH = 500;
// A few clients check the exact names by parsing everything; the others count names (below).
const FULLY_CHECKED = 5;
const QUOTE = 0x22;

/**
 * Tracks one client's view of the room from presence frames. Names can never contain '"'
 * (docs/protocol.md), so a `userlist` / `user-joined` / `user-left` frame holds exactly
 * 6 + 2 x names quote characters: counting bytes is an exact name count without a JSON parse
 * of the ~N^2 bytes the clients receive in total.
 */
class PresenceView {
  constructor(fullyChecked) {
    this.names = fullyChecked ? new Set() : null;
    this.count = 0;
  }

  apply(frame) {
    const head = frame.toString('latin1', 0, 24);
    if (!head.startsWith('{"type":"user')) return false;
    if (this.names) return this.#applyParsed(JSON.parse(frame));
    let quotes = 0;
    for (let i = 0; i < frame.length; i += 1) if (frame[i] === QUOTE) quotes += 1;
    const names = (quotes - 6) / 2;
    if (head.startsWith('{"type":"userlist"')) this.count = names;
    else if (head.startsWith('{"type":"user-joined"')) this.count += names;
    else if (head.startsWith('{"type":"user-left"')) this.count -= names;
    return true;
  }

  #applyParsed(message) {
    if (message.type === 'userlist') this.names = new Set(message.users);
    else if (message.type === 'user-joined') message.names.forEach((n) => this.names.add(n));
    else if (message.type === 'user-left') message.names.forEach((n) => this.names.delete(n));
    this.count = this.names.size;
    return true;
  }
}

describe(`${USERS} users joining one room`, { timeout: SUITE_TIMEOUT_MS }, () => {
  let server;
  const sockets = [];

  before(async () => {
    server = await startServer(['--max-msg-rate', '0', '--log-level', 'warn']);
  });
  after(async () => {
    for (const ws of sockets) ws.terminate();
    await server?.stop();
  });

  test('every client sees all names, with presence deltas', { timeout: scaled(300_000) }, async (t) => {
    const url = `${server.url}/room/crowd`;
    const views = [];
    let complete = 0;
    let resolveAll;
    let rejectAll;
    const allComplete = new Promise((resolve, reject) => {
      resolveAll = resolve;
      rejectAll = reject;
    });

    const join = (index) =>
      new Promise((resolve, reject) => {
        const ws = new WebSocket(url, { perMessageDeflate: false });
        sockets.push(ws);
        const view = new PresenceView(index < FULLY_CHECKED);
        views.push(view);
        let done = false;
        ws.on('error', reject);
        ws.on('close', (code) => rejectAll(new Error(`client ${index} closed with ${code}`)));
        ws.on('message', (frame) => {
          if (!view.apply(frame)) {
            const message = JSON.parse(frame);
            if (message.type === 'id') {
              ws.send(
                JSON.stringify({ type: 'username', name: `u${index}`, capabilities: ['presence-deltas'] }),
              );
              resolve();
            } else if (message.type === 'error') {
              rejectAll(new Error(`client ${index} got ${JSON.stringify(message)}`));
            }
            return;
          }
          if (!done && view.count === USERS) {
            done = true;
            complete += 1;
            if (complete === USERS) resolveAll();
          }
        });
      });

    const started = performance.now();
    for (let first = 0; first < USERS; first += CONNECT_BATCH) {
      const batch = [];
      for (let i = first; i < Math.min(USERS, first + CONNECT_BATCH); i += 1) batch.push(join(i));
      await Promise.all(batch);
    }
    const joined = performance.now();
    let timer;
    await Promise.race([
      allComplete,
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`only ${complete} of ${USERS} clients saw everyone`)),
          LONG_WAIT_MS,
        );
      }),
    ]).finally(() => clearTimeout(timer));
    const finished = performance.now();

    const expected = new Set(Array.from({ length: USERS }, (_, i) => `u${i}`));
    for (const view of views.slice(0, FULLY_CHECKED)) assert.deepEqual(view.names, expected);
    assert.ok(views.every((view) => view.count === USERS));
    assert.deepEqual(
      server.stderrLines.filter((line) => line.includes('send-queue-overflow')),
      [],
      'no client may be dropped as a slow reader while the room fills',
    );
    const memory = readMemory(server.pid);
    t.diagnostic(
      `${USERS} users: all registered after ${((joined - started) / 1000).toFixed(1)} s, ` +
        `all saw the full room after ${((finished - started) / 1000).toFixed(1)} s; ` +
        `server RSS ${(memory.rss / 2 ** 20).toFixed(0)} MiB` +
        (isSanitizerBuild() ? ' (sanitizer build)' : ''),
    );
  });
});
