// Turns a bench/tls run (bench/results/<time>-tls/runs.jsonl: one line per scenario and
// repetition holding switchboard-bench's JSON summary) into the section of docs/benchmarks.md
// between <!-- tls:begin --> and <!-- tls:end -->: issue 9's TLS targets (goal, median,
// min–max over the runs, met or missed), the commands and the machine.
//
//   node bench/tls-report.mjs RESULTS_DIR DOC

import fs from 'node:fs';
import path from 'node:path';
import {
  finishedAt, fmt, invocation, loadLine, machineLine, median, numbers, sh, toolchain, writeSection,
} from './report-common.mjs';

const [resultsDir, docPath] = process.argv.slice(2);
if (!resultsDir || !docPath) {
  console.error('usage: node bench/tls-report.mjs RESULTS_DIR DOC');
  process.exit(2);
}
const BEGIN = '<!-- tls:begin -->';
const END = '<!-- tls:end -->';

const runs = fs
  .readFileSync(path.join(resultsDir, 'runs.jsonl'), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((line) => JSON.parse(line));
const ok = (run) => run.exit === 0 && run.summary && run.summary.ok;
const of = (scenario) => runs.filter((run) => run.scenario === scenario);
/** Per-run values of `pick(summary)` for a scenario (failed runs give undefined). */
const values = (scenario, pick) => of(scenario).map((run) => (ok(run) ? pick(run.summary) : undefined));
/** Per-run values of a function of two scenarios' runs, paired by repetition. */
function paired(a, b, f) {
  return of(a).map((runA) => {
    const runB = of(b).find((run) => run.rep === runA.rep);
    return ok(runA) && runB && ok(runB) ? f(runA.summary, runB.summary) : undefined;
  });
}
const cpuPerConn = (s) => (s.server_cpu_s / s.connected) * 1e6;

/** Google Benchmark's repetitions (run_type "iteration") whose name starts with `prefix`. */
function microValues(prefix, pick) {
  const file = path.join(resultsDir, 'micro.json');
  if (!fs.existsSync(file)) return [];
  let parsed;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return [undefined];
  }
  return (parsed.benchmarks ?? [])
    .filter((b) => b.run_type === 'iteration' && b.name.startsWith(prefix))
    .map(pick);
}
const microExitFile = path.join(resultsDir, 'micro.exit');
const microExit = fs.existsSync(microExitFile) ? Number(fs.readFileSync(microExitFile, 'utf8').trim()) : 0;

