// Turns a bench/targets run (bench/results/<time>-targets/: runs.jsonl, one line per scenario
// and repetition holding switchboard-bench's JSON summary; micro.json, Google Benchmark's
// output) into the section of docs/benchmarks.md between <!-- targets:begin --> and
// <!-- targets:end -->: one table of issue 4's targets (goal, median, min–max over the runs,
// met or missed), how the runs went (verdicts, CPU waits), the exact commands and the machine.
// Everything outside the markers is kept as it is; when the markers are missing they are added
// after the document's introduction (its first paragraph), before anything else.
//
//   node bench/targets-report.mjs RESULTS_DIR DOC

import fs from 'node:fs';
import path from 'node:path';
import {
  finishedAt, fmt, invocation, loadLine, machineLine, median, numbers, sh, toolchain, writeSection,
} from './report-common.mjs';

const [resultsDir, docPath] = process.argv.slice(2);
if (!resultsDir || !docPath) {
  console.error('usage: node bench/targets-report.mjs RESULTS_DIR DOC');
  process.exit(2);
}

const BEGIN = '<!-- targets:begin -->';
const END = '<!-- targets:end -->';

const readIf = (file) => {
  const full = path.join(resultsDir, file);
  return fs.existsSync(full) ? fs.readFileSync(full, 'utf8') : undefined;
};

const runs = (readIf('runs.jsonl') ?? '')
  .split('\n')
  .filter(Boolean)
  .map((line) => JSON.parse(line));

/** Google Benchmark's repetitions of the hot path (run_type "iteration", not the aggregates). */
function microRuns() {
  const text = readIf('micro.json');
  if (text === undefined) return undefined;
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch {
    return [];
  }
  return (parsed.benchmarks ?? []).filter((b) => b.run_type === 'iteration');
}
const micro = microRuns();

/** The wakeup probe's JSON lines (one per CPU it ran on), from wakeups.jsonl. */
const wakeups = (readIf('wakeups.jsonl') ?? '')
  .split('\n')
  .filter(Boolean)
  .map((line) => JSON.parse(line));
const microExit = Number((readIf('micro.exit') ?? '0').trim());

/** The runs of one scenario, in order; `summary` is null where the bench printed none. */
const runsOf = (scenario) => runs.filter((r) => r.scenario === scenario).sort((a, b) => a.rep - b.rep);
const pickFrom = (run, pick) => {
  try {
    return run.summary ? pick(run.summary) : undefined;
  } catch {
    return undefined;
  }
};

const KiB = 1024;
const MiB = 1024 * 1024;
const us = (v) => `${fmt(v, v < 100 ? 1 : 0)} µs`;

/** A latency measured while the generator fell behind its schedule is partly the generator's. */
function offSchedule(scenarioRuns) {
  const late = scenarioRuns.filter((r) => r.summary && r.summary.on_schedule === false).length;
  return late ? `; the generator fell behind in ${late}/${scenarioRuns.length} runs: not trusted` : '';
}

