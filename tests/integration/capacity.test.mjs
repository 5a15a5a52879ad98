// The server at its connection limit (issue 8, finding 4): with fewer open files than
// --max-connections wanted, new clients hung unanswered, /healthz timed out and the log filled
// with accept-failed. Now the limit follows the open-file limit, clients past it get 503 with
// Retry-After, and /healthz is still answered (docs/protocol.md, "Connecting").

import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import {
  LONG_WAIT_MS,
  TEST_TIMEOUT_MS,
  WAIT_MS,
  destroyAllRawSockets,
  httpRequest,
  openRawWebSocket,
  rawHttpRequest,
  startServer,
} from './helpers.mjs';

// Small enough to fill quickly; the server is started under this open-file limit.
const OPEN_FILES = 200;
const EXTRA_CLIENTS = 60; // more than the server's over-capacity reserve (32)

/** The limit the server chose (a server that logs none is taken to hold what the files allow). */
function loggedMaxConnections(server) {
  const line = server.stderrLines.find((l) => l.includes('event=listening'));
  return Number(/\bmax_connections=(\d+)/.exec(line)?.[1] ?? OPEN_FILES - 100);
}

/** One WebSocket upgrade written by hand: the status line and headers of the answer. */
async function tryUpgrade(port) {
  const key = Buffer.from(`k${Math.random()}`.padEnd(16, '.').slice(0, 16)).toString('base64');
  return rawHttpRequest(
    port,
    `GET /?room=full HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
}

describe('at the connection limit', { timeout: LONG_WAIT_MS }, () => {
  afterEach(destroyAllRawSockets);

  test(
    'past the limit clients get 503 with Retry-After, /healthz still answers, nothing hangs',
    { timeout: TEST_TIMEOUT_MS },
    async (t) => {
      const server = await startServer([], { launcher: ['prlimit', `--nofile=${OPEN_FILES}`, '--'] });
      t.after(() => server.stop());
      const max = loggedMaxConnections(server);
      assert.ok(max > 0 && max < OPEN_FILES, `max_connections=${max} with ${OPEN_FILES} files`);

      const held = [];
      for (let i = 0; i < max; i += 1) held.push(await openRawWebSocket(server.port, '/?room=full'));

      // All at once: more than the over-capacity reserve, so some wait in the backlog.
      const answers = await Promise.all(
        Array.from({ length: EXTRA_CLIENTS }, () => tryUpgrade(server.port)),
      );
      for (const answer of answers) {
        assert.equal(answer.status, 503);
        assert.ok(Number(answer.headers['retry-after']) > 0, 'no Retry-After');
      }
      const health = await httpRequest(server.port, 'GET', '/healthz');
      assert.equal(health.status, 200);
      assert.ok(JSON.parse(health.body.toString()).connections >= max);
      // Descriptors never ran out: accept() never failed.
      assert.deepEqual(
        server.stderrLines.filter((l) => l.includes('event=accept-failed')),
        [],
      );

      // A place frees up: the next client gets in.
      held.pop().destroy();
      const deadline = Date.now() + WAIT_MS;
      let upgraded;
      while (!upgraded && Date.now() < deadline) {
        upgraded = await openRawWebSocket(server.port, '/?room=full').catch((error) => {
          if (error.statusCode !== 503) throw error;
          return null; // the closed one is not gone yet
        });
      }
      assert.ok(upgraded, 'no client got in after a connection closed');
    },
  );

  test('a --max-connections the open-file limit cannot hold is lowered, with a warning', {
    timeout: TEST_TIMEOUT_MS,
  }, async (t) => {
    const server = await startServer(['--max-connections', '100000'], {
      launcher: ['prlimit', `--nofile=${OPEN_FILES}`, '--'],
    });
    t.after(() => server.stop());
    assert.ok(loggedMaxConnections(server) < OPEN_FILES);
    assert.ok(server.stderrLines.some((l) => l.includes('event=max-connections-lowered')));
  });
});