const rows = [];
function row(label, goal, list, digits, meets) {
  const v = numbers(list);
  const m = median(list);
  const range = v.length > 1 ? `${fmt(Math.min(...v), digits)} – ${fmt(Math.max(...v), digits)}` : '–';
  const verdict = meets === undefined || m === undefined ? '–' : meets(m) ? 'met' : '**missed**';
  rows.push(`| ${label} | ${goal} | ${fmt(m, digits)} | ${range} | ${verdict} |`);
  return verdict;
}
const verdicts = [
  row('relay over ws: server CPU per message (µs)', 'for comparison', values('relay-ws', (s) => s.server_cpu_us_per_msg), 2),
  row('relay over wss: server CPU per message (µs)', 'for comparison', values('relay-wss', (s) => s.server_cpu_us_per_msg), 2),
  row('relay: wss ÷ ws CPU per message', '≤ 1.5', paired('relay-wss', 'relay-ws', (t, p) => t.server_cpu_us_per_msg / p.server_cpu_us_per_msg), 2, (m) => m <= 1.5),
  row('relay over wss: delivered msgs/s', 'for information', values('relay-wss', (s) => s.msgs_per_s), 0),
  row('connection over ws: server CPU (µs; TCP, upgrade, register)', 'for comparison', values('conns-ws', cpuPerConn), 0),
  row('connection over wss, ECDSA P-256: server CPU (µs; TCP, TLS, upgrade, register)', 'for comparison', values('conns-ecdsa', cpuPerConn), 0),
  row(
    'TLS handshake over sockets, ECDSA: wss − ws connection CPU (µs)',
    'for comparison',
    paired('conns-ecdsa', 'conns-ws', (t, p) => cpuPerConn(t) - cpuPerConn(p)),
    0,
  ),
  row(
    'TLS handshakes/s on one core, ECDSA P-256, over sockets (1 s ÷ the above)',
    '≥ 2,500',
    paired('conns-ecdsa', 'conns-ws', (t, p) => 1e6 / (cpuPerConn(t) - cpuPerConn(p))),
    0,
    (m) => m >= 2500,
  ),
  row(
    "TLS handshakes/s on one core, ECDSA P-256, the server's side alone (micro: load_tls + TlsCore, CPU time)",
    '≥ 2,500',
    microValues('BM_TlsServerHandshake/ecdsa', (b) => b.items_per_second),
    0,
    (m) => m >= 2500,
  ),
  row("TLS handshakes/s on one core, RSA-2048, the server's side alone (micro)", 'for information', microValues('BM_TlsServerHandshake/rsa', (b) => b.items_per_second), 0),
  row('whole wss connections/s on one core, ECDSA P-256 (1 s ÷ the wss connection CPU)', 'for information', values('conns-ecdsa', (s) => 1e6 / cpuPerConn(s)), 0),
  row('whole wss connections/s on one core, RSA-2048', 'for information', values('conns-rsa', (s) => 1e6 / cpuPerConn(s)), 0),
  row('idle connection over ws: server RSS (bytes, 10,000 held)', 'for comparison', values('memory-ws', (s) => s.rss_per_conn), 0),
  row('idle connection over wss: server RSS (bytes, 10,000 held)', 'for information', values('memory-wss', (s) => s.rss_per_conn), 0),
  row("of which the TLS layer: heap bytes one idle connection's OpenSSL state and TlsCore hold (micro)", 'for information', microValues('BM_TlsIdleConnectionMemory/ecdsa', (b) => b.bytes_per_connection), 0),
  row('of that, what OpenSSL itself asked for (micro; its allocation sites in micro.err)', 'for information', microValues('BM_TlsIdleConnectionMemory/ecdsa', (b) => b.openssl_bytes_per_connection), 0),
  row('idle connection: wss ÷ ws RSS', '≤ 3', paired('memory-wss', 'memory-ws', (t, p) => t.rss_per_conn / p.rss_per_conn), 2, (m) => m <= 3),
  row('storm: 10,000 wss clients at once, each with a JWT: all registered (s)', '≤ 10', values('storm', (s) => s.window_s), 2, (m) => m <= 10),
  row('lost / errors, every run', '0 / 0', runs.map((run) => (run.summary ? run.summary.lost + run.summary.errors : undefined)), 0, (m) => m === 0),
];
const failed = runs.filter((run) => !ok(run)).map((run) => `${run.scenario}-${run.rep}`);
if (microExit !== 0) failed.push(`micro (exit ${microExit}; see micro.err)`);
const met = verdicts.filter((v) => v === 'met').length;
const judged = verdicts.filter((v) => v !== '–').length;

const commands = fs
  .readFileSync(path.join(resultsDir, 'commands.txt'), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((line) => {
    const [name, server, bench] = line.split('\t');
    return `| ${name} | \`${server}\` | \`${bench}\` |`;
  });

const reps = Math.max(...runs.map((run) => run.rep));
const section = `${BEGIN}
## TLS: what it costs (\`bench/tls\`, issue 9)

Generated by \`${invocation('TLS_', 'bench/tls')}\` — do not edit by hand between the tls markers.

${machineLine()}
${loadLine(resultsDir, 'the CPU numbers')}
- **Versions**: Switchboard ${sh(`cat ${path.join(resultsDir, 'revision')}`)} (release build); ${toolchain()}; ${sh('openssl version')}
- **When**: ${finishedAt(resultsDir)}; raw results: \`${resultsDir}/\` (not committed)

One server thread on CPU 0, switchboard-bench on CPU 1, loopback only, a fresh server per run,
certificates from \`scripts/dev-cert.sh\`. ${reps} repetition(s) of each scenario; medians and
ranges over them. The handshake target is judged on the TLS handshake, measured two ways that
must both meet it: over sockets, as what a wss connection costs the server more than a ws one;
and without sockets, the server's calls alone (bench/micro/tls_handshake_bench.cpp). A whole
wss connection (TCP, TLS, HTTP upgrade, registration) is shown beside them.${failed.length ? ` Failed runs: ${failed.join(', ')}.` : ' Every run lost nothing and reported no error.'}

**${met} of ${judged} targets met.**

| measure | goal | median | range (min – max) | met? |
| --- | --- | --- | --- | --- |
${rows.join('\n')}

| scenario | server | bench |
| --- | --- | --- |
${commands.join('\n')}
${END}`;

const text = fs.readFileSync(docPath, 'utf8');
if (!text.includes(BEGIN)) {
  // First run: the section goes at the end, where it can then be regenerated in place.
  fs.writeFileSync(docPath, `${text.trimEnd()}\n\n${BEGIN}\n${END}\n`);
}
writeSection(docPath, fs.readFileSync(docPath, 'utf8'), BEGIN, END, section);
