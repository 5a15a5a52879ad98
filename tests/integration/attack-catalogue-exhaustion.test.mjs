// The attack catalogue of the security review (issue 8), connection exhaustion group: idle and
// half-sent TCP connections that vanish, rate-limited clients that reset mid-burst.
// Each case is an `attack`: around it, attack-catalogue/harness.mjs checks that the server is
// alive and answers /healthz, that its two witnesses have lost or reordered nothing and that no
// sanitizer has spoken; after the group, connections and open files are back to baseline.

import assert from 'node:assert/strict';
import {
  LONG_WAIT_MS,
  OPCODE,
  TEST_TIMEOUT_MS,
  encodeFrame,
  isSanitizerBuild,
  uniqueRoom,
} from './helpers.mjs';
import {
  HOST,
  attack,
  baseline,
  catalogueGroup,
  connectionCount,
  flushed,
  rawClient,
  tcp,
  waitForBaseline,
} from './attack-catalogue/harness.mjs';

// Flood sizes: each one past the limit it tests, bounded in count.
const IDLE_SOCKETS = 300;
// Sanitizer builds are several times slower; fewer resetting clients still cover the path.
const RESETTERS = isSanitizerBuild() ? 25 : 100;
const RESET_BURST = 4000; // more than the message burst: the server is rate-limiting each one

catalogueGroup('connection exhaustion', () => {
  attack(
    `${IDLE_SOCKETS} TCP connections that send nothing or half a request, then vanish`,
    async () => {
      const sockets = [];
      while (sockets.length < IDLE_SOCKETS) {
        const batch = Math.min(50, IDLE_SOCKETS - sockets.length);
        sockets.push(...(await Promise.all(Array.from({ length: batch }, tcp))));
      }
      const halves = sockets.filter((_, i) => i % 2 === 1);
      for (const socket of halves) socket.write(`GET / HTTP/1.1\r\n${HOST}X-Half: `);
      await Promise.all(halves.map(flushed));
      assert.ok((await connectionCount()) > baseline.connections, 'the server saw none of them');
      sockets.forEach((socket, i) => (i % 4 < 2 ? socket.resetAndDestroy() : socket.destroy()));
      await waitForBaseline();
    },
  );

  attack(
    `${RESETTERS} rate-limited clients that reset mid-burst leave no connection or file behind`,
    async () => {
      const room = uniqueRoom('resetters');
      const burst = Buffer.concat(
        Array.from({ length: RESET_BURST }, (_, n) =>
          encodeFrame(OPCODE.text, JSON.stringify({ type: 'poke', target: 'nobody', n })),
        ),
      );
      await Promise.all(
        Array.from({ length: RESETTERS }, async (_, i) => {
          const raw = await rawClient({ room, label: `r${i}` });
          raw.sendJson({ type: 'username', name: `r${i}` });
          raw.writeRaw(burst);
          await raw.next((m) => m.type === 'error' && m.code === 'unknown-target');
          raw.socket.resetAndDestroy();
        }),
      );
      await waitForBaseline(LONG_WAIT_MS);
    },
    { timeout: TEST_TIMEOUT_MS * 2 },
  );
});
