// What an operator and a load balancer see: /healthz (alive, plain decimals) and /readyz
// (ready, full, draining: the draining case is in lifecycle.test.mjs), --log-format json, and
// --log-file with SIGHUP reopening it after logrotate moved it away (docs/operations.md).

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, test } from 'node:test';
import {
  SERVER_BINARY,
  SUITE_TIMEOUT_MS,
  TEST_TIMEOUT_MS,
  WAIT_MS,
  connect,
  httpRequest,
  makeWebRoot,
  register,
  roomUrl,
  startServer,
  terminateAllClients,
  uniqueRoom,
  withTimeout,
} from './helpers.mjs';

/**
 * Resolves with the first line of `file` matching `pattern` once it is there: checked now and
 * on every change of the file's directory (no polling). Rejects after `timeoutMs`.
 */
function waitForFileLine(file, pattern, timeoutMs = WAIT_MS) {
  return new Promise((resolve, reject) => {
    const find = () => {
      let text = '';
      try {
        text = fs.readFileSync(file, 'utf8');
      } catch {
        return false; // not created yet
      }
      const line = text.split('\n').find((l) => pattern.test(l));
      if (line === undefined) return false;
      finish(null, line);
      return true;
    };
    const watcher = fs.watch(path.dirname(file), () => find());
    const timer = setTimeout(
      () => finish(new Error(`no line matching ${pattern} in ${file} within ${timeoutMs} ms`)),
      timeoutMs,
    );
    function finish(error, line) {
      watcher.close();
      clearTimeout(timer);
      if (error) reject(error);
      else resolve(line);
    }
    find();
  });
}

describe('operations', { timeout: SUITE_TIMEOUT_MS }, () => {
  afterEach(() => terminateAllClients());

  test(
    '/healthz prints plain decimals; /readyz is 200 ready, 503 full at --max-connections',
    { timeout: TEST_TIMEOUT_MS },
    async (t) => {
      // An HTTP answer's connection is still counted until the server reads the client's
      // close after it (lingering): no WebSocket may follow an HTTP request on one server here,
      // or it would race that. Hence two servers, WebSockets first on each.
      const roomy = await startServer(['--max-connections', '2']);
      t.after(() => roomy.stop());
      await register(roomUrl(roomy, uniqueRoom('ready')), 'ana');
      // One client of two, and this request's own connection: one more may still come.
      const ready = await httpRequest(roomy.port, 'GET', '/readyz');
      assert.equal(ready.status, 200);
      assert.deepEqual(JSON.parse(ready.body), { status: 'ready' });
      const health = await httpRequest(roomy.port, 'GET', '/healthz');
      assert.equal(health.status, 200);
      // 87.192, never 8.7192E1.
      const text = health.body.toString('utf8');
      assert.match(text, /"uptime_s":\d+\.\d{3},/);
      assert.doesNotMatch(text, /[eE][+-]?\d/);
      assert.equal(JSON.parse(text).status, 'ok');

      const full = await startServer(['--max-connections', '2']);
      t.after(() => full.stop());
      const url = roomUrl(full, uniqueRoom('full'));
      await register(url, 'ana');
      await register(url, 'bob');
      const refused = await httpRequest(full.port, 'GET', '/readyz');
      assert.equal(refused.status, 503, 'at --max-connections a load balancer must look elsewhere');
      assert.deepEqual(JSON.parse(refused.body), { status: 'full' });
      // Alive all the same.
      assert.equal((await httpRequest(full.port, 'GET', '/healthz')).status, 200);
    },
  );

  test(
    '--log-format json: every line is one JSON object, numbers as numbers',
    { timeout: TEST_TIMEOUT_MS },
    async (t) => {
      const server = await startServer(['--log-format', 'json', '--log-level', 'debug']);
      t.after(() => server.stop());
      const client = await connect(roomUrl(server, uniqueRoom('json')));
      await client.next('id');
      await server.waitForLog('"event":"connect"');
      const lines = server.stderrLines.filter((line) => line.trim() !== '');
      assert.ok(lines.length >= 2, `only ${lines.length} lines`);
      for (const line of lines) {
        const entry = JSON.parse(line); // throws on a line that is not JSON
        assert.match(entry.ts, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, line);
        assert.ok(['debug', 'info', 'warn', 'error'].includes(entry.level), line);
        assert.equal(typeof entry.event, 'string', line);
      }
      const listening = JSON.parse(lines.find((line) => line.includes('"event":"listening"')));
      assert.equal(listening.port, server.port);
      assert.equal(listening.address, '127.0.0.1');
      const connected = JSON.parse(lines.find((line) => line.includes('"event":"connect"')));
      assert.equal(typeof connected.conn, 'number');
      assert.match(connected.remote, /^127\.0\.0\.1:\d+$/);
    },
  );

  test(
    '--log-file: lines go to the file; moved away, SIGHUP reopens it under its name, no line lost',
    { timeout: TEST_TIMEOUT_MS },
    async (t) => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-log-'));
      const webRoot = makeWebRoot();
      const file = path.join(dir, 'switchboard.log');
      const proc = spawn(
        SERVER_BINARY,
        ['--port', '0', '--bind', '127.0.0.1', '--web-root', webRoot.dir, '--log-file', file],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
      let stderr = '';
      proc.stderr.on('data', (chunk) => (stderr += chunk));
      const exited = new Promise((resolve) => proc.on('exit', (code) => resolve(code)));
      t.after(async () => {
        if (proc.exitCode === null) proc.kill('SIGKILL');
        await exited;
        webRoot.remove();
        fs.rmSync(dir, { recursive: true, force: true });
      });

      const listening = await waitForFileLine(file, /event=listening/);
      const port = Number(/\bport=(\d+)/.exec(listening)[1]);
      const room = uniqueRoom('rotate');
      const before = await register(`ws://127.0.0.1:${port}/?room=${room}`, 'before');
      await waitForFileLine(file, /event=register .*name=before/);

      // What logrotate does: move the file, then tell the server.
      fs.renameSync(file, `${file}.1`);
      proc.kill('SIGHUP');
      await waitForFileLine(file, /event=log-reopened/);
      await before.close();
      await register(`ws://127.0.0.1:${port}/?room=${room}`, 'after');
      await waitForFileLine(file, /event=register .*name=after/);

      const old = fs.readFileSync(`${file}.1`, 'utf8');
      const fresh = fs.readFileSync(file, 'utf8');
      assert.match(old, /event=register .*name=before/);
      assert.doesNotMatch(old, /name=after/, 'a line after the reopen went to the old file');
      assert.match(fresh.split('\n')[0], /event=log-reopened/, 'the new file starts with the reopen');
      assert.match(fresh, /event=leave .*name=before|event=disconnect/);
      proc.kill('SIGTERM');
      assert.equal(await withTimeout(exited, WAIT_MS, 'exit'), 0);
      assert.equal(stderr, '', 'nothing on stderr when logging to a file');
      assert.match(fs.readFileSync(file, 'utf8'), /event=stopped/);
    },
  );

  test('--log-file that cannot be opened: exit 1, the reason on stderr', async () => {
    const proc = spawn(
      SERVER_BINARY,
      ['--port', '0', '--log-file', path.join(os.tmpdir(), 'no-such-dir-sb', 'x', 'log')],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    proc.stderr.on('data', (chunk) => (stderr += chunk));
    const code = await withTimeout(
      new Promise((resolve) => proc.on('exit', resolve)),
      WAIT_MS,
      'exit',
    );
    assert.equal(code, 1);
    assert.match(stderr, /event=fatal reason="cannot open the log file .*No such file or directory"/);
  });
});
