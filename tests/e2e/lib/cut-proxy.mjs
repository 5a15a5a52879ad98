// A TCP proxy between the browsers and the server that can lose the network on command: cutAll()
// resets every connection through it at once (RST both ways: no WebSocket close frame, no
// goodbye), which is what a Wi-Fi hand-over or a NAT that forgot us looks like to both ends.
// hold() keeps what is in flight from arriving (read, kept, not passed on), so a test can be
// sure that a message was lost with the cut, in either direction, rather than hope for it;
// release() lets it through, the connections older than the hold first if need be.
// Pages load through it (`proxy.url`), so the client's WebSocket, derived from location.host,
// goes through it too. Listens on 127.0.0.1, port chosen by the kernel.

import net from 'node:net';
import { within } from './server.mjs';
import { PROCESS_MS } from './timeouts.mjs';

/**
 * @param {number} targetPort the server's port on 127.0.0.1
 * @returns {Promise<{ port: number, url: string, connections: number, cuts: number,
 *   cutAll(): number, hold(directions?: { toServer?: boolean, toClient?: boolean }): void,
 *   release(options?: { newer?: boolean }): void, close(): Promise<void> }>}
 */
export async function startCutProxy(targetPort) {
  const pairs = new Set(); // { client, upstream, holding, held, newer }
  const holding = { toServer: false, toClient: false }; // what new connections start with
  let cuts = 0;

  /** Passes `from`'s data to `to`, or keeps it while `direction` is held. */
  const forward = (pair, from, to, direction) => {
    from.on('data', (chunk) => {
      if (pair.holding[direction] || pair.held[direction].length > 0) {
        pair.held[direction].push(chunk);
      } else {
        to.write(chunk);
      }
    });
  };

  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    const pair = {
      client,
      upstream,
      holding: { ...holding },
      held: { toServer: [], toClient: [] },
      newer: holding.toServer || holding.toClient, // opened during a hold
    };
    pairs.add(pair);
    forward(pair, client, upstream, 'toServer');
    forward(pair, upstream, client, 'toClient');
    // A side that finishes (a browser or the server closing) finishes the other after what
    // it still has to write; a side that fails (a reset) takes the other with it at once.
    for (const [socket, other] of [
      [client, upstream],
      [upstream, client],
    ]) {
      socket.on('end', () => other.end());
      socket.on('error', () => {
        pairs.delete(pair);
        other.destroy();
      });
      socket.on('close', () => {
        pairs.delete(pair);
        other.end();
      });
    }
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();

  const proxy = {
    port,
    url: `http://127.0.0.1:${port}`,
    /** Connections open through the proxy right now (pages' HTTP ones included). */
    get connections() {
      return pairs.size;
    },
    /** How many connections cutAll() has reset so far. */
    get cuts() {
      return cuts;
    },
    /** Resets every connection through the proxy, both sides, dropping what was held. */
    cutAll() {
      const cut = pairs.size;
      for (const pair of [...pairs]) {
        pairs.delete(pair);
        for (const socket of [pair.client, pair.upstream]) {
          socket.removeAllListeners('data');
          socket.on('error', () => {}); // a reset socket may still report one
          socket.resetAndDestroy();
        }
      }
      cuts += cut;
      return cut;
    },
    /**
     * From now on, data in these directions (new connections' too) is kept, not delivered. A
     * side that closes meanwhile closes the other at once: what was held for it is lost.
     */
    hold({ toServer = true, toClient = true } = {}) {
      for (const state of [holding, ...[...pairs].map((pair) => pair.holding)]) {
        state.toServer ||= toServer;
        state.toClient ||= toClient;
      }
    },
    /**
     * Delivers what was held, in order, and passes everything on again. `newer: false`: only on
     * the connections opened before the hold; those opened during it (and new ones) stay held.
     */
    release({ newer = true } = {}) {
      for (const pair of pairs) {
        if (pair.newer && !newer) continue;
        pair.holding = { toServer: false, toClient: false };
        pair.newer = false;
        for (const chunk of pair.held.toServer.splice(0)) pair.upstream.write(chunk);
        for (const chunk of pair.held.toClient.splice(0)) pair.client.write(chunk);
      }
      if (newer) Object.assign(holding, { toServer: false, toClient: false });
    },
    /** Stops listening and resets whatever is still connected. */
    async close() {
      const closed = new Promise((resolve) => server.close(resolve));
      proxy.cutAll();
      if ((await within(closed.then(() => true), PROCESS_MS)) === null) {
        throw new Error(`cut proxy on port ${port} still listening ${PROCESS_MS} ms after close`);
      }
    },
  };
  return proxy;
}
