// TLS on the one port (--tls-cert, --tls-key): https:// and wss:// with ECDSA and RSA
// certificates, TLS 1.2 and 1.3 only, plain HTTP redirected (or served, --tls-allow-plain),
// HSTS for host names only, SIGHUP reloading the certificate under load, refusal to start on
// bad files, the handshake timeout, and shutdown. Certificates come from scripts/dev-cert.sh
// (tls-certs.mjs), so that script is tested here too.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, afterEach, before, describe, test } from 'node:test';
import {
  SUITE_TIMEOUT_MS,
  TEST_TIMEOUT_MS,
  WAIT_MS,
  connect,
  connectTcp,
  destroyAllRawSockets,
  destroyAllTlsSockets,
  expectChatRoundTrip,
  handshakeStatus,
  httpRequest,
  httpsRequest,
  makeTestCertificates,
  rawHttpRequest,
  register,
  scaled,
  servedSerial,
  startServer,
  terminateAllClients,
  tlsConnect,
  uniqueRoom,
  waitForUserlist,
  withTimeout,
} from './helpers.mjs';

const HSTS = 'max-age=31536000';
// Process exit is not instant (sanitizer builds run leak checks at exit).
const EXIT_SLACK_MS = scaled(1_500);

const total = (counts) => counts.reduce((sum, count) => sum + count, 0);
const wssUrl = (server, room) => `wss://127.0.0.1:${server.port}/?room=${room}`;
const wsUrl = (server, room) => `ws://127.0.0.1:${server.port}/?room=${room}`;
// The TLSSocket under a wss:// TestClient (where the `ws` package keeps it).
const tlsSocketOf = (client) => client.ws._socket;

/** Writes one HTTP request on an open (TLS) socket and resolves with the status line. */
function statusLineOver(socket, target) {
  return new Promise((resolve, reject) => {
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk) => {
      text += chunk;
      const end = text.indexOf('\r\n');
      if (end !== -1) resolve(text.slice(0, end));
    });
    socket.once('close', () => reject(new Error(`closed before a status line: ${text}`)));
    socket.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
  });
}

