// What bench/compare-report.mjs and bench/targets-report.mjs share: numbers and their format,
// the machine's description, and writing one generated section of docs/benchmarks.md between
// its markers, leaving the rest of the document alone.

import { execSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** A shell command's trimmed output, or '?' when it fails. */
export function sh(command) {
  try {
    return execSync(command, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '?';
  }
}

export const numbers = (values) => values.filter((x) => typeof x === 'number' && Number.isFinite(x));

export function median(values) {
  const v = numbers(values).sort((a, b) => a - b);
  if (v.length === 0) return undefined;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

export const fmt = (value, digits = 0) =>
  value === undefined
    ? '–'
    : value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** "- **Machine**: …" for this machine; `extra` is appended to the line. */
export function machineLine(extra = '') {
  const model = sh("lscpu | sed -n 's/^Model name: *//p'");
  return (
    `- **Machine**: ${model}, ${sh('nproc')} CPUs (\`nproc\`), ${sh("lscpu | sed -n 's/^Core(s) per socket: *//p'")} cores per socket, ` +
    `${sh("lscpu | sed -n 's/^Hypervisor vendor: *//p'") || 'bare metal'} guest; Linux ${sh('uname -r')}; ` +
    `${sh("awk '/MemTotal/ {printf \"%.0f GiB\", $2/1048576}' /proc/meminfo")} RAM${extra}`
  );
}

/** "- **Load average** …" from the run's loadavg-start and loadavg-end files. */
export function loadLine(resultsDir, where) {
  const load = (file) => sh(`cut -d' ' -f1-3 ${path.join(resultsDir, file)}`);
  return (
    `- **Load average** (1, 5, 15 min) at the start ${load('loadavg-start')}, at the end ${load('loadavg-end')}: ` +
    `other work on the machine shows here and in ${where}.`
  );
}

/** "g++ (…) 12.2.0; Boost 1.81" */
export function toolchain() {
  const boost = sh("sed -n 's/^#define BOOST_LIB_VERSION \"\\(.*\\)\"/\\1/p' /usr/include/boost/version.hpp");
  return `${sh('g++ --version | head -n 1')}; Boost ${boost.replace('_', '.')}`;
}

/** When the run ended (its loadavg-end file's time), to the second. */
export function finishedAt(resultsDir) {
  const file = path.join(resultsDir, 'loadavg-end');
  const when = fs.existsSync(file) ? fs.statSync(file).mtime : new Date();
  return when.toISOString().replace(/\.\d+Z$/, 'Z');
}

/** The command line that made this run: its PREFIX_* settings, then `command`. */
export function invocation(prefix, command) {
  const internal = [`${prefix}INSIDE`, `${prefix}RESULTS`];
  const env = Object.entries(process.env)
    .filter(([k]) => k.startsWith(prefix) && !internal.includes(k))
    .map(([k, v]) => `${k}=${/^[\w.\/-]+$/.test(v) ? v : `'${v}'`}`);
  return [...env, command].join(' ');
}

/**
 * Replaces what stands between `begin` and `end` in `text` with `section` (which carries the
 * markers itself) and writes it to `docPath`; exits 1 without writing when the markers are
 * missing or out of order.
 */
export function writeSection(docPath, text, begin, end, section) {
  const from = text.indexOf(begin);
  const to = text.indexOf(end);
  if (from < 0 || to < from) {
    console.error(`${docPath}: no ${begin} ... ${end} markers in order; not touching it`);
    process.exit(1);
  }
  fs.writeFileSync(docPath, text.slice(0, from) + section + text.slice(to + end.length));
}
