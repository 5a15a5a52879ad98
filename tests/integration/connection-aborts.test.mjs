// Clients that vanish: whatever a client was doing when its connection died (a rate-limited
// burst, a blocked write, half a frame, half an HTTP request), the server must forget it — the
// connection count and the process's open files return to where they were (issue 8, finding 1:
// rate-limited clients that reset their connection used to stay forever).

import assert from 'node:assert/strict';
import fs from 'node:fs';
import { afterEach, describe, test } from 'node:test';
import {
  LONG_WAIT_MS,
  OPCODE,
  SUITE_TIMEOUT_MS,
  TEST_TIMEOUT_MS,
  connectTcp,
  destroyAllRawSockets,
  encodeFrame,
  expectChatRoundTrip,
  httpRequest,
  isSanitizerBuild,
  openRawWebSocket,
  register,
  roomUrl,
  scaled,
  startServer,
  terminateAllClients,
  uniqueRoom,
} from './helpers.mjs';

// Sanitizer builds are several times slower; fewer attackers still cover the path.
const ATTACKERS = isSanitizerBuild() ? 25 : 100;
const BURST_MESSAGES = 4000; // more than the default --msg-burst (2000)
const HEALTH_POLL_MS = 50;

const openFiles = (pid) => fs.readdirSync(`/proc/${pid}/fd`).length;

/** /healthz's connection count, minus the request asking (it is a connection too). */
async function connectionCount(server) {
  const response = await httpRequest(server.port, 'GET', '/healthz');
  return JSON.parse(response.body.toString()).connections - 1;
}

/**
 * Polls until the server holds `connections` connections and `files` open files, or fails
 * after `ms` with the last values seen. The server has no event for "forgot a connection";
 * polling /healthz is how an operator would see it too.
 */
async function waitForBaseline(server, { connections, files }, ms = scaled(15_000)) {
  const deadline = Date.now() + ms;
  let seen;
  for (;;) {
    seen = { connections: await connectionCount(server), files: openFiles(server.pid) };
    if (seen.connections === connections && seen.files === files) return;
    if (Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, HEALTH_POLL_MS));
  }
  assert.deepEqual(seen, { connections, files }, `not back to baseline after ${ms} ms`);
}

async function baselineOf(server) {
  return { connections: await connectionCount(server), files: openFiles(server.pid) };
}

/** Frames for `count` small directed messages to nobody: each one earns an error reply. */
function burstFrames(count) {
  const frames = [];
  for (let i = 0; i < count; i += 1) {
    frames.push(encodeFrame(OPCODE.text, JSON.stringify({ type: 'poke', target: 'nobody', n: i })));
  }
  return Buffer.concat(frames);
}

/** Resolves once the socket has written everything given to it so far. */
const flushed = (socket) => new Promise((resolve) => socket.write('', resolve));

