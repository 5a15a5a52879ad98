// A call relayed through a real coturn: the server hands each client a TURN credential in its
// `config` message (--turn-secret, --turn-url: coturn's REST API), both pages run with ?relay=1
// (every RTCPeerConnection uses iceTransportPolicy 'relay'), and the call must then connect
// through coturn's relayed addresses alone: media flows both ways, and on each side getStats()
// shows the selected candidate pair is relay to relay.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { startCoturn } from '../integration/coturn.mjs';
import { hangUp, ringAndAccept } from './lib/flows.mjs';
import { expectMediaFlowing } from './lib/media.mjs';
import { scenario } from './lib/scene.mjs';
import { MEDIA_MS } from './lib/timeouts.mjs';

const TURN_SECRET = 'coturn-secret-for-the-relay-e2e-test';

// How often getStats() is read while waiting for ICE to select a pair (a polling period: the
// wait ends as soon as a pair is selected).
const SAMPLE_EVERY_MS = 200;

/** coturn's REST API password for `username`: what the server must have handed out. */
const restPassword = (username) =>
  crypto.createHmac('sha1', TURN_SECRET).update(username).digest('base64');

/**
 * The ICE side of `client`'s call from getStats(): the pair the transport selected (with its two
 * candidates) once DTLS is up, or null; and the candidates getStats() reports (Chromium drops
 * those of pairs it has pruned, so this is not everything ever gathered).
 */
async function iceState(client) {
  return client.page.evaluate(async () => {
    const pc = window.__switchboard?.pc?.();
    if (!pc) return { pc: null, selected: null, candidates: [] };
    const stats = await pc.getStats();
    const candidate = (report) =>
      report && {
        id: report.id,
        candidateType: report.candidateType,
        protocol: report.protocol,
        relayProtocol: report.relayProtocol,
        address: report.address,
        port: report.port,
        url: report.url,
      };
    const candidates = [];
    let transport = null;
    stats.forEach((report) => {
      if (report.type === 'transport') transport = report;
      if (report.type === 'local-candidate' || report.type === 'remote-candidate') {
        candidates.push({ side: report.type, ...candidate(report) });
      }
    });
    const pair = transport?.selectedCandidatePairId
      ? stats.get(transport.selectedCandidatePairId)
      : null;
    const selected =
      pair && transport.dtlsState === 'connected'
        ? {
            id: pair.id,
            state: pair.state,
            nominated: pair.nominated,
            bytesSent: pair.bytesSent,
            bytesReceived: pair.bytesReceived,
            local: candidate(stats.get(pair.localCandidateId)),
            remote: candidate(stats.get(pair.remoteCandidateId)),
          }
        : null;
    return {
      pc: { connection: pc.connectionState, ice: pc.iceConnectionState },
      dtls: transport?.dtlsState ?? null,
      selected,
      candidates,
    };
  });
}

const address = (end) => end && `${end.address}:${end.port}`;

/**
 * Waits (bounded) until both ends of the call agree on the pair ICE selected: on each side the
 * transport has a succeeded pair, and each one's local address is the other's remote address
 * (a controlled agent may use one pair for a moment before the controlling one's nomination
 * lands). Returns both iceStates. Says nothing about candidate types: that is asserted after.
 */
async function agreedPairs(a, b, { timeout = MEDIA_MS } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const states = await Promise.all([a, b].map((client) => iceState(client)));
    const [sa, sb] = states.map((state) => state.selected);
    const ready = [sa, sb].every((selected) => selected?.state === 'succeeded');
    if (
      ready &&
      address(sa.local) === address(sb.remote) &&
      address(sb.local) === address(sa.remote)
    ) {
      return states;
    }
    if (Date.now() > deadline) {
      const report = [a, b].map((client, i) => {
        const { candidates } = states[i];
        const relayed = candidates.filter((c) => c.candidateType === 'relay').length;
        return (
          `${client.label}: ${relayed} relay candidates of ${candidates.length}: ` +
          JSON.stringify(states[i])
        );
      });
      throw new Error(
        `no candidate pair selected and agreed on by both sides within ${timeout} ms\n` +
          report.join('\n'),
      );
    }
    await new Promise((resolve) => setTimeout(resolve, SAMPLE_EVERY_MS));
  }
}

/**
 * The selected pair of `client` is relay on both ends, relayed by `coturn`, the local end
 * allocated through one of `turnUrls`; returns the pair.
 */