describe('TLS', { timeout: SUITE_TIMEOUT_MS }, () => {
  let ecdsa; // ECDSA P-256, also valid for switchboard.test (the HSTS case)
  let rsa; // RSA-2048
  before(async () => {
    [ecdsa, rsa] = await Promise.all([
      makeTestCertificates({ hosts: ['switchboard.test'] }),
      makeTestCertificates({ rsa: true }),
    ]);
  });
  after(() => {
    ecdsa?.remove();
    rsa?.remove();
  });
  afterEach(() => {
    terminateAllClients();
    destroyAllTlsSockets();
    destroyAllRawSockets();
  });

  /** A server on `certificates`, stopped (by PID) after the test `t`. */
  async function tlsServer(t, certificates, extraArgs = []) {
    const server = await startServer([...certificates.serverArgs, ...extraArgs]);
    t.after(() => server.stop());
    return server;
  }

  test('dev-cert.sh makes what it promises', { timeout: TEST_TIMEOUT_MS }, () => {
    for (const [certificates, type, details] of [
      [ecdsa, 'ec', { namedCurve: 'prime256v1' }],
      [rsa, 'rsa', { modulusLength: 2048 }],
    ]) {
      const cert = new crypto.X509Certificate(fs.readFileSync(certificates.certFile));
      const ca = new crypto.X509Certificate(certificates.ca);
      assert.ok(cert.verify(ca.publicKey) && cert.checkIssued(ca), 'signed by ca.pem');
      assert.ok(ca.ca && !cert.ca, 'a CA and a leaf');
      assert.equal(cert.publicKey.asymmetricKeyType, type);
      for (const [key, value] of Object.entries(details)) {
        assert.equal(cert.publicKey.asymmetricKeyDetails[key], value, key);
      }
      const key = crypto.createPrivateKey(fs.readFileSync(certificates.keyFile));
      assert.ok(cert.checkPrivateKey(key), 'key.pem is the key of cert.pem');
      assert.equal(cert.serialNumber.toUpperCase(), certificates.serial, 'the serial it printed');
      const spki = cert.publicKey.export({ type: 'spki', format: 'der' });
      const spkiHash = crypto.createHash('sha256').update(spki).digest('base64');
      assert.equal(spkiHash, certificates.spki, 'the SPKI hash it printed');
      const sans = cert.subjectAltName.split(', ');
      for (const san of ['DNS:localhost', 'IP Address:127.0.0.1', 'IP Address:0:0:0:0:0:0:0:1']) {
        assert.ok(sans.includes(san), `${san} in ${cert.subjectAltName}`);
      }
      assert.equal(sans.includes('DNS:switchboard.test'), certificates === ecdsa, '--host');
      const daysLeft = (Date.parse(cert.validTo) - Date.now()) / 86_400_000;
      assert.ok(daysLeft > 29 && daysLeft <= 30, `valid for ${daysLeft} days`);
      assert.match(cert.keyUsage?.join() ?? '', /1\.3\.6\.1\.5\.5\.7\.3\.1/, 'serverAuth');
      const keyMode = fs.statSync(certificates.keyFile).mode & 0o777;
      assert.equal(keyMode & 0o077, 0, `key.pem mode ${keyMode.toString(8)}`);
    }
    assert.match(ecdsa.stdout, /--tls-cert \S+cert\.pem --tls-key \S+key\.pem/);
  });

  for (const [kind, certificates] of [
    ['ECDSA P-256', () => ecdsa],
    ['RSA-2048', () => rsa],
  ]) {
    test(
      `${kind}: wss:// register, directed relay and chat; https:// GET / and /healthz`,
      { timeout: TEST_TIMEOUT_MS },
      async (t) => {
        const { ca } = certificates();
        const server = await tlsServer(t, certificates());
        await server.waitForLog(`event=tls serial=${certificates().serial}`);

        const url = wssUrl(server, uniqueRoom('tls'));
        const ana = await register(url, 'ana', { ca });
        const bob = await register(url, 'bob', { ca });
        await waitForUserlist(ana, ['ana', 'bob']);
        const socket = tlsSocketOf(ana);
        assert.match(socket.getProtocol(), /^TLSv1\.[23]$/);
        const peer = socket.getPeerCertificate();
        assert.equal(peer.serialNumber.toUpperCase(), certificates().serial);
        if (kind.startsWith('RSA')) assert.equal(peer.bits, 2048);
        else assert.equal(peer.asn1Curve, 'prime256v1');

        ana.send({ type: 'video-offer', target: 'bob', sdp: 'v=0 over TLS', name: 'mallory' });
        const offer = await bob.next('video-offer');
        assert.deepEqual(offer, {
          type: 'video-offer',
          target: 'bob',
          sdp: 'v=0 over TLS',
          name: 'ana',
        });
        bob.send({ type: 'video-answer', target: 'ana', sdp: 'answer' });
        assert.equal((await ana.next('video-answer')).name, 'bob');
        await expectChatRoundTrip(ana, 'hello over wss');
        assert.equal((await bob.next('message')).text, 'hello over wss');

        const index = await httpsRequest(server.port, '/', { ca });
        assert.equal(index.status, 200);
        assert.match(index.body, /<title>switchboard/);
        const health = await httpsRequest(server.port, '/healthz', { ca });
        assert.equal(health.status, 200);
        const stats = JSON.parse(health.body);
        assert.equal(stats.status, 'ok');
        assert.equal(stats.users, 2);
      },
    );
  }

  test(
    'TLS 1.2 (ECDHE AEAD suites only) and 1.3 are spoken; 1.0 and 1.1 are refused',
    { timeout: TEST_TIMEOUT_MS },
    async (t) => {
      const server = await tlsServer(t, ecdsa);
      const { ca } = ecdsa;
      for (const version of ['TLSv1.2', 'TLSv1.3']) {
        const socket = await tlsConnect(server.port, {
          ca,
          minVersion: version,
          maxVersion: version,
          ALPNProtocols: ['h2', 'http/1.1'],
        });
        assert.equal(socket.getProtocol(), version);
        assert.equal(socket.alpnProtocol, 'http/1.1', `${version}: ALPN must not pick h2`);
        if (version === 'TLSv1.2') {
          const suite = /^ECDHE-ECDSA-(AES(128|256)-GCM-SHA(256|384)|CHACHA20-POLY1305)$/;
          assert.match(socket.getCipher().name, suite);
        }
        assert.equal(await statusLineOver(socket, '/healthz'), 'HTTP/1.1 200 OK', version);
        socket.destroy();
      }
      // CBC and static-RSA suites are not offered over TLS 1.2.
      for (const ciphers of ['ECDHE-ECDSA-AES128-SHA', 'AES128-GCM-SHA256']) {
        await assert.rejects(
          tlsConnect(server.port, { ca, maxVersion: 'TLSv1.2', ciphers }),
          /handshake failure|no shared cipher/i,
          ciphers,
        );
      }
      for (const version of ['TLSv1', 'TLSv1.1']) {
        const error = await tlsConnect(server.port, {
          ca,
          minVersion: version,
          maxVersion: version,
          // Node's OpenSSL would not offer the old versions at its default security level.
          ciphers: 'DEFAULT@SECLEVEL=0',
        }).then(
          () => null,
          (e) => e,
        );
        assert.ok(error, `${version} handshake succeeded`);
        if (error.code === 'ERR_SSL_NO_PROTOCOLS_AVAILABLE') {
          t.diagnostic(`${version}: this Node's OpenSSL will not offer it; not checked`);
          continue;
        }
        // The server's protocol_version alert, not a local refusal.
        assert.equal(error.code, 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION', `${version}: ${error}`);
      }
    },
  );

  test(
    "TLS 1.3: the server's suite order decides (AES-128 first), but a client putting ChaCha20 first gets it",
    { timeout: TEST_TIMEOUT_MS },
    async (t) => {
      const server = await tlsServer(t, ecdsa);
      const { ca } = ecdsa;
      // Node takes TLS 1.3 suites in `ciphers`, in the client's order.
      const suiteFor = async (ciphers) => {
        const socket = await tlsConnect(server.port, { ca, minVersion: 'TLSv1.3', ciphers });
        const name = socket.getCipher().standardName;
        socket.destroy();
        return name;
      };
      // Node's OpenSSL offers AES-256 first; the server picks AES-128 (a SHA-256 key schedule).
      assert.equal(
        await suiteFor('TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256'),
        'TLS_AES_128_GCM_SHA256',
      );
      // A client without AES hardware lists ChaCha20 first.
      assert.equal(
        await suiteFor('TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384'),
        'TLS_CHACHA20_POLY1305_SHA256',
      );
      // A client that offers only AES-256 still gets in.
      assert.equal(await suiteFor('TLS_AES_256_GCM_SHA384'), 'TLS_AES_256_GCM_SHA384');
    },
  );

  test(
    'no session tickets (TLS 1.2 or 1.3): every handshake is a full one',
    { timeout: TEST_TIMEOUT_MS },
    async (t) => {
      const server = await tlsServer(t, ecdsa);
      const { ca } = ecdsa;
      for (const version of ['TLSv1.2', 'TLSv1.3']) {
        const socket = await tlsConnect(server.port, { ca, minVersion: version, maxVersion: version });
        let tickets = 0;
        socket.on('session', () => (tickets += 1));
        // A TLS 1.3 ticket comes after the handshake, before any answer: once an answer is
        // here, a ticket would have been seen. A TLS 1.2 one is part of the handshake.
        assert.equal(await statusLineOver(socket, '/healthz'), 'HTTP/1.1 200 OK', version);
        assert.equal(tickets, 0, `${version}: the server sent a session ticket`);
        assert.equal(socket.getTLSTicket(), undefined, `${version}: the handshake had a ticket`);
        socket.destroy();
      }
    },
  );

  test(
    'plain HTTP on the TLS port: 308 to the https:// URL, ws:// too; a bad Host gets 400',
    { timeout: TEST_TIMEOUT_MS },
    async (t) => {
      const server = await tlsServer(t, ecdsa);
      const { port } = server;
      const redirect = await httpRequest(port, 'GET', '/some/path?x=1');
      assert.equal(redirect.status, 308);
      assert.equal(redirect.headers.location, `https://127.0.0.1:${port}/some/path?x=1`);
      assert.equal(redirect.headers.connection, 'close');
      assert.equal(redirect.headers['strict-transport-security'], undefined, 'HSTS over http://');
      const named = await rawHttpRequest(
        port,
        'HEAD /a HTTP/1.1\r\nHost: switchboard.test:8443\r\nConnection: close\r\n\r\n',
      );
      assert.equal(named.status, 308);
      assert.equal(named.headers.location, 'https://switchboard.test:8443/a');

      const room = uniqueRoom('plain');
      assert.equal(await handshakeStatus(wsUrl(server, room)), 308);
      const upgrade = await httpRequest(port, 'GET', `/?room=${room}`, {
        Upgrade: 'websocket',
        'Sec-WebSocket-Key': crypto.randomBytes(16).toString('base64'),
        'Sec-WebSocket-Version': '13',
      });
      assert.equal(upgrade.status, 308);
      assert.equal(upgrade.headers.location, `https://127.0.0.1:${port}/?room=${room}`);

      for (const host of [
        'evil.example/x',
        'user@evil.example',
        'a b',
        '127.0.0.1:443:1',
        '127.0.0.1:123456',
        '127.0.0.1:8x',
        '127.0.0.1:',
        '[::1',
        '',
      ]) {
        const request = `GET /p HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`;
        const response = await rawHttpRequest(port, request);
        assert.equal(response.status, 400, `Host: ${JSON.stringify(host)}`);
        assert.equal(response.headers.location, undefined);
      }
      const noHost = await rawHttpRequest(port, 'GET /p HTTP/1.1\r\nConnection: close\r\n\r\n');
      assert.equal(noHost.status, 400, 'no Host header');
      // Still serving TLS after all that.
      assert.equal((await httpsRequest(port, '/healthz', { ca: ecdsa.ca })).status, 200);
    },
  );

  test(
    '--tls-allow-plain: plain HTTP and ws:// are served beside https:// and wss://',
    { timeout: TEST_TIMEOUT_MS },
    async (t) => {
      const server = await tlsServer(t, ecdsa, ['--tls-allow-plain']);
      await server.waitForLog(/event=tls .*allow_plain=1/);
      const index = await httpRequest(server.port, 'GET', '/', { Host: 'switchboard.test' });
      assert.equal(index.status, 200);
      assert.equal(index.headers['strict-transport-security'], undefined, 'HSTS over http://');
      assert.equal((await httpRequest(server.port, 'GET', '/healthz')).status, 200);

      const room = uniqueRoom('mixed');
      const plain = await register(wsUrl(server, room), 'plain');
      const secure = await register(wssUrl(server, room), 'secure', { ca: ecdsa.ca });
      await waitForUserlist(plain, ['plain', 'secure']);
      plain.send({ type: 'ping-over', target: 'secure', n: 1 });
      assert.equal((await secure.next('ping-over')).name, 'plain');
      secure.send({ type: 'pong-over', target: 'plain', n: 2 });
      assert.equal((await plain.next('pong-over')).name, 'secure');
      await expectChatRoundTrip(plain);
      await expectChatRoundTrip(secure);
      assert.equal((await httpsRequest(server.port, '/', { ca: ecdsa.ca })).status, 200);
    },
  );

  test(
    'HSTS over TLS for a host name; not for 127.0.0.1, [::1] or localhost',
    { timeout: TEST_TIMEOUT_MS },
    async (t) => {
      const server = await tlsServer(t, ecdsa);
      const { port } = server;
      const { ca } = ecdsa;
      const named = { ca, servername: 'switchboard.test', host: `switchboard.test:${port}` };
      for (const [target, status, options] of [
        ['/', 200, {}],
        ['/healthz', 200, {}],
        ['/missing', 404, {}],
        ['/', 405, { method: 'POST' }],
      ]) {
        const response = await httpsRequest(port, target, { ...named, ...options });
        assert.equal(response.status, status, target);
        assert.equal(response.headers['strict-transport-security'], HSTS, `${status} ${target}`);
      }
      for (const options of [
        { ca },
        { ca, host: `127.0.0.1:${port}` },
        { ca, host: `[::1]:${port}` },
        { ca, servername: 'localhost', host: `localhost:${port}` },
        { ca, servername: 'localhost', host: 'LocalHost.' },
      ]) {
        const response = await httpsRequest(port, '/', options);
        assert.equal(response.status, 200);
        assert.equal(
          response.headers['strict-transport-security'],
          undefined,
          `Host ${options.host ?? '(default)'}`,
        );
      }
    },
  );

  test(
    'HSTS also on the WebSocket refusals and unreadable requests over TLS',
    { timeout: TEST_TIMEOUT_MS },
    async (t) => {
      const server = await tlsServer(t, ecdsa);
      const named = {
        ca: ecdsa.ca,
        servername: 'switchboard.test',
        host: `switchboard.test:${server.port}`,
      };
      const upgrade = {
        Upgrade: 'websocket',
        Connection: 'Upgrade',
        'Sec-WebSocket-Key': crypto.randomBytes(16).toString('base64'),
        'Sec-WebSocket-Version': '13',
      };
      for (const [target, headers, status] of [
        ['/?room=a%20b', upgrade, 400],
        ['/nowhere', upgrade, 404],
        ['/', { ...upgrade, 'Sec-WebSocket-Version': '12' }, 426],
        ['/', { 'Content-Length': '1', 'Transfer-Encoding': 'chunked' }, 400],
      ]) {
        const response = await httpsRequest(server.port, target, { ...named, headers });
        assert.equal(response.status, status, target);
        assert.equal(response.headers['strict-transport-security'], HSTS, `${status} ${target}`);
      }
    },
  );

  test(
    'SIGHUP under load: new handshakes get the new certificate, live connections lose nothing',
    { timeout: TEST_TIMEOUT_MS },
    async (t) => {
      const CLIENTS = 20;
      const MIN_EACH = 100; // messages each client sends at least (bounded count) …
      const MAX_EACH = 2_000; // … and at most, whatever happens (bounded time)
      const BATCHES_AFTER_RELOAD = 5; // traffic must go on past the reload
      const BATCH = 2; // per PACE_MS: ~200 messages/s per client, ~4,000/s through the server
      const PACE_MS = 10;

      const certificates = await makeTestCertificates();
      t.after(() => certificates.remove());
      const server = await tlsServer(t, certificates);
      const firstSerial = certificates.serial;
      const { ca } = certificates;
      assert.equal(await servedSerial(server.port, { ca }), firstSerial);

      const room = uniqueRoom('reload');
      const names = Array.from({ length: CLIENTS }, (_, i) => `p${i}`);
      const clients = await Promise.all(
        names.map((name) => register(wssUrl(server, room), name, { ca, keepHistory: false })),
      );
      await Promise.all(clients.map((client) => waitForUserlist(client, names)));

      // Each client sends to two others; per (sender, receiver) the numbers run 0, 1, 2, …, and
      // a final `load-end` says how many there were.
      const targetsOf = (i) => [names[(i + 1) % CLIENTS], names[(i + 7) % CLIENTS]];
      const problems = [];
      const firstArrivals = [];
      const allEnded = clients.map((client) => {
        const nextSeq = new Map();
        let ended = 0;
        let sawFirst;
        firstArrivals.push(new Promise((resolve) => (sawFirst = resolve)));
        return new Promise((resolve) => {
          client.taps.push((message) => {
            if (message.type === 'error') {
              problems.push(`${client.name} got ${JSON.stringify(message)}`);
            }
            if (message.type !== 'load' && message.type !== 'load-end') return false;
            const expected = nextSeq.get(message.name) ?? 0;
            if (message.type === 'load') {
              sawFirst();
              if (message.seq !== expected) {
                const got = `#${message.seq} from ${message.name}`;
                problems.push(`${client.name}: ${got}, expected #${expected}`);
              }
              nextSeq.set(message.name, message.seq + 1);
            } else {
              if (message.count !== expected) {
                problems.push(`${client.name}: ${expected}/${message.count} from ${message.name}`);
              }
              ended += 1;
              if (ended === 2) resolve();
            }
            return true;
          });
        });
      });

      let reloaded = false;
      let abandoned = false; // the test ended (failed) early: the senders stop too
      t.after(() => {
        abandoned = true;
      });
      const sent = clients.map(() => 0);
      const senders = clients.map(async (client, i) => {
        const seqs = new Map(targetsOf(i).map((target) => [target, 0]));
        let batchesAfterReload = 0;
        const enough = () => sent[i] >= MIN_EACH && batchesAfterReload >= BATCHES_AFTER_RELOAD;
        while (!abandoned && sent[i] < MAX_EACH && !enough()) {
          for (let k = 0; k < BATCH; k += 1) {
            const target = targetsOf(i)[sent[i] % 2];
            client.send({ type: 'load', target, seq: seqs.get(target) });
            seqs.set(target, seqs.get(target) + 1);
            sent[i] += 1;
          }
          if (reloaded) batchesAfterReload += 1;
          await sleep(PACE_MS); // pacing the load; nothing waits on it
        }
        for (const [target, count] of seqs) client.send({ type: 'load-end', target, count });
      });

      // The reload, once messages flow to every client.
      await withTimeout(Promise.all(firstArrivals), WAIT_MS, 'first messages');
      await certificates.reissue(); // new key and serial from the same CA, files replaced
      assert.notEqual(certificates.serial, firstSerial);
      assert.equal(certificates.ca, ca, 'dev-cert.sh kept the CA');
      const mark = server.logMark();
      const sentBeforeSighup = total(sent);
      process.kill(server.pid, 'SIGHUP');
      const line = await server.waitForLog('event=tls-reloaded', { since: mark });
      assert.match(line, new RegExp(`\\bserial=${certificates.serial}\\b`));
      // The log line is the operator's signal that the new certificate is in use. (A server that
      // logs before it installs the new context fails here now and then.)
      assert.equal(
        await servedSerial(server.port, { ca }),
        certificates.serial,
        'a handshake right after event=tls-reloaded got the old certificate',
      );
      const late = await register(wssUrl(server, room), 'late', { ca });
      const lateCertificate = tlsSocketOf(late).getPeerCertificate();
      assert.equal(lateCertificate.serialNumber.toUpperCase(), certificates.serial);
      late.send({ type: 'hello', target: 'p0' });
      assert.equal((await clients[0].next('hello')).name, 'late');
      const loadStillRunning = sent.every((count) => count < MAX_EACH);
      const sentBeforeReloaded = total(sent);
      reloaded = true;

      await Promise.all(senders);
      await withTimeout(Promise.all(allEnded), WAIT_MS, 'every load-end');
      assert.ok(loadStillRunning, `the load hit ${MAX_EACH} messages each before the reload`);
      assert.ok(sentBeforeSighup > 0 && total(sent) > sentBeforeReloaded, 'load on both sides');
      assert.deepEqual(problems, []);
      const closed = clients.filter((client) => client.closeInfo || !client.isOpen);
      assert.deepEqual(closed.map((c) => `${c.name}: ${JSON.stringify(c.closeInfo)}`), []);
      t.diagnostic(
        `${total(sent)} messages: ${sentBeforeSighup} sent before SIGHUP, ` +
          `${total(sent) - sentBeforeReloaded} after the new certificate was seen`,
      );

      // A bad file: logged, and the certificate just loaded stays in use.
      fs.writeFileSync(certificates.certFile, 'not a certificate\n');
      const failedMark = server.logMark();
      process.kill(server.pid, 'SIGHUP');
      const failed = await server.waitForLog('event=tls-reload-failed', { since: failedMark });
      assert.match(failed, new RegExp(`\\bkept_serial=${certificates.serial}\\b`));
      assert.match(failed, /cert\.pem/);
      assert.equal(await servedSerial(server.port, { ca }), certificates.serial);
      await expectChatRoundTrip(clients[0]);
    },
  );

  test(
    'bad files at start: exit non-zero, naming the problem',
    { timeout: TEST_TIMEOUT_MS },
    async (t) => {
      const dir = fs.mkdtempSync(path.join(ecdsa.dir, 'bad-'));
      t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
      const garbage = path.join(dir, 'garbage.pem');
      fs.writeFileSync(garbage, 'garbage\n');
      const missing = path.join(dir, 'missing.pem');
      const other = await makeTestCertificates(); // another ECDSA key: same type, other key
      t.after(() => other.remove());
      const cases = [
        // CLI11 checks that the file exists before the server starts: a usage error on stderr,
        // not a logfmt line.
        ['missing key', ecdsa.certFile, missing, /--tls-key: File does not exist: .*missing\.pem/],
        [
          'mismatched key',
          ecdsa.certFile,
          other.keyFile,
          /event=fatal reason=.*private key .*key\.pem.*key values mismatch/,
        ],
        [
          'RSA key for an ECDSA certificate',
          ecdsa.certFile,
          rsa.keyFile,
          /event=fatal reason=.*private key does not match the certificate in .*cert\.pem/,
        ],
        ['garbage certificate', garbage, ecdsa.keyFile, /event=fatal reason=.*chain .*garbage/],
        ['garbage key', ecdsa.certFile, garbage, /event=fatal reason=.*private key .*garbage\.pem/],
      ];
      for (const [what, cert, key, reason] of cases) {
        await assert.rejects(startServer(['--tls-cert', cert, '--tls-key', key]), (error) => {
          assert.match(error.message, /exited \(code [1-9]\d*, signal null\) before/, what);
          assert.match(error.message, reason, what);
          return true;
        });
      }
    },
  );

  test(
    '--handshake-timeout 1: silent, half-handshaken and requestless TLS clients are closed',
    { timeout: TEST_TIMEOUT_MS },
    async (t) => {
      const server = await tlsServer(t, ecdsa, ['--handshake-timeout', '1']);
      const sockets = [];
      t.after(() => sockets.forEach((socket) => socket.destroy()));
      // Each close is timed from the moment its connection was open.
      const timeClose = (socket) => {
        const openedAt = Date.now();
        sockets.push(socket);
        socket.on('error', () => {});
        return withTimeout(
          new Promise((resolve) => socket.once('close', () => resolve(Date.now() - openedAt))),
          scaled(10_000),
          'server closing the connection',
        );
      };
      const silent = timeClose(await connectTcp(server.port));
      const halfSocket = await connectTcp(server.port);
      const half = timeClose(halfSocket);
      // A ClientHello record of 512 bytes, of which only the first 19 ever come: record header,
      // handshake header, version, 8 of the 32 random bytes.
      halfSocket.write(Buffer.from('1603010200' + '010001fc' + '0303' + '0011223344556677', 'hex'));
      const requestless = timeClose(await tlsConnect(server.port, { ca: ecdsa.ca }));
      const closedAfter = await Promise.all([silent, half, requestless]);
      for (const [i, ms] of closedAfter.entries()) {
        const which = ['silent', 'half a ClientHello', 'no request'][i];
        assert.ok(ms >= 900, `${which}: closed after ${ms} ms, before the 1 s timeout`);
      }
      t.diagnostic(`closed after ${closedAfter.join(', ')} ms`);
      assert.equal((await httpsRequest(server.port, '/healthz', { ca: ecdsa.ca })).status, 200);
    },
  );

  test(
    'SIGTERM: every wss:// client gets close 1012 (server restarting), then the process exits with 0',
    { timeout: TEST_TIMEOUT_MS },
    async (t) => {
      const SHUTDOWN_TIMEOUT_S = 5;
      const server = await tlsServer(t, ecdsa, ['--shutdown-timeout', String(SHUTDOWN_TIMEOUT_S)]);
      const url = wssUrl(server, uniqueRoom('bye'));
      const { ca } = ecdsa;
      const clients = [
        await register(url, 'ana', { ca }),
        await register(url, 'bob', { ca }),
        await connect(url, { ca, label: 'unregistered' }),
      ];
      await clients[2].next('id');
      server.proc.kill('SIGTERM');
      for (const client of clients) {
        const close = await withTimeout(client.closed, WAIT_MS, `${client.label} close`);
        assert.equal(close.code, 1012, `${client.label} closed with ${JSON.stringify(close)}`);
      }
      const exit = await server.exitWithin(SHUTDOWN_TIMEOUT_S * 1000 + EXIT_SLACK_MS);
      assert.deepEqual(exit, { code: 0, signal: null }, server.stderrLines.slice(-20).join('\n'));
    },
  );
});
