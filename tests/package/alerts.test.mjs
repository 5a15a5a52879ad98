// packaging/alerts.yml: Prometheus accepts the rules (promtool check rules), and each alert
// fires on the series that should fire it and not on a healthy server (promtool test rules,
// tests/package/alerts-test.yml). Every metric an alert names is one the server exposes.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const rules = path.join(root, 'packaging/alerts.yml');

function promtool(args, cwd = root) {
  const run = spawnSync('promtool', args, { cwd, encoding: 'utf8' });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

describe('packaging/alerts.yml', () => {
  test('promtool check rules accepts it', () => {
    const check = promtool(['check', 'rules', rules]);
    assert.equal(check.status, 0, check.output);
    assert.match(check.output, /SUCCESS: \d+ rules found/);
  });

  test('promtool test rules: the alerts fire when they should, and only then', () => {
    const run = promtool(['test', 'rules', 'alerts-test.yml'], here);
    assert.equal(run.status, 0, run.output);
  });

  test('every switchboard_ metric the rules name is one the server exposes', () => {
    const text = fs.readFileSync(rules, 'utf8');
    const named = new Set(text.match(/\bswitchboard_[a-z_]+/g));
    const exposition = fs.readFileSync(path.join(root, 'src/metrics/exposition.cpp'), 'utf8');
    for (let name of named) {
      // A histogram's series are its family's name plus _bucket, _sum or _count.
      name = name.replace(/_(bucket|sum|count)$/, '');
      assert.ok(exposition.includes(`"${name}"`), `${name} is not exposed (src/metrics/exposition.cpp)`);
    }
  });
});