describe('connection aborts', { timeout: SUITE_TIMEOUT_MS }, () => {
  afterEach(() => {
    terminateAllClients();
    destroyAllRawSockets();
  });

  test(
    `${ATTACKERS} rate-limited clients that reset mid-burst leave nothing behind`,
    { timeout: TEST_TIMEOUT_MS * 2 },
    async (t) => {
      const server = await startServer();
      t.after(() => server.stop());
      const baseline = await baselineOf(server);
      const burst = burstFrames(BURST_MESSAGES);
      const room = uniqueRoom('burst');

      // In parallel, as an attacker would; half of them also stop reading (their replies back
      // up), half read everything.
      await Promise.all(
        Array.from({ length: ATTACKERS }, async (_, i) => {
          const raw = await openRawWebSocket(server.port, `/?room=${room}`, { label: `a${i}` });
          if (i % 2 === 0) raw.pause();
          raw.sendJson({ type: 'username', name: `a${i}` });
          raw.writeRaw(burst);
          await flushed(raw.socket);
          // The server is now past the burst allowance, waiting on the rate limiter with most
          // of the burst unread.
          await new Promise((resolve) => setTimeout(resolve, 100));
          raw.socket.resetAndDestroy();
        }),
      );
      await waitForBaseline(server, baseline);
      // And the server still serves.
      const witness = await register(roomUrl(server, uniqueRoom('after')), 'witness');
      await expectChatRoundTrip(witness);
      await witness.close();
    },
  );

  // A seeded random sequence of ways to die, all at once: whatever the mix, the counts return.
  test('after any sequence of client aborts, connections and fds return to baseline', {
    timeout: TEST_TIMEOUT_MS * 2,
  }, async (t) => {
    // A low limit, so that a small burst already parks a session on the rate limiter.
    const server = await startServer(['--max-msg-rate', '200', '--msg-burst', '20']);
    t.after(() => server.stop());
    const room = uniqueRoom('aborts');
    // A member of the room that stays: broadcasts reach it, and it must keep working.
    const witness = await register(roomUrl(server, room), 'witness');
    const baseline = await baselineOf(server);

    const end = (socket, how) => (how === 'reset' ? socket.resetAndDestroy() : socket.end());
    const ways = {
      // TCP only, or half an HTTP request.
      async tcpOnly(how) {
        end(await connectTcp(server.port), how);
      },
      async halfRequest(how) {
        const socket = await connectTcp(server.port);
        socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: ');
        await flushed(socket);
        end(socket, how);
      },
      // A WebSocket at every stage of its life.
      async upgraded(how) {
        end((await openRawWebSocket(server.port, `/?room=${room}`)).socket, how);
      },
      async registered(how) {
        const raw = await openRawWebSocket(server.port, `/?room=${room}`);
        raw.sendJson({ type: 'username', name: 'r' });
        await raw.next('userlist');
        end(raw.socket, how);
      },
      async halfFrame(how) {
        const raw = await openRawWebSocket(server.port, `/?room=${room}`);
        const frame = encodeFrame(OPCODE.text, JSON.stringify({ type: 'x', pad: 'p'.repeat(900) }));
        raw.writeRaw(frame.subarray(0, 300));
        await flushed(raw.socket);
        end(raw.socket, how);
      },
      async throttledBurst(how) {
        const raw = await openRawWebSocket(server.port, `/?room=${room}`);
        raw.sendJson({ type: 'username', name: 'b' });
        raw.writeRaw(burstFrames(400));
        // The first replies prove the server is working through the burst.
        await raw.next((m) => m.type === 'error');
        end(raw.socket, how);
      },
      async blockedWriter(how) {
        // Chat to the room while not reading: the server's writes to us back up.
        const raw = await openRawWebSocket(server.port, `/?room=${room}`);
        raw.pause();
        raw.sendJson({ type: 'username', name: 'w' });
        const line = { type: 'message', text: 'w'.repeat(1500) };
        const frames = Array.from({ length: 300 }, () => encodeFrame(OPCODE.text, JSON.stringify(line)));
        raw.writeRaw(Buffer.concat(frames));
        await flushed(raw.socket);
        await new Promise((resolve) => setTimeout(resolve, 20));
        end(raw.socket, how);
      },
    };

    // xorshift32: the same sequence on every run, so a failure can be replayed.
    let state = 0x9e3779b9;
    const random = () => {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      return (state >>> 0) / 2 ** 32;
    };
    const names = Object.keys(ways);
    const plan = Array.from({ length: 120 }, () => ({
      way: names[Math.floor(random() * names.length)],
      how: random() < 0.7 ? 'reset' : 'fin',
    }));
    // Eight at a time, so that different kinds of death overlap.
    for (let at = 0; at < plan.length; at += 8) {
      await Promise.all(plan.slice(at, at + 8).map(({ way, how }) => ways[way](how)));
    }
    await waitForBaseline(server, baseline, LONG_WAIT_MS);
    await expectChatRoundTrip(witness);
    await witness.close();
  });
});
