// HTTP/1.1 requests written byte for byte on a TCP socket. Client libraries normalise paths
// ("/a/../b" becomes "/b", "%2e%2e" may be decoded), which would hide exactly the traversal
// attempts the static file tests need to send.

import { connectTcp } from './raw-websocket.mjs';
import { WAIT_MS } from './timeouts.mjs';

// A response without a body (HEAD, 304) has no length to wait for; if the server keeps the
// connection open despite "Connection: close", stop listening after this long and judge the
// bytes that did arrive.
const BODYLESS_GRACE_MS = 1_000;

function parseHead(headText) {
  const [statusLine, ...headerLines] = headText.split('\r\n');
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
  if (!match) throw new Error(`not an HTTP response: ${JSON.stringify(statusLine)}`);
  const headers = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
  }
  return { status: Number(match[1]), headers };
}

function decodeChunked(body) {
  const parts = [];
  let offset = 0;
  for (;;) {
    const lineEnd = body.indexOf('\r\n', offset);
    if (lineEnd === -1) return null;
    const size = parseInt(body.subarray(offset, lineEnd).toString('latin1'), 16);
    if (size === 0) return Buffer.concat(parts);
    if (body.length < lineEnd + 2 + size + 2) return null;
    parts.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
    offset = lineEnd + 2 + size + 2;
  }
}

/** The body once it is complete according to the headers, or null while more should come. */
function completeBody(status, headers, rawBody, isHead) {
  if (isHead || status === 304 || status === 204) return null;
  if (/chunked/i.test(headers['transfer-encoding'] ?? '')) return decodeChunked(rawBody);
  if (headers['content-length'] !== undefined) {
    const length = Number(headers['content-length']);
    return rawBody.length >= length ? rawBody.subarray(0, length) : null;
  }
  return null; // read until the server closes
}

/**
 * Sends `requestText` verbatim and resolves with {status, headers, body, rawBody}.
 * `body` is the decoded payload; `rawBody` is every byte after the head (for HEAD / 304 checks).
 */
export async function rawHttpRequest(port, requestText, { timeoutMs = WAIT_MS } = {}) {
  const isHead = /^HEAD /.test(requestText);
  const socket = await connectTcp(port);
  return new Promise((resolve, reject) => {
    let received = Buffer.alloc(0);
    let parsed = null;
    let graceTimer = null;
    const timer = setTimeout(
      () => finish(new Error(`no complete HTTP response within ${timeoutMs} ms: ${received}`)),
      timeoutMs,
    );

    function finish(error) {
      clearTimeout(timer);
      clearTimeout(graceTimer);
      socket.destroy();
      if (error) return reject(error);
      if (!parsed)
        return reject(new Error(`connection closed without a response head: ${received}`));
      const rawBody = received.subarray(parsed.bodyStart);
      const body =
        completeBody(parsed.status, parsed.headers, rawBody, isHead) ??
        (/chunked/i.test(parsed.headers['transfer-encoding'] ?? '') ? Buffer.alloc(0) : rawBody);
      resolve({ status: parsed.status, headers: parsed.headers, body, rawBody });
    }

    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      if (!parsed) {
        const end = received.indexOf('\r\n\r\n');
        if (end === -1) return;
        try {
          parsed = {
            ...parseHead(received.subarray(0, end).toString('latin1')),
            bodyStart: end + 4,
          };
        } catch (error) {
          return finish(error);
        }
        const bodyless = isHead || parsed.status === 304 || parsed.status === 204;
        if (bodyless) graceTimer = setTimeout(() => finish(null), BODYLESS_GRACE_MS);
      }
      const rawBody = received.subarray(parsed.bodyStart);
      if (completeBody(parsed.status, parsed.headers, rawBody, isHead)) finish(null);
    });
    socket.on('end', () => finish(null));
    socket.on('error', (error) => (parsed ? finish(null) : finish(error)));
    socket.write(requestText);
  });
}

/** A request with the given method and (unnormalised) path; `Connection: close` always. */
export function httpRequest(port, method, path, headers = {}, body = '') {
  const lines = [`${method} ${path} HTTP/1.1`, `Host: 127.0.0.1:${port}`, 'Connection: close'];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  if (body) lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
  return rawHttpRequest(port, `${lines.join('\r\n')}\r\n\r\n${body}`);
}