// One row per measured quantity. `ok` makes it a target (met when the median meets it; the
// number of runs that met it is shown when not all did); without `ok` it is for information.
const SCENARIOS = [
  {
    scenario: 'relay',
    label: 'relay',
    rows: [
      { target: 'relay: delivered msgs/s (50 pairs, 16 in flight each, 5 s)', goal: 'for information',
        pick: (s) => s.msgs_per_s, show: (v) => fmt(v) },
      { target: 'relay: server CPU per delivered message', goal: '≤ 10 µs',
        pick: (s) => s.server_cpu_us_per_msg, show: (v) => `${fmt(v, 2)} µs`, ok: (v) => v <= 10 },
    ],
  },
  {
    scenario: 'rate',
    label: 'rate',
    rows: [
      { target: 'rate: p99 one-way latency (20,000 msgs/s over 1,000 clients, 5 s)', goal: '≤ 500 µs',
        pick: (s) => s.latency_us.p99, show: us, ok: (v) => v <= 500, caveat: offSchedule },
      { target: 'rate: p50 one-way latency', goal: 'for information', pick: (s) => s.latency_us.p50, show: us },
      { target: 'rate: p99.9 one-way latency', goal: 'for information', pick: (s) => s.latency_us.p999, show: us },
      { target: 'rate: delivered msgs/s', goal: 'for information', pick: (s) => s.msgs_per_s, show: (v) => fmt(v) },
      { target: 'rate: server CPU per delivered message (less batching than relay)', goal: 'for information',
        pick: (s) => s.server_cpu_us_per_msg, show: (v) => `${fmt(v, 2)} µs` },
      { target: 'rate: generator kept its schedule (else the latency is partly its own)', goal: 'every run',
        count: (s) => s.on_schedule === true },
    ],
  },
  {
    scenario: 'conns-memory',
    label: 'conns (10,000)',
    rows: [
      { target: 'conns: server RSS per idle connection (10,000 held 1 s, fresh server)', goal: '≤ 6 KiB (6,144 B)',
        pick: (s) => s.rss_per_conn, show: (v) => `${fmt(v)} B`, ok: (v) => v <= 6 * KiB },
      { target: 'conns: RSS of 100,000 idle connections (derived: 100,000 × the above)',
        goal: `≤ ${fmt((100000 * 6 * KiB) / MiB)} MiB`,
        pick: (s) => (100000 * s.rss_per_conn) / MiB, show: (v) => `${fmt(v)} MiB`, ok: (v) => v <= (100000 * 6 * KiB) / MiB },
      { target: 'conns: handshakes/s opening 10,000', goal: 'for information',
        pick: (s) => s.handshakes_per_s, show: (v) => fmt(v) },
    ],
  },
  {
    scenario: 'conns-held',
    label: 'conns (19,000)',
    rows: [
      { target: 'conns: connections held (19,000 opened, held 2 s, then used once each)', goal: '≥ 19,000 (all of them)',
        pick: (s) => (s.connected === s.clients && s.registered === s.clients ? s.connected : Math.min(s.connected, s.registered)),
        show: (v) => fmt(v), ok: (v) => v >= 19000 },
      { target: 'conns: handshakes/s opening 19,000', goal: 'for information',
        pick: (s) => s.handshakes_per_s, show: (v) => fmt(v) },
      { target: 'conns: server RSS holding 19,000', goal: 'for information',
        pick: (s) => s.server_rss.held / MiB, show: (v) => `${fmt(v, 1)} MiB` },
    ],
  },
  {
    scenario: 'join',
    label: 'join',
    rows: [
      { target: 'join: seconds until all 10,000 users saw the full room', goal: '≤ 5 s',
        pick: (s) => (s.complete === s.clients ? s.join_s : undefined), show: (v) => `${fmt(v, 2)} s`, ok: (v) => v <= 5 },
    ],
  },
];

/** [cells...] for one row of the targets table, plus whether it is a target and was met. */
function row(spec, scenarioRuns) {
  const n = scenarioRuns.length;
  if (spec.count) {
    const k = scenarioRuns.filter((r) => r.summary && spec.count(r.summary)).length;
    return { cells: [spec.target, spec.goal, `${k}/${n} runs`, '–', k === n ? 'met' : '**missed**'], target: true, met: k === n };
  }
  const values = scenarioRuns.map((r) => pickFrom(r, spec.pick));
  const result = cellsFor(spec, values, n);
  if (spec.caveat) result.cells[4] += spec.caveat(scenarioRuns);
  return result;
}

function cellsFor(spec, values, n) {
  const found = numbers(values);
  const mid = median(found);
  const range = found.length > 1 ? `${spec.show(Math.min(...found))} – ${spec.show(Math.max(...found))}` : '–';
  const medianCell = mid === undefined ? '–' : spec.show(mid);
  if (!spec.ok) return { cells: [spec.target, spec.goal, medianCell, range, '–'], target: false };
  const good = found.filter(spec.ok).length;
  const met = mid !== undefined && spec.ok(mid);
  let verdict = mid === undefined ? '**missed** (no result)' : met ? 'met' : '**missed**';
  if (mid !== undefined && good !== n) verdict += ` (${good}/${n} runs)`;
  return { cells: [spec.target, spec.goal, medianCell, range, verdict], target: true, met };
}

