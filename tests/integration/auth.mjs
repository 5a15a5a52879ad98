// What the authentication tests share: JSON Web Tokens minted here with node:crypto (so the
// server is checked against an independent implementation, not against its own libjwt), key
// pairs in a temporary directory, and the server's refusal of an upgrade read in full (status,
// headers and the JSON body {code, message}).

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { WAIT_MS } from './timeouts.mjs';

/** Seconds since the epoch, as the server's clock reads them (whole seconds). */
export const unixNow = () => Math.floor(Date.now() / 1000);

const base64url = (value) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/**
 * A signed JWT. `alg`: HS256 (key: the secret, a string or Buffer), RS256 or ES256 (key: a
 * private KeyObject or PEM), or none (no key, empty signature). `header` adds or overrides
 * header members; `claims` may be an object or raw JSON text.
 */
export function signJwt(claims, { alg = 'HS256', key, header = {} } = {}) {
  const signingInput = `${base64url({ alg, typ: 'JWT', ...header })}.${base64url(claims)}`;
  let signature;
  switch (alg) {
    case 'none':
      signature = Buffer.alloc(0);
      break;
    case 'HS256':
      signature = crypto.createHmac('sha256', key).update(signingInput).digest();
      break;
    case 'RS256':
      signature = crypto.sign('sha256', Buffer.from(signingInput), key);
      break;
    case 'ES256':
      // JWS wants r||s (RFC 7518 §3.4), not the DER that crypto.sign gives by default.
      signature = crypto.sign('sha256', Buffer.from(signingInput), {
        key,
        dsaEncoding: 'ieee-p1363',
      });
      break;
    default:
      throw new Error(`signJwt: unknown alg ${alg}`);
  }
  return `${signingInput}.${signature.toString('base64url')}`;
}

/** Claims for `sub` in `room` (a string or a list) that expire `ttl` seconds from now. */
export function claimsFor(sub, room, { ttl = 3600, ...more } = {}) {
  return { sub, room, exp: unixNow() + ttl, ...more };
}

/**
 * An RSA (2048) and an EC P-256 key pair, their public halves written as PEM files to a fresh
 * temporary directory. remove() deletes it.
 */
export function makeKeyPairs() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-jwt-'));
  const write = (name, pair) => {
    const publicPem = pair.publicKey.export({ type: 'spki', format: 'pem' });
    const privatePem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' });
    const publicFile = path.join(dir, `${name}.pub.pem`);
    const privateFile = path.join(dir, `${name}.key.pem`);
    fs.writeFileSync(publicFile, publicPem);
    fs.writeFileSync(privateFile, privatePem, { mode: 0o600 });
    return { ...pair, publicPem, privatePem, publicFile, privateFile };
  };
  return {
    dir,
    rsa: write('rsa', crypto.generateKeyPairSync('rsa', { modulusLength: 2048 })),
    ec: write('ec', crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' })),
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

/** `server`'s WebSocket URL for `room` with `?token=` (and more query parameters). */
export function tokenUrl(server, room, token, extra = {}) {
  const query = new URLSearchParams({ room, ...(token !== undefined && { token }), ...extra });
  return `${server.url}/?${query}`;
}

/**
 * Attempts an upgrade (from `localAddress`, with `origin`, when given). Resolves with
 * {status: 101} when it is accepted (the connection is then dropped), else with
 * {status, headers, body, json} of the refusal.
 */
export function tryUpgrade(url, { headers, localAddress, origin } = {}) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers, localAddress, origin, handshakeTimeout: WAIT_MS });
    let settled = false;
    const settle = (result, error) => {
      if (settled) return;
      settled = true;
      if (error) reject(error);
      else resolve(result);
    };
    ws.on('open', () => {
      ws.terminate();
      settle({ status: 101 });
    });
    ws.on('unexpected-response', (request, response) => {
      const chunks = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('end', () => {
        request.destroy();
        const body = Buffer.concat(chunks);
        let json = null;
        try {
          json = JSON.parse(body.toString('utf8'));
        } catch {
          // judged by the caller
        }
        settle({ status: response.statusCode, headers: response.headers, body, json });
      });
      response.on('error', (error) => settle(null, error));
    });
    ws.on('error', (error) => settle(null, error));
  });
}

/**
 * Asserts that the upgrade is refused with `status` and a JSON body {code, message} with
 * `code`; a 401 must name the Bearer scheme (RFC 6750 §3). Returns the refusal.
 */
export async function expectRefusal(url, status, code, options) {
  const refusal = await tryUpgrade(url, options);
  assert.equal(
    refusal.status,
    status,
    `expected HTTP ${status} ${code}, got ${refusal.status} ${refusal.body ?? ''}`,
  );
  assert.match(refusal.headers['content-type'] ?? '', /^application\/json/);
  assert.ok(refusal.json, `refusal body is not JSON: ${refusal.body}`);
  assert.equal(refusal.json.code, code, `refusal body: ${refusal.body}`);
  assert.equal(typeof refusal.json.message, 'string', `refusal body: ${refusal.body}`);
  assert.ok(refusal.json.message.length > 0, `refusal without a message: ${refusal.body}`);
  if (status === 401) assert.equal(refusal.headers['www-authenticate'], 'Bearer');
  else assert.equal(refusal.headers['www-authenticate'], undefined);
  return refusal;
}
