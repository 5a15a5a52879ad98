// A call over TLS: the server runs with a certificate from scripts/dev-cert.sh, the pages load
// from https://127.0.0.1:<port>/ and signal over wss://, and Chromium accepts the certificate
// through its SPKI hash (--ignore-certificate-errors-spki-list) rather than a trusted CA.

import assert from 'node:assert/strict';
import { makeTestCertificates } from '../integration/tls-certs.mjs';
import { callAndAccept, hangUp } from './lib/flows.mjs';
import { scenario } from './lib/scene.mjs';

// Made before the test, since the browser's flags need the certificate's hash; removed after it
// (or, if it never runs, when the process exits).
const certificates = await makeTestCertificates();

scenario(
  'over https:// and wss://: two users call, media flows both ways, hang up',
  async (scene, t) => {
    t.after(() => certificates.remove());
    const server = await scene.server({ tls: certificates });
    assert.match(server.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.ok(server.log.some((line) => line.includes(`event=tls serial=${certificates.serial}`)));

    const ana = await scene.user('ana', server);
    const bob = await scene.user('bob', server);
    const signalingUrls = [];
    for (const client of [ana, bob]) {
      const page = await client.page.evaluate(() => ({
        protocol: location.protocol,
        secure: window.isSecureContext,
      }));
      assert.deepEqual(page, { protocol: 'https:', secure: true }, client.label);
      // The client opens its WebSocket when it logs in.
      client.page.on('websocket', (socket) => signalingUrls.push(socket.url()));
    }
    await ana.login('ana');
    await bob.login('bob');
    await Promise.all([ana.expectListed('bob'), bob.expectListed('ana')]);
    assert.ok(signalingUrls.length >= 2, `signaling sockets: ${signalingUrls}`);
    const wss = new RegExp(`^wss://127\\.0\\.0\\.1:${server.port}/`);
    for (const url of signalingUrls) assert.match(url, wss);

    await callAndAccept(ana, bob);
    const shots = await scene.screenshot('live-call', [ana, bob]);
    t.diagnostic(`screenshots: ${shots.join(', ')}`);
    await hangUp(ana, bob);
  },
  { browserArgs: [`--ignore-certificate-errors-spki-list=${certificates.spki}`] },
);