/** Lost messages and errors of every run: both must be 0, and every run must have reported. */
function cleanRow(label, scenarioRuns) {
  const n = scenarioRuns.length;
  const lost = scenarioRuns.map((r) => pickFrom(r, (s) => s.lost));
  const errors = scenarioRuns.map((r) => pickFrom(r, (s) => s.errors));
  const span = (values) => {
    const v = numbers(values);
    return v.length ? `${fmt(Math.min(...v))}–${fmt(Math.max(...v))}` : '–';
  };
  const clean = scenarioRuns.filter((r) => r.summary && r.summary.lost === 0 && r.summary.errors === 0).length;
  const met = n > 0 && clean === n;
  return {
    cells: [`${label}: lost / errors per run`, '0 / 0', `${fmt(median(lost))} / ${fmt(median(errors))}`,
      `${span(lost)} / ${span(errors)}`, met ? 'met' : `**missed** (${clean}/${n} runs clean)`],
    target: true,
    met,
  };
}

function microRow() {
  const spec = {
    target: 'micro: hot-path messages/s on one core (BM_RelayHotPath/ice_candidate, CPU time)',
    goal: '≥ 1,000,000/s',
    show: (v) => `${fmt(v)}/s`,
    ok: (v) => v >= 1e6,
  };
  const values = (micro ?? []).map((b) => b.items_per_second);
  const n = Math.max(values.length, 1);
  const result = cellsFor(spec, values, n);
  if (microExit !== 0) result.cells[4] += `; exit ${microExit}`;
  return result;
}

function targetsTable() {
  const rows = [];
  for (const { scenario, label, rows: specs } of SCENARIOS) {
    const mine = runsOf(scenario);
    if (mine.length === 0) continue;
    for (const spec of specs) rows.push(row(spec, mine));
    rows.push(cleanRow(label, mine));
  }
  if (micro !== undefined) rows.push(microRow());
  for (const w of wakeups) {
    rows.push({
      cells: [`machine: CPU ${w.cpu} woke a sleeping thread > 1 ms late (${w.seconds} s, nothing else running; switchboard-wakeup-probe)`,
        'for information', `${fmt(w.late_over_1ms)} times, ${fmt(w.late_over_1ms_total_ms, 1)} ms in all`,
        `worst ${fmt(w.max_late_us / 1000, 1)} ms`, '–'],
      target: false,
    });
  }
  const targets = rows.filter((r) => r.target);
  const met = targets.filter((r) => r.met).length;
  const lines = ['| target | goal | median | range (min – max) | met? |', '| --- | --- | --- | --- | --- |'];
  for (const r of rows) lines.push(`| ${r.cells.join(' | ')} |`);
  return { table: lines.join('\n'), met, total: targets.length };
}

