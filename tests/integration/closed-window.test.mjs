// A client whose TCP receive window stays closed for minutes (it reads nothing, its socket is
// open: a phone in a tunnel, a frozen tab): what is sent to it waits in bounded memory, the
// room goes on as if it were not there, and once it reads again it gets everything, in order.
// Runs for two minutes on the release build, a quarter of that under the sanitizers.

import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { after, afterEach, describe, test } from 'node:test';
import {
  LONG_WAIT_MS,
  SUITE_TIMEOUT_MS,
  destroyAllRawSockets,
  isSanitizerBuild,
  openRawWebSocket,
  readMemory,
  register,
  scaled,
  startServer,
  terminateAllClients,
  uniqueRoom,
} from './helpers.mjs';

const MiB = 1024 * 1024;
const STALL_MS = Number(process.env.SWITCHBOARD_STALL_MS ?? (isSanitizerBuild() ? 30_000 : 120_000));
// Five 1 KiB messages a second for it: 600 KiB over two minutes, within the kernel's buffers
// and the 4 MiB send queue, so it is never dropped as a slow reader.
const RATE_PER_S = 5;
const PAD = 'p'.repeat(1024);

describe('a closed receive window', { timeout: SUITE_TIMEOUT_MS + STALL_MS }, () => {
  let server;
  afterEach(() => {
    terminateAllClients();
    destroyAllRawSockets();
  });
  after(() => server?.stop());

  test(
    `closed for ${STALL_MS / 1000} s: bounded memory, the others unaffected, nothing lost once it reads`,
    { timeout: STALL_MS + scaled(120_000) },
    async (t) => {
      // Idle timeout past the stall: the server's pings go unanswered all that time.
      server = await startServer(['--idle-timeout', String(Math.ceil(STALL_MS / 1000) * 2)]);
      const room = uniqueRoom('window');
      const url = `${server.url}/?room=${room}`;
      const sender = await register(url, 'sender');
      const cy = await register(url, 'cy');
      const dee = await register(url, 'dee');
      const slow = await openRawWebSocket(server.port, `/?room=${room}`, {
        label: 'slow',
        autoPong: false,
      });
      await slow.next('id');
      slow.sendJson({ type: 'username', name: 'slow', capabilities: ['resume'] });
      await slow.next((m) => m.type === 'userlist' && m.users.includes('slow'));
      slow.pause();
      const baseline = readMemory(server.pid).rss;

      let peak = baseline;
      let sent = 0;
      let roundTrips = 0;
      const started = Date.now();
      // Paced load (bounded in count and time): messages for the stalled client, and the other
      // two chatting and relaying to each other the whole time.
      while (Date.now() - started < STALL_MS) {
        sender.send({ type: 'note', target: 'slow', seq: sent, pad: PAD });
        sent += 1;
        cy.send({ type: 'note', target: 'dee', seq: roundTrips });
        const got = await dee.next((m) => m.type === 'note' && m.seq === roundTrips);
        assert.equal(got.name, 'cy');
        roundTrips += 1;
        peak = Math.max(peak, readMemory(server.pid).rss);
        await delay(1000 / RATE_PER_S);
      }
      assert.ok(!sender.history.some((m) => m.type === 'error'), 'a note for slow was refused');
      t.diagnostic(
        `${sent} messages waited for the stalled client; ${roundTrips} round trips between the ` +
          `others; server RSS ${(baseline / MiB).toFixed(1)} -> peak ${(peak / MiB).toFixed(1)} MiB`,
      );
      // What waits is bounded by its send queue (4 MiB) and held once: far under this.
      assert.ok(peak - baseline < 24 * MiB, `RSS grew by ${((peak - baseline) / MiB).toFixed(1)} MiB`);

      slow.resume();
      const seqs = [];
      while (seqs.length < sent) {
        const note = await slow.next('note', { timeoutMs: LONG_WAIT_MS });
        seqs.push(note.seq);
      }
      assert.deepEqual(seqs, Array.from({ length: sent }, (_, i) => i));
    },
  );
});
