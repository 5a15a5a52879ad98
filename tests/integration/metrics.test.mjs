// GET /metrics scraped by a real Prometheus (tests/integration/prometheus.mjs): the series
// move by exactly what the test did, promtool accepts a scrape, and --metrics-token keeps
// /metrics to the scraper that has the token (docs/operations.md, "Metrics").

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { afterEach, describe, test } from 'node:test';
import {
  SUITE_TIMEOUT_MS,
  TEST_TIMEOUT_MS,
  expectError,
  httpRequest,
  register,
  roomUrl,
  scaled,
  startServer,
  terminateAllClients,
  uniqueRoom,
} from './helpers.mjs';
import { startPrometheus } from './prometheus.mjs';

const PROMETHEUS_TEST_MS = scaled(60_000);
const value = (series) => (series.length === 1 ? series[0].value : undefined);

describe('metrics', { timeout: SUITE_TIMEOUT_MS }, () => {
  afterEach(() => terminateAllClients());

  test(
    'a real Prometheus scrapes /metrics: users, rooms, connections and errors by code move by exactly what was done',
    { timeout: PROMETHEUS_TEST_MS },
    async (t) => {
      const server = await startServer();
      t.after(() => server.stop());
      const prometheus = await startPrometheus(`127.0.0.1:${server.port}`);
      t.after(() => prometheus.stop());
      await prometheus.waitFor('up{job="switchboard"}', (r) => value(r) === 1);
      const baseline = await prometheus.waitFor(
        'switchboard_errors_sent_total{code="unknown-target"}',
        (r) => value(r) === 0,
      );
      assert.equal(baseline.length, 1, 'every code is exposed from the start, at 0');

      const room = uniqueRoom('metrics');
      const ana = await register(roomUrl(server, room), 'ana');
      await register(roomUrl(server, room), 'bob');
      for (let i = 0; i < 3; i += 1) {
        ana.send({ type: 'video-offer', target: 'nobody', sdp: {} });
        await expectError(ana, 'unknown-target');
      }
      ana.sendRaw('this is not JSON');
      await expectError(ana, 'invalid-json');

      await prometheus.waitFor(
        'switchboard_errors_sent_total{code="unknown-target"}',
        (r) => value(r) === 3,
      );
      assert.equal(
        value(await prometheus.query('switchboard_errors_sent_total{code="invalid-json"}')),
        1,
      );
      assert.equal(
        value(await prometheus.query('sum(switchboard_errors_sent_total)')),
        4,
        'no other error was counted',
      );
      assert.equal(value(await prometheus.query('switchboard_users')), 2);
      assert.equal(value(await prometheus.query('switchboard_rooms')), 1);
      assert.equal(
        value(await prometheus.query('switchboard_connections{state="registered"}')),
        2,
      );
      assert.equal(
        value(await prometheus.query('switchboard_connections{state="unregistered"}')),
        0,
      );
      const build = await prometheus.query('switchboard_build_info');
      assert.equal(build.length, 1);
      assert.match(build[0].metric.version, /^\d+\.\d+\.\d+$/);
      assert.ok(build[0].metric.revision.length > 0);
      assert.ok(value(await prometheus.query('process_open_fds')) > 0);
      assert.ok(value(await prometheus.query('process_resident_memory_bytes')) > 1e6);
      const started = value(await prometheus.query('process_start_time_seconds'));
      assert.ok(Math.abs(started - Date.now() / 1000) < 120, `start time ${started}`);

      // The two leave: the gauges follow.
      await ana.close();
      await prometheus.waitFor('switchboard_users', (r) => value(r) === 1);
    },
  );

  test('promtool check metrics accepts a scrape', { timeout: TEST_TIMEOUT_MS }, async (t) => {
    const server = await startServer();
    t.after(() => server.stop());
    await register(roomUrl(server, uniqueRoom('lint')), 'ana');
    const scrape = await httpRequest(server.port, 'GET', '/metrics');
    assert.equal(scrape.status, 200);
    assert.equal(scrape.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
    const lint = spawnSync('promtool', ['check', 'metrics'], { input: scrape.body, encoding: 'utf8' });
    assert.equal(lint.status, 0, `${lint.stdout}${lint.stderr}`);
  });

  test(
    '--metrics-token: /metrics wants the bearer token; Prometheus with it scrapes',
    { timeout: PROMETHEUS_TEST_MS },
    async (t) => {
      const token = 'metrics-token-for-the-test-0123456789';
      const server = await startServer(['--metrics-token', token]);
      t.after(() => server.stop());
      const refused = await httpRequest(server.port, 'GET', '/metrics');
      assert.equal(refused.status, 401);
      assert.equal(refused.headers['www-authenticate'], 'Bearer');
      assert.doesNotMatch(refused.body.toString('utf8'), /switchboard_/);
      const wrong = await httpRequest(server.port, 'GET', '/metrics', {
        Authorization: `Bearer ${token.slice(0, -1)}x`,
      });
      assert.equal(wrong.status, 401);
      const right = await httpRequest(server.port, 'GET', '/metrics', {
        Authorization: `Bearer ${token}`,
      });
      assert.equal(right.status, 200);
      const prometheus = await startPrometheus(`127.0.0.1:${server.port}`, { bearer: token });
      t.after(() => prometheus.stop());
      await prometheus.waitFor('up{job="switchboard"}', (r) => value(r) === 1);
      assert.equal(value(await prometheus.query('switchboard_users')), 0);
    },
  );
});