function assertRelayPair(client, state, coturn, turnUrls) {
  const { selected } = state;
  const why = `${client.label}: ${JSON.stringify(state)}`;
  assert.equal(selected.local?.candidateType, 'relay', `local candidate not relay: ${why}`);
  assert.equal(selected.remote?.candidateType, 'relay', `remote candidate not relay: ${why}`);
  // Both relayed addresses are coturn's (loopback, a port of its relay range), and the local one
  // was allocated on the TURN server the config message named.
  for (const end of [selected.local, selected.remote]) {
    assert.equal(end.address, '127.0.0.1', why);
    assert.ok(end.port >= coturn.relayPorts.min && end.port <= coturn.relayPorts.max, why);
  }
  assert.ok(turnUrls.includes(selected.local.url), `local candidate not from ${turnUrls}: ${why}`);
  return selected;
}

scenario('a call relayed by coturn: ?relay=1, media both ways, relay pairs', async (scene, t) => {
  const coturn = await startCoturn({ secret: TURN_SECRET });
  // After the scene's teardown (browsers and server gone), also when the test failed.
  t.after(() => coturn.stop());
  scene.attachLog('coturn', coturn.logLines);
  const turnUrls = [
    `turn:127.0.0.1:${coturn.port}?transport=udp`,
    `turn:127.0.0.1:${coturn.port}?transport=tcp`,
  ];
  const server = await scene.server({
    args: ['--turn-secret', TURN_SECRET, ...turnUrls.flatMap((url) => ['--turn-url', url])],
  });

  const ana = await scene.user('ana', server, { params: { relay: '1' } });
  const bob = await scene.user('bob', server, { params: { relay: '1' } });
  // The config message each page received, off the wire (the client opens its socket at login).
  const configs = new Map();
  for (const client of [ana, bob]) {
    client.page.on('websocket', (socket) =>
      socket.on('framereceived', ({ payload }) => {
        try {
          const message = JSON.parse(payload);
          if (message.type === 'config') configs.set(client, message);
        } catch {
          // not JSON: not ours to check here
        }
      }),
    );
  }
  await ana.login('ana');
  await bob.login('bob');
  await Promise.all([ana.expectListed('bob'), bob.expectListed('ana')]);

  await ringAndAccept(ana, bob);
  // ICE selected a pair, and on both sides it is coturn's relay to coturn's relay.
  const states = await agreedPairs(ana, bob);
  [ana, bob].forEach((client, i) => {
    const { local, remote } = assertRelayPair(client, states[i], coturn, turnUrls);
    t.diagnostic(
      `${client.label}: relay ${address(local)} (to coturn over ${local.relayProtocol}) -> ` +
        `relay ${address(remote)}`,
    );
  });

  await expectMediaFlowing(ana, bob);
  // Media went over a relayed pair: the one selected now (ICE may have moved to another one
  // meanwhile, e.g. from TURN over TCP to TURN over UDP) is still relay to relay and carried
  // bytes both ways, and no candidate but a relayed one exists (?relay=1's policy).
  for (const client of [ana, bob]) {
    const state = await iceState(client);
    const why = `${client.label}: ${JSON.stringify(state)}`;
    assert.equal(state.selected?.state, 'succeeded', why);
    const selected = assertRelayPair(client, state, coturn, turnUrls);
    assert.ok(selected.bytesSent > 0 && selected.bytesReceived > 0, why);
    const local = state.candidates.filter((c) => c.side === 'local-candidate');
    assert.ok(local.every((c) => c.candidateType === 'relay'), why);
  }
  const shots = await scene.screenshot('live-call', [ana, bob]);
  t.diagnostic(`screenshots: ${shots.join(', ')}`);

  // What the peer connection was built with is the config message's TURN entry: coturn's REST
  // API credential for these URLs, and the relay-only policy of ?relay=1.
  const usernames = new Set();
  for (const client of [ana, bob]) {
    const config = configs.get(client);
    assert.ok(config, `${client.label}: no config message seen`);
    const turn = config.iceServers.find((server) => 'username' in server);
    assert.ok(turn, `${client.label}: no TURN entry in ${JSON.stringify(config)}`);
    assert.deepEqual(turn.urls, turnUrls);
    assert.match(turn.username, /^\d+:.+$/);
    assert.equal(turn.credential, restPassword(turn.username));
    usernames.add(turn.username);

    const used = await client.page.evaluate(() => {
      const { iceServers, iceTransportPolicy } = window.__switchboard.pc().getConfiguration();
      return { iceServers, iceTransportPolicy };
    });
    assert.equal(used.iceTransportPolicy, 'relay', client.label);
    const usedTurn = used.iceServers.find((server) => server.username);
    assert.ok(usedTurn, `${client.label}: no TURN server in ${JSON.stringify(used)}`);
    assert.deepEqual(
      { urls: usedTurn.urls, username: usedTurn.username, credential: usedTurn.credential },
      { urls: turn.urls, username: turn.username, credential: turn.credential },
      client.label,
    );
  }
  assert.equal(usernames.size, 2, `each connection has its own credential: ${[...usernames]}`);

  await hangUp(ana, bob);
});
