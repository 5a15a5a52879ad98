// The HTTP side: static files, caching headers, health check, and paths that try to escape the
// web root (docs/protocol.md, "HTTP"). Requests are written byte for byte (raw-http.mjs).

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import {
  SUITE_TIMEOUT_MS,
  TEST_TIMEOUT_MS,
  connect,
  httpRequest,
  makeWebRoot,
  register,
  roomUrl,
  startServer,
  terminateAllClients,
  uniqueRoom,
} from './helpers.mjs';

const PNG_1X1 = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);
const FILES = {
  'index.html': '<!doctype html><title>switchboard test</title><p>index page</p>\n',
  'app.js': 'export const answer = 42;\n',
  'style.css': 'body { color: rebeccapurple; }\n',
  'data.json': '{"ok":true}\n',
  'icon.svg': '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>\n',
  'pixel.png': PNG_1X1,
  'sub/page.html': '<!doctype html><p>nested</p>\n',
};
const EXPECTED_TYPES = {
  '/app.js': 'text/javascript',
  '/style.css': 'text/css',
  '/data.json': 'application/json',
  '/icon.svg': 'image/svg+xml',
  '/pixel.png': 'image/png',
  '/sub/page.html': 'text/html',
};

/** "text/html; charset=utf-8" → "text/html". */
const mediaType = (headers) => (headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();

describe('HTTP', { timeout: SUITE_TIMEOUT_MS }, () => {
  let server;
  let webRoot;
  const SECRET = `TOP-SECRET-${process.pid}-${Date.now()}`;
  before(async () => {
    webRoot = makeWebRoot(FILES);
    // Outside the root: a secret next to it, and symlinks inside the root that lead to it.
    fs.writeFileSync(path.join(webRoot.parent, 'secret'), SECRET);
    fs.symlinkSync(path.join(webRoot.parent, 'secret'), path.join(webRoot.dir, 'link-to-secret'));
    fs.symlinkSync(webRoot.parent, path.join(webRoot.dir, 'link-to-parent'));
    server = await startServer([], { webRoot: webRoot.dir });
  });
  afterEach(terminateAllClients);
  after(async () => {
    await server?.stop();
    webRoot?.remove();
  });

  const get = (target, headers) => httpRequest(server.port, 'GET', target, headers);

  test('GET / serves index.html as text/html', { timeout: TEST_TIMEOUT_MS }, async () => {
    const response = await get('/');
    assert.equal(response.status, 200);
    assert.equal(mediaType(response.headers), 'text/html');
    assert.equal(response.body.toString(), FILES['index.html']);
  });

  test(
    'files are served byte for byte with the right Content-Type',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      for (const [target, type] of Object.entries(EXPECTED_TYPES)) {
        const response = await get(target);
        assert.equal(response.status, 200, target);
        assert.equal(mediaType(response.headers), type, `Content-Type of ${target}`);
        const content = Buffer.from(FILES[target.slice(1)]);
        assert.deepEqual(response.body, content, `body of ${target}`);
        assert.equal(
          Number(response.headers['content-length']),
          content.length,
          `length of ${target}`,
        );
      }
    },
  );

  test(
    'files carry ETag, Last-Modified and Cache-Control: no-cache',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const { headers } = await get('/app.js');
      assert.ok(headers.etag, 'no ETag');
      assert.ok(
        !Number.isNaN(Date.parse(headers['last-modified'])),
        `Last-Modified: ${headers['last-modified']}`,
      );
      assert.match(headers['cache-control'] ?? '', /\bno-cache\b/);
    },
  );

  test('HEAD gives the headers of GET and no body', { timeout: TEST_TIMEOUT_MS }, async () => {
    const getResponse = await get('/style.css');
    const head = await httpRequest(server.port, 'HEAD', '/style.css');
    assert.equal(head.status, 200);
    assert.equal(mediaType(head.headers), 'text/css');
    assert.equal(head.headers.etag, getResponse.headers.etag);
    if (head.headers['content-length'] !== undefined) {
      assert.equal(head.headers['content-length'], getResponse.headers['content-length']);
    }
    assert.equal(head.rawBody.length, 0, `HEAD sent a body: ${head.rawBody}`);
  });

  test(
    'If-None-Match with the current ETag gives 304 without a body; another ETag gives 200',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const { headers } = await get('/data.json');
      const notModified = await get('/data.json', { 'If-None-Match': headers.etag });
      assert.equal(notModified.status, 304);
      assert.equal(notModified.rawBody.length, 0);
      const stale = await get('/data.json', { 'If-None-Match': '"not-the-etag"' });
      assert.equal(stale.status, 200);
      assert.equal(stale.body.toString(), FILES['data.json']);
    },
  );

  test(
    'GET /healthz: 200 JSON with numeric uptime_s and connections',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const room = uniqueRoom('health');
      await register(roomUrl(server, room), 'ana');
      await connect(roomUrl(server, room));
      const response = await get('/healthz');
      assert.equal(response.status, 200);
      assert.equal(mediaType(response.headers), 'application/json');
      const health = JSON.parse(response.body.toString());
      assert.equal(health.status, 'ok');
      for (const field of ['uptime_s', 'connections', 'users', 'rooms']) {
        assert.equal(typeof health[field], 'number', `${field} in ${JSON.stringify(health)}`);
        assert.ok(health[field] >= 0, `${field} in ${JSON.stringify(health)}`);
      }
      assert.ok(health.connections >= 2, `two WebSockets are open: ${JSON.stringify(health)}`);
      assert.ok(health.users >= 1, `one user is registered: ${JSON.stringify(health)}`);
      assert.ok(health.rooms >= 1, `one room is in use: ${JSON.stringify(health)}`);
    },
  );

  test('a missing file is 404', { timeout: TEST_TIMEOUT_MS }, async () => {
    assert.equal((await get('/missing.html')).status, 404);
    assert.equal((await get('/sub/missing.js')).status, 404);
  });

  test(
    'paths that climb out of the root, contain NUL or backslash, or follow a symlink out are 404',
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const attempts = [
        '/../secret',
        '/%2e%2e/secret',
        '/%2E%2E/secret',
        '/a/%2e%2e/%2e%2e/secret',
        '/sub/../../secret',
        '/..%2fsecret',
        '/%2e%2e%2fsecret',
        '/.%2e/secret',
        '/..\\secret',
        '/%5c..%5csecret',
        '/sub\\..\\..\\secret',
        '/index.html%00.png',
        '/%00',
        '/link-to-secret',
        '/link-to-parent/secret',
        `/${'../'.repeat(10)}etc/passwd`,
      ];
      for (const target of attempts) {
        const response = await get(target);
        assert.equal(response.status, 404, `GET ${target} gave ${response.status}`);
        assert.ok(
          !response.body.toString('latin1').includes(SECRET),
          `GET ${target} leaked the secret`,
        );
        assert.ok(
          !response.body.toString('latin1').includes('root:'),
          `GET ${target} leaked /etc/passwd`,
        );
      }
    },
  );

  test('methods other than GET and HEAD get 405', { timeout: TEST_TIMEOUT_MS }, async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      const response = await httpRequest(server.port, method, '/', {}, 'x=1');
      assert.equal(response.status, 405, method);
    }
  });
});
