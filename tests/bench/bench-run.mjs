// Running switchboard-bench from a test and judging its final JSON line (shared by the smoke
// tests against Switchboard and against the other servers in bench/peers).
//
//   SWITCHBOARD_BENCH_BIN  the bench (default build/release/tools/bench/switchboard-bench)

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TEST_TIMEOUT_MS, scaled } from '../integration/timeouts.mjs';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BENCH_BINARY =
  process.env.SWITCHBOARD_BENCH_BIN ??
  path.join(REPO_ROOT, 'build/release/tools/bench/switchboard-bench');
// The bench's own bound on each wait; generous for sanitizer builds of either side.
export const BENCH_TIMEOUT_S = String(Math.round(scaled(20)));
const SANITIZER_REPORT = /(Address|Leak|Thread|Memory|UndefinedBehavior)Sanitizer|runtime error:/;

/**
 * Runs the bench to completion; resolves with its exit status, stdout, stderr.
 * @param {{ limitMs?: number }} options limitMs: when to kill a hung bench (default: a little
 *   under one test's timeout); a run longer than a test (the soak) gives its own
 */
export function runBench(args, { limitMs = TEST_TIMEOUT_MS - scaled(5_000) } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(BENCH_BINARY, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    // The bench bounds itself (--duration, --timeout); this only catches a hung process.
    const killer = setTimeout(() => child.kill('SIGKILL'), limitMs);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(killer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** The final one-line JSON summary, after the human-readable lines. */
export function summaryOf(run) {
  const lines = run.stdout.trim().split('\n');
  const last = lines.at(-1);
  assert.ok(last?.startsWith('{'), `no JSON summary; stdout:\n${run.stdout}\nstderr:\n${run.stderr}`);
  return JSON.parse(last);
}

export function assertClean(run, summary) {
  const context = `\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`;
  assert.doesNotMatch(run.stderr, SANITIZER_REPORT, `the bench printed a sanitizer report${context}`);
  assert.equal(summary.errors, 0, `errors ${JSON.stringify(summary.error_kinds)}${context}`);
  assert.equal(summary.lost, 0, `lost${context}`);
  assert.equal(summary.duplicates, 0, `duplicates${context}`);
  assert.equal(summary.received, summary.sent, `received != sent${context}`);
  assert.equal(summary.connected, summary.clients, `not every client connected${context}`);
  assert.equal(summary.ok, true, context);
  assert.equal(run.code, 0, `exit status${context}`);
}
