// The attack catalogue of the security review (issue 8), HTTP group: malformed and oversized
// requests, request smuggling, path traversal, methods, security headers.
// Each case is an `attack`: around it, attack-catalogue/harness.mjs checks that the server is
// alive and answers /healthz, that its two witnesses have lost or reordered nothing and that no
// sanitizer has spoken; after the group, connections and open files are back to baseline.

import assert from 'node:assert/strict';
import { httpRequest } from './helpers.mjs';
import {
  HOST,
  SECRET,
  assertSecurityHeaders,
  attack,
  catalogueGroup,
  expectRefusal,
  health,
  server,
} from './attack-catalogue/harness.mjs';

const MiB = 1024 * 1024;

const request = (headers = '', body = '') => `GET / HTTP/1.1\r\n${HOST}${headers}\r\n${body}`;

const HTTP_REFUSALS = [
  [
    'malformed request lines',
    400,
    () => ['GET /\r\n\r\n', '\x00\x01\x02\x7f\r\n\r\n', 'GET / HTTP/1.1\nHost: 127.0.0.1\n\n'],
  ],
  ['a 20 KB header', 431, () => [request(`X-Big: ${'a'.repeat(20_000)}\r\n`)]],
  ['a 100 KB header', 431, () => [request(`X-Big: ${'a'.repeat(100_000)}\r\n`)]],
  ['2,000 small headers', 431, () => [request('X-a: b\r\n'.repeat(2000))]],
  [
    'a 10 MB GET body',
    413,
    () => [request(`Content-Length: ${10 * MiB}\r\n`, 'b'.repeat(10 * MiB))],
  ],
  [
    'Content-Length with Transfer-Encoding',
    400,
    () => [request('Content-Length: 5\r\nTransfer-Encoding: chunked\r\n', '0\r\n\r\n')],
  ],
  [
    'two Content-Lengths',
    400,
    () => [request('Content-Length: 3\r\nContent-Length: 4\r\n', 'abcd')],
  ],
  ['a negative Content-Length', 400, () => [request('Content-Length: -1\r\n')]],
  ['a hex Content-Length', 400, () => [request('Content-Length: 0x10\r\n')]],
  [
    'Transfer-Encoding on HTTP/1.0',
    400,
    () => [`GET / HTTP/1.0\r\n${HOST}Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n`],
  ],
  [
    'Transfer-Encoding not ending in chunked',
    400,
    () => [request('Transfer-Encoding: chunked, gzip\r\n'), request('Transfer-Encoding: gzip\r\n')],
  ],
];

const TRAVERSALS = [
  '/../secret',
  '/%2e%2e/secret',
  '/%2E%2E%2Fsecret',
  '/..%2fsecret',
  '/.%2e/secret',
  '/sub/%2e%2e/%2e%2e/secret',
  '/..\\secret',
  '/%5c..%5csecret',
  '/index.html%00',
  '/%00/../secret',
  '/%2fetc%2fpasswd',
  `/${'../'.repeat(8)}etc/passwd`,
  `/${'%2e%2e%2f'.repeat(8)}etc%2fpasswd`,
];

catalogueGroup('HTTP', () => {
  for (const [what, status, texts] of HTTP_REFUSALS) {
    attack(`${status} and close for ${what}`, async () => {
      for (const text of texts()) await expectRefusal(text, status, what);
    });
  }

  attack('path traversal gets 404 and nothing from outside the web root', async () => {
    for (const target of TRAVERSALS) {
      const response = await httpRequest(server.port, 'GET', target);
      assert.equal(response.status, 404, `GET ${target}`);
      assertSecurityHeaders(response, target);
      const body = response.body.toString('latin1');
      assert.ok(!body.includes(SECRET) && !body.includes('root:'), `GET ${target} leaked`);
    }
  });

  attack('methods other than GET and HEAD get 405', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE', 'CONNECT']) {
      const response = await httpRequest(server.port, method, '/', {}, 'x=1');
      assert.equal(response.status, 405, method);
      assertSecurityHeaders(response, method);
    }
  });

  attack('/healthz and files carry the security headers; /healthz is JSON', async () => {
    for (const target of ['/', '/index.html', '/healthz', '/healthz?x=<b>', '/missing']) {
      const response = await httpRequest(server.port, 'GET', target);
      assertSecurityHeaders(response, target);
    }
    const body = await health();
    for (const field of ['uptime_s', 'connections', 'users', 'rooms']) {
      assert.equal(typeof body[field], 'number', field);
    }
  });
});
