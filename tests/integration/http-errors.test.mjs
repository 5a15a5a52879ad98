// Requests the server cannot serve get an HTTP status, not a silent close (issue 8, finding 8):
// 400 for a malformed request line or header and for ambiguous message framing (the ground of
// request smuggling), 431 for a header over the limit, 413 for a body over it; then the
// connection is closed. Every response carries the security headers (docs/protocol.md, "HTTP").

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  SUITE_TIMEOUT_MS,
  TEST_TIMEOUT_MS,
  connectTcp,
  httpRequest,
  rawHttpRequest,
  startServer,
} from './helpers.mjs';

const HOST = 'Host: 127.0.0.1\r\n';
const get = (headers = '', body = '') => `GET / HTTP/1.1\r\n${HOST}${headers}\r\n${body}`;

const MALFORMED_REQUEST_LINES = {
  'no version': 'GET /\r\n\r\n',
  'unknown version': `GET / HTTP/9.9\r\n${HOST}\r\n`,
  'lower-case version': `GET / http/1.1\r\n${HOST}\r\n`,
  'binary garbage': '\x00\x01\x02\x03\r\n\r\n',
  'no target': `GET HTTP/1.1\r\n${HOST}\r\n`,
  'two targets': `GET / / HTTP/1.1\r\n${HOST}\r\n`,
  'invalid method': `G@T / HTTP/1.1\r\n${HOST}\r\n`,
  'tabs for spaces': `GET\t/\tHTTP/1.1\r\n${HOST}\r\n`,
  'bare LF': 'GET / HTTP/1.1\nHost: 127.0.0.1\n\n',
  'DEL in target': `GET /\x7f HTTP/1.1\r\n${HOST}\r\n`,
  'space before colon': `GET / HTTP/1.1\r\n${HOST}Bad Header: x\r\n\r\n`,
};

const OVERSIZED_HEADERS = {
  '20 KB header': get(`X-Big: ${'a'.repeat(20_000)}\r\n`),
  '100 KB header': get(`X-Big: ${'a'.repeat(100_000)}\r\n`),
  '2,000 small headers': get('X-a: b\r\n'.repeat(2000)),
  '20 KB request line': `GET /${'a'.repeat(20_000)} HTTP/1.1\r\n${HOST}\r\n`,
};

const AMBIGUOUS_FRAMING = {
  'Content-Length and Transfer-Encoding': get(
    'Content-Length: 3\r\nTransfer-Encoding: chunked\r\n',
    '0\r\n\r\n',
  ),
  'two differing Content-Lengths': get('Content-Length: 3\r\nContent-Length: 4\r\n', 'abcd'),
  'two equal Content-Lengths': get('Content-Length: 3\r\nContent-Length: 3\r\n', 'abc'),
  'negative Content-Length': get('Content-Length: -1\r\n'),
  'hex Content-Length': get('Content-Length: 0x10\r\n'),
  'Transfer-Encoding on HTTP/1.0': `GET / HTTP/1.0\r\n${HOST}Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
  'Transfer-Encoding not ending in chunked': get('Transfer-Encoding: gzip\r\n'),
  'invalid chunk size': get('Transfer-Encoding: chunked\r\n', 'zz\r\n\r\n'),
};

/** The server closes after the answer: the socket sees the end of the stream. */
async function expectAnswerThenClose(port, text, status) {
  const response = await rawHttpRequest(port, text);
  assert.equal(response.status, status, `answered ${response.status}`);
  assert.match(response.headers.connection ?? '', /close/i);
  return response;
}

describe('HTTP errors', { timeout: SUITE_TIMEOUT_MS }, () => {
  let server;
  before(async () => {
    server = await startServer(['--handshake-timeout', '1']);
  });
  after(() => server?.stop());

  for (const [what, text] of Object.entries(MALFORMED_REQUEST_LINES)) {
    test(`400 for a malformed request: ${what}`, { timeout: TEST_TIMEOUT_MS }, async () => {
      await expectAnswerThenClose(server.port, text, 400);
    });
  }
  for (const [what, text] of Object.entries(OVERSIZED_HEADERS)) {
    test(`431 for ${what}`, { timeout: TEST_TIMEOUT_MS }, async () => {
      await expectAnswerThenClose(server.port, text, 431);
    });
  }
  for (const [what, text] of Object.entries(AMBIGUOUS_FRAMING)) {
    test(`400 for ambiguous framing: ${what}`, { timeout: TEST_TIMEOUT_MS }, async () => {
      await expectAnswerThenClose(server.port, text, 400);
    });
  }

  test('413 for a 10 MB GET body, and the client reads it', { timeout: TEST_TIMEOUT_MS }, async () => {
    // Sent in full, as a client would: the answer must survive the unread rest of the body.
    const body = 'b'.repeat(10 * 1024 * 1024);
    await expectAnswerThenClose(server.port, get(`Content-Length: ${body.length}\r\n`, body), 413);
  });

  // As nginx after client_header_timeout: the timer has closed the socket, nothing is sent.
  test('a request that stops arriving is closed at the timeout', { timeout: TEST_TIMEOUT_MS }, async () => {
    const socket = await connectTcp(server.port);
    const closed = new Promise((resolve) => socket.on('close', resolve));
    socket.write(`GET / HTTP/1.1\r\n${HOST}X-Half: `);
    await closed;
  });

  test('a connection that says nothing is closed without an answer', { timeout: TEST_TIMEOUT_MS }, async () => {
    const socket = await connectTcp(server.port);
    let received = '';
    socket.on('data', (chunk) => (received += chunk));
    await new Promise((resolve) => socket.on('close', resolve));
    assert.equal(received, '');
  });

  test('every response carries the security headers', { timeout: TEST_TIMEOUT_MS }, async () => {
    for (const path of ['/', '/index.html', '/healthz', '/missing']) {
      const { headers } = await httpRequest(server.port, 'GET', path);
      assert.equal(headers['x-content-type-options'], 'nosniff', path);
      assert.equal(headers['referrer-policy'], 'no-referrer', path);
      assert.equal(headers['x-frame-options'], 'DENY', path);
      assert.match(headers['content-security-policy'] ?? '', /frame-ancestors 'none'/, path);
      assert.match(headers['content-security-policy'], /default-src 'self'/, path);
    }
    const malformed = await rawHttpRequest(server.port, 'GET /\r\n\r\n');
    assert.equal(malformed.headers['x-content-type-options'], 'nosniff');
  });
});
