// Client side of the TLS tests: HTTPS requests with a chosen Host header and SNI name, and bare
// TLS handshakes with chosen protocol versions (to read the server's certificate and what it
// agreed to). Every socket opened here is destroyed by destroyAllTlsSockets() at teardown.

import https from 'node:https';
import tls from 'node:tls';
import { WAIT_MS } from './timeouts.mjs';

const openSockets = new Set();

function track(socket) {
  openSockets.add(socket);
  socket.once('close', () => openSockets.delete(socket));
  return socket;
}

/** Destroys every TLS socket still open (teardown after a test that failed half-way). */
export function destroyAllTlsSockets() {
  for (const socket of openSockets) socket.destroy();
  openSockets.clear();
}

/**
 * One HTTPS request to 127.0.0.1:`port`; resolves with {status, headers, body} (body a string).
 * @param {{ ca?: string, method?: string, host?: string, servername?: string,
 *   headers?: object, timeoutMs?: number }} options host: the Host header (default
 *   127.0.0.1:port); servername: the SNI name and the name the certificate must be valid for
 *   (default: none, and the certificate must then hold the address 127.0.0.1)
 */
export function httpsRequest(port, target, options = {}) {
  const { ca, method = 'GET', host, servername, headers = {}, timeoutMs = WAIT_MS } = options;
  return new Promise((resolve, reject) => {
    const request = https.request({
      host: '127.0.0.1',
      port,
      path: target,
      method,
      ca,
      servername,
      headers: { ...(host && { Host: host }), ...headers },
      agent: false,
      timeout: timeoutMs,
    });
    request.on('socket', track);
    request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    request.on('error', reject);
    request.on('response', (response) => {
      const chunks = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () =>
        resolve({
          status: response.statusCode,
          headers: response.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    });
    request.end();
  });
}

/**
 * A TLS handshake with 127.0.0.1:`port` (options go to tls.connect: ca, servername, minVersion,
 * maxVersion, ciphers, ALPNProtocols …). Resolves with the connected socket once the handshake
 * is done; rejects with the handshake's error (e.g. the server's protocol_version alert).
 */
export function tlsConnect(port, options = {}) {
  const { timeoutMs = WAIT_MS, ...tlsOptions } = options;
  return new Promise((resolve, reject) => {
    const socket = track(tls.connect({ host: '127.0.0.1', port, ...tlsOptions }));
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no TLS handshake within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    // Kept after the handshake too: a reset later must not become an uncaught exception.
    socket.on('error', (error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    });
  });
}

/** The serial (upper-case hex) of the certificate a new handshake gets; the socket is closed. */
export async function servedSerial(port, options = {}) {
  const socket = await tlsConnect(port, options);
  try {
    return socket.getPeerCertificate().serialNumber.toUpperCase();
  } finally {
    socket.destroy();
  }
}
