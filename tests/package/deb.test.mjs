// The Debian package (scripts/package.sh), as an operator gets it: built from this checkout,
// installed with apt-get, its unit checked by systemd-analyze, the installed binary run with
// the installed configuration (serving the installed web client), then removed again. Needs
// root (apt-get); skipped otherwise, saying so. Refuses to touch a switchboard package it did
// not install itself.

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { httpRequest, startServer } from '../integration/helpers.mjs';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const isRoot = process.getuid?.() === 0;

const sh = (command, args, options = {}) =>
  execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...options });
const installed = () => {
  try {
    return sh('dpkg-query', ['-W', '-f=${Status}', 'switchboard']).includes('install ok installed');
  } catch {
    return false;
  }
};

test(
  'the .deb installs, its unit verifies, the installed server runs with the installed config, and it removes cleanly',
  { skip: isRoot ? false : 'needs root for apt-get', timeout: 600_000 },
  async (t) => {
    assert.ok(!installed(), 'a switchboard package is installed already: remove it first');
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-deb-'));
    t.after(() => {
      if (installed()) sh('apt-get', ['purge', '-y', '-q', 'switchboard']);
      fs.rmSync(out, { recursive: true, force: true });
    });
    const deb = sh(path.join(REPO_ROOT, 'scripts/package.sh'), [out], { cwd: REPO_ROOT })
      .trim()
      .split('\n')
      .pop();
    assert.match(path.basename(deb), /^switchboard_\d+\.\d+\.\d+_[a-z0-9]+\.deb$/);
    const fields = sh('dpkg-deb', ['-f', deb, 'Package', 'Depends']);
    assert.match(fields, /Depends: .*libssl3.*/, 'runtime libraries are dependencies');

    sh('apt-get', ['install', '-y', '-q', deb], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    assert.ok(installed());
    for (const file of [
      '/usr/bin/switchboard',
      '/usr/share/switchboard/web/index.html',
      '/etc/switchboard/switchboard.toml',
      '/lib/systemd/system/switchboard.service',
      '/usr/share/doc/switchboard/alerts.yml',
      '/usr/share/doc/switchboard/haproxy.cfg',
    ])
      assert.ok(fs.existsSync(file), `${file} is not installed`);
    assert.match(
      sh('dpkg-query', ['-W', '-f=${Conffiles}', 'switchboard']),
      /\/etc\/switchboard\/switchboard\.toml/,
      'the configuration is a conffile (an upgrade keeps local edits)',
    );
    assert.match(sh('man', ['-w', 'switchboard']), /switchboard\.1/);
    // The unit: hardened as promised, and systemd finds nothing wrong with it.
    const unit = fs.readFileSync('/lib/systemd/system/switchboard.service', 'utf8');
    for (const line of [
      'DynamicUser=yes',
      'ProtectSystem=strict',
      'ProtectHome=yes',
      'NoNewPrivileges=yes',
      'CapabilityBoundingSet=CAP_NET_BIND_SERVICE',
      'LimitNOFILE=1048576',
      'Restart=on-failure',
    ])
      assert.ok(unit.split('\n').includes(line), `the unit lacks ${line}`);
    // It exits 0 on a misspelt key or a bad value too, saying so on stderr: nothing may be said.
    const verify = spawnSync('systemd-analyze', ['verify', '/lib/systemd/system/switchboard.service'], {
      encoding: 'utf8',
    });
    assert.equal(verify.status, 0, verify.stderr);
    assert.equal(verify.stderr.trim(), '', 'systemd-analyze verify found something to say');

    // What the unit runs, with the installed configuration (a free port on loopback instead of
    // 6503 on every address: a flag beats the file).
    assert.match(sh('/usr/bin/switchboard', ['--version']), /^switchboard \d+\.\d+\.\d+ /);
    const server = await startServer(['--config', '/etc/switchboard/switchboard.toml'], {
      binary: '/usr/bin/switchboard',
      webRoot: false,
    });
    try {
      const page = await httpRequest(server.port, 'GET', '/');
      assert.equal(page.status, 200);
      assert.match(page.body.toString('utf8'), /<title>switchboard/i, 'the installed web client');
      assert.equal((await httpRequest(server.port, 'GET', '/readyz')).status, 200);
    } finally {
      await server.stop();
    }
    assert.deepEqual(await server.exited, { code: 0, signal: null });

    sh('apt-get', ['purge', '-y', '-q', 'switchboard']);
    assert.ok(!installed());
    for (const gone of ['/usr/bin/switchboard', '/etc/switchboard/switchboard.toml', '/usr/share/switchboard'])
      assert.ok(!fs.existsSync(gone), `${gone} is still there after purge`);
  },
);