/** Per scenario: clean runs, the bench's bottleneck verdicts, CPU waits, the generator's shape. */
function conditions() {
  const lines = [
    '| scenario | clean runs (exit 0, ok) | bottleneck | server waited for a CPU | generator waited for a CPU | generator |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  const notes = [];
  for (const { scenario } of SCENARIOS) {
    const mine = runsOf(scenario);
    if (mine.length === 0) continue;
    const summaries = mine.map((r) => r.summary).filter(Boolean);
    const clean = mine.filter((r) => r.exit === 0 && r.summary?.ok).length;
    const verdicts = {};
    for (const s of summaries) verdicts[s.bottleneck] = (verdicts[s.bottleneck] ?? 0) + 1;
    const waited = (key) => {
      const share = median(summaries.map((s) => s[key] / s.window_s));
      return share === undefined ? '–' : `${fmt(100 * share)}%`;
    };
    const shapes = [...new Set(summaries.map((s) => `${s.processes} process(es), ${s.threads} thread(s)`))];
    lines.push(
      `| ${scenario} | ${clean}/${mine.length} | ${Object.entries(verdicts).map(([k, v]) => `${k} ${v}/${summaries.length}`).join(', ') || '–'} | ` +
        `${waited('server_wait_s')} | ${waited('generator_wait_s')} | ${shapes.join('; ') || '–'} |`,
    );
    for (const r of mine) {
      const run = `${scenario}-${r.rep}`;
      if (!r.summary) notes.push(`${run}: no summary (exit ${r.exit}); see \`${run}.txt\` and \`${run}.err\``);
      else if (r.exit !== 0 || !r.summary.ok)
        notes.push(`${run}: exit ${r.exit}, errors ${JSON.stringify(r.summary.error_kinds ?? {})}`);
      if (r.summary?.server_was_warm) notes.push(`${run}: the server was warm (RSS per connection understated)`);
    }
  }
  if (micro !== undefined && micro.length === 0) notes.push('micro: no repetitions in micro.json; see micro.err');
  return lines.join('\n') + (notes.length ? `\n\nOdd runs:\n\n${notes.map((n) => `- ${n}`).join('\n')}\n` : '\n');
}

function machine() {
  // Taken by bench/targets when it built the binaries; asked now for an older results dir.
  const rev = readIf('revision')?.trim() ?? sh('git rev-parse --short HEAD');
  const uncommitted = readIf('uncommitted') ?? sh('git status --porcelain --untracked-files=no -- src tools bench/micro CMakeLists.txt');
  const dirty = uncommitted.trim() ? ' + uncommitted changes' : '';
  return [
    machineLine(`; open-file hard limit ${sh('ulimit -Hn')}`),
    loadLine(resultsDir, 'the "waited for a CPU" columns'),
    `- **Versions**: Switchboard ${rev}${dirty} (release build); ${toolchain()}; ` +
      `Google Benchmark ${sh("dpkg-query -W -f='${Version}' libbenchmark-dev")}`,
    `- **When**: ${finishedAt(resultsDir)}; raw results: \`${resultsDir}/\` (not committed)`,
  ].join('\n');
}

/** The server's command once (it is the same for every scenario), then each bench command. */
function commands() {
  const rows = (readIf('commands.txt') ?? '').split('\n').filter(Boolean).map((line) => line.split('\t'));
  const servers = [...new Set(rows.filter((r) => r.length === 3).map((r) => r[1]))];
  return [...servers, ...rows.map((r) => r[r.length - 1])].join('\n');
}

const reps = Math.max(0, ...runs.map((r) => r.rep), micro?.length ?? 0);
const { table, met, total } = targetsTable();
const section = `${BEGIN}
## Switchboard against the targets of issue 4 (\`bench/targets\`)

Generated by \`${invocation('TARGETS_', 'bench/targets')}\` — do not edit by hand between the targets markers.

${machine()}

Switchboard runs alone on CPU 0 (\`taskset -c 0\`, \`--threads 1\`: one core, one event loop),
switchboard-bench on CPU 1, inside a network namespace whose only interface is loopback. Every
run gets a fresh server. Each scenario ran ${reps} time(s): "median" and "range" are over those
runs, and a target is met when its median meets the goal (the runs that met it are counted
when not all did). Every run must also lose nothing and report no error.

**${met} of ${total} targets met.**

${table}

### How the runs went

${conditions()}
Commands (PORT and PID differ per run; a fresh server is started before each bench command):

\`\`\`sh
${commands()}
\`\`\`

How to read this: "bottleneck" is the bench's verdict per run (docs/bench.md). "waited for a
CPU" is the median share of the measured window that side was runnable but not running: near
0 on an idle machine; well above it, other processes had its core and the times and rates
above are partly theirs (server CPU per message and RSS per connection suffer least). Server
CPU time includes the kernel's, and on loopback that includes much of the receiving side's
TCP work. RSS per connection is (RSS after the hold − RSS before) / connections, on a fresh
server. The micro-benchmark's rate is per CPU second of the hot path alone (parse, stamp the
sender, build the shared frame: bench/micro/README.md), without sockets.
${END}`;

/** The document with empty targets markers after its introduction, if it has none yet. */
function withMarkers(text) {
  if (text.includes(BEGIN) || text.includes(END)) return text;
  const lines = text.split('\n');
  let i = 0;
  while (i < lines.length && (lines[i].trim() === '' || lines[i].startsWith('#'))) i++; // the title
  while (i < lines.length && lines[i].trim() !== '' && !lines[i].startsWith('<!--')) i++; // the introduction
  const before = lines.slice(0, i);
  const after = lines.slice(i);
  while (before.length && before[before.length - 1].trim() === '') before.pop();
  while (after.length && after[0].trim() === '') after.shift();
  return [...before, '', BEGIN, END, ...(after.length ? ['', ...after] : [''])].join('\n');
}

const existing = fs.existsSync(docPath)
  ? withMarkers(fs.readFileSync(docPath, 'utf8'))
  : `# Benchmarks\n\nHow fast Switchboard is, measured on this project's machines. The part between the\ntargets markers is written by \`bench/targets\` (see docs/bench.md); the rest by hand.\n\n${BEGIN}\n${END}\n`;
writeSection(docPath, existing, BEGIN, END, section);
