// --config FILE (TOML, keys = long option names) and --dump-config: the precedence flag >
// environment > file > default, unknown keys refused by name, secrets not printed, the dump
// read back as a config file, the shipped packaging/switchboard.toml, and a server that really
// runs with what its file says.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  SERVER_BINARY,
  SUITE_TIMEOUT_MS,
  TEST_TIMEOUT_MS,
  WAIT_MS,
  connect,
  expectError,
  register,
  roomUrl,
  startServer,
  terminateAllClients,
  uniqueRoom,
  withTimeout,
} from './helpers.mjs';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SHIPPED = path.join(REPO_ROOT, 'packaging/switchboard.toml');

/** Runs the binary to its exit: {code, stdout, stderr}. `env` replaces the SWITCHBOARD_ ones. */
function run(args, env = {}) {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('SWITCHBOARD_')),
  );
  const proc = spawn(SERVER_BINARY, args, {
    env: { ...clean, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (chunk) => (stdout += chunk));
  proc.stderr.on('data', (chunk) => (stderr += chunk));
  return withTimeout(
    new Promise((resolve) => proc.on('close', (code) => resolve({ code, stdout, stderr }))),
    WAIT_MS,
    `switchboard ${args.join(' ')}`,
  );
}

/** key → value text of a --dump-config output (set lines only). */
function settings(dump) {
  const result = {};
  for (const line of dump.split('\n')) {
    const match = /^([a-z][a-z0-9-]*) = (.*)$/.exec(line);
    if (match) result[match[1]] = match[2];
  }
  return result;
}

describe('config file', { timeout: SUITE_TIMEOUT_MS }, () => {
  let dir;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-config-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  afterEach(() => terminateAllClients());

  const write = (name, text) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    return file;
  };

  test('a flag beats the environment, which beats the file, which beats the default', async () => {
    const file = write(
      'precedence.toml',
      [
        'port = 1111',
        'web-root = "from-file"',
        'max-room-users = 7',
        'log-level = "warn"',
        'idle-timeout = 42',
        '',
      ].join('\n'),
    );
    const { code, stdout, stderr } = await run(
      ['--config', file, '--web-root', 'from-flag', '--log-level', 'error', '--dump-config'],
      { SWITCHBOARD_PORT: '2222', SWITCHBOARD_LOG_LEVEL: 'debug', SWITCHBOARD_IDLE_TIMEOUT: '43' },
    );
    assert.equal(code, 0, stderr);
    const got = settings(stdout);
    assert.equal(got.port, '2222', 'environment over file');
    assert.equal(got['idle-timeout'], '43', 'environment over file');
    assert.equal(got['web-root'], '"from-flag"', 'flag over file');
    assert.equal(got['log-level'], '"error"', 'flag over environment (and file)');
    assert.equal(got['max-room-users'], '7', 'file over default');
    assert.equal(got.threads, '0', 'the default where nobody said anything');
    // SWITCHBOARD_CONFIG names the file too.
    const viaEnv = await run(['--dump-config'], { SWITCHBOARD_CONFIG: file });
    assert.equal(settings(viaEnv.stdout)['max-room-users'], '7');
  });

  test('a key that is no option stops the server and is named; so is a [section]', async () => {
    for (const [text, key] of [
      ['port = 6503\nmax-room-user = 7\n', 'max-room-user'],
      ['[limits]\nmax-room-users = 7\n', 'limits.max-room-users'],
      ['dump-config = true\n', 'dump-config'],
    ]) {
      const { code, stderr } = await run(['--config', write('unknown.toml', text)]);
      assert.notEqual(code, 0, text);
      assert.match(stderr, new RegExp(`unknown key '${key.replace('.', '\\.')}'`), stderr);
    }
    const missing = await run(['--config', path.join(dir, 'nope.toml')]);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /nope\.toml/);
  });

  test('--dump-config hides secrets and reads back as the same configuration', async () => {
    const first = await run(['--dump-config', '--auth', 'jwt'], {
      SWITCHBOARD_JWT_SECRET: 'top-secret-0123456789abcdef0123456789',
      SWITCHBOARD_TURN_SECRET: 'turn-secret-0123456789',
      SWITCHBOARD_TURN_URLS: 'turn:turn.example.org:3478',
      SWITCHBOARD_ICE_SERVERS: 'stun:a.example.org:3478 stun:b.example.org:3478',
    });
    assert.equal(first.code, 0, first.stderr);
    assert.doesNotMatch(first.stdout, /top-secret|turn-secret-0/);
    assert.match(first.stdout, /^# jwt-secret = \(set, not shown\)$/m);
    assert.match(first.stdout, /^ice-server = \["stun:a.example.org:3478", "stun:b.example.org:3478"\]$/m);
    // Without the secrets (not printed), the rest reads back unchanged.
    const noSecrets = await run(['--dump-config']);
    const file = write('dump.toml', noSecrets.stdout);
    const again = await run(['--config', file, '--dump-config']);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout, noSecrets.stdout);
  });

  test('packaging/switchboard.toml: every option is in it, and the server takes it', async () => {
    const defaults = await run(['--dump-config']);
    const shipped = fs.readFileSync(SHIPPED, 'utf8');
    const keys = [...defaults.stdout.matchAll(/^(?:# )?([a-z][a-z0-9-]*) =/gm)].map((m) => m[1]);
    assert.ok(keys.length >= 40, `only ${keys.length} options in --dump-config`);
    for (const key of keys)
      assert.match(shipped, new RegExp(`^(# )?${key} = `, 'm'), `${key} is not in ${SHIPPED}`);
    const taken = await run(['--config', SHIPPED, '--dump-config']);
    assert.equal(taken.code, 0, taken.stderr);
    // It states the defaults, but for where the package puts the web client.
    const differs = Object.entries(settings(taken.stdout)).filter(
      ([key, value]) => settings(defaults.stdout)[key] !== value,
    );
    assert.deepEqual(differs, [['web-root', '"/usr/share/switchboard/web"']]);
  });

  test(
    'a server started with --config runs with what the file says',
    { timeout: TEST_TIMEOUT_MS },
    async (t) => {
      const file = write('room-of-one.toml', 'max-room-users = 1\nlog-format = "json"\n');
      const server = await startServer(['--config', file]);
      t.after(() => server.stop());
      assert.ok(server.stderrLines.some((line) => line.startsWith('{')), 'json logs');
      const url = roomUrl(server, uniqueRoom('one'));
      await register(url, 'ana');
      const bob = await connect(url);
      await bob.next('id');
      bob.send({ type: 'username', name: 'bob' });
      await expectError(bob, 'room-full');
    },
  );
});
