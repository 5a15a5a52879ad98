// Turns a bench/compare run (bench/results/<time>/runs.jsonl: one line per server, scenario
// and repetition, each holding switchboard-bench's JSON summary) into the section of
// docs/benchmarks.md between <!-- compare:begin --> and <!-- compare:end -->: the machine,
// the versions, the exact commands, a table per scenario of medians, and the ratios against
// the targets. Everything outside the markers is kept as it is.
//
//   node bench/compare-report.mjs RESULTS_DIR DOC

import fs from 'node:fs';
import path from 'node:path';
import {
  finishedAt, fmt, invocation, loadLine, machineLine, median, sh, toolchain, writeSection,
} from './report-common.mjs';

const [resultsDir, docPath] = process.argv.slice(2);
if (!resultsDir || !docPath) {
  console.error('usage: node bench/compare-report.mjs RESULTS_DIR DOC');
  process.exit(2);
}

const BEGIN = '<!-- compare:begin -->';
const END = '<!-- compare:end -->';
const SERVERS = {
  switchboard: 'Switchboard',
  mdn: 'Node, MDN sample (faithful)',
  'mdn-lean': 'Node, MDN-style lean',
  peerjs: 'PeerJS',
};
// The targets of issue 4: relay msgs/s of Switchboard over each other server's, with 0 lost.
// "The Node MDN-style server" there is the sample as it is, i.e. `mdn`; `mdn-lean` gets a
// ratio for information, without a target.
const TARGETS = { mdn: 5, peerjs: 1.5 };
const COMPARED = ['mdn', 'mdn-lean', 'peerjs'];
const COLUMN = {
  mdn: 'Switchboard / Node, MDN sample (faithful)',
  'mdn-lean': 'Switchboard / Node, MDN-style lean (for information)',
  peerjs: 'Switchboard / PeerJS',
};

const runs = fs
  .readFileSync(path.join(resultsDir, 'runs.jsonl'), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((line) => JSON.parse(line));

/** The runs of one scenario and server, and a helper for the median of one field. */
function group(scenario, server) {
  const mine = runs.filter((r) => r.scenario === scenario && r.server === server);
  const summaries = mine.map((r) => r.summary).filter(Boolean);
  const med = (pick) => median(summaries.map((s) => { try { return pick(s); } catch { return undefined; } }));
  const sum = (pick) => summaries.reduce((total, s) => total + (pick(s) ?? 0), 0);
  const failed = mine.length - summaries.filter((s) => s.ok).length;
  return { mine, summaries, med, sum, failed };
}

const share = (part, whole) => (part !== undefined && whole ? part / whole : undefined);

function health(g) {
  // Loss and errors are summed over the repetitions: a single lost message shows.
  const lost = g.sum((s) => s.lost);
  const errors = g.sum((s) => s.errors);
  const waited = g.med((s) => share(s.server_wait_s, s.window_s));
  return { lost, errors, waited, runs: `${g.summaries.length - g.failed}/${g.mine.length}` };
}

const SCENARIOS = {
  relay: {
    title: 'relay: delivered messages/s, closed loop (50 pairs, 16 in flight per client)',
    columns: ['msgs/s', 'server µs CPU/msg', 'msgs/s per server core (derived)', 'p50 ms', 'p99 ms', 'bottleneck'],
    row: (g) => [
      fmt(g.med((s) => s.msgs_per_s)),
      fmt(g.med((s) => s.server_cpu_us_per_msg), 2),
      fmt(g.med((s) => 1e6 / s.server_cpu_us_per_msg)),
      fmt(g.med((s) => s.latency_us.p50 / 1000), 1),
      fmt(g.med((s) => s.latency_us.p99 / 1000), 1),
      verdict(g),
    ],
  },
  rate: {
    title: 'rate: one-way latency at 20,000 msgs/s over 1,000 clients (open loop)',
    columns: ['delivered msgs/s', 'p50 µs', 'p99 µs', 'p99.9 µs', 'server µs CPU/msg', 'on schedule'],
    row: (g) => [
      fmt(g.med((s) => s.msgs_per_s)),
      fmt(g.med((s) => s.latency_us.p50)),
      fmt(g.med((s) => s.latency_us.p99)),
      fmt(g.med((s) => s.latency_us.p999)),
      fmt(g.med((s) => s.server_cpu_us_per_msg), 2),
      `${g.summaries.filter((s) => s.on_schedule).length}/${g.summaries.length}`,
    ],
  },
  call: {
    title: 'call: call setups/s (offer, answer, 10 + 10 candidates, hang-up; 50 pairs)',
    columns: ['calls/s', 'msgs/s', 'setup p50 ms', 'setup p99 ms', 'server µs CPU/msg'],
    row: (g) => [
      fmt(g.med((s) => s.calls_per_s)),
      fmt(g.med((s) => s.msgs_per_s)),
      fmt(g.med((s) => s.setup_ms.p50), 1),
      fmt(g.med((s) => s.setup_ms.p99), 1),
      fmt(g.med((s) => s.server_cpu_us_per_msg), 2),
    ],
  },
  conns: {
    title: 'conns: connection storm (open and register the crowd, then hold it 1 s)',
    columns: ['clients', 'handshakes/s', 'connect→101 p99 ms', 'RSS per connection', 'server RSS held'],
    row: (g) => [
      fmt(g.med((s) => s.clients)),
      fmt(g.med((s) => s.handshakes_per_s)),
      fmt(g.med((s) => s.handshake_ms.p99), 1),
      `${fmt(g.med((s) => s.rss_per_conn / 1024), 1)} KiB`,
      `${fmt(g.med((s) => s.server_rss.held / 1048576), 1)} MiB`,
    ],
  },
  join: {
    title: 'join: a crowd entering one room, until everyone sees everyone',
    columns: ['clients', 'seconds', 'presence frames', 'presence MiB'],
    row: (g) => [
      fmt(g.med((s) => s.clients)),
      fmt(g.med((s) => s.join_s), 3),
      fmt(g.med((s) => s.presence_frames)),
      fmt(g.med((s) => s.presence_bytes / 1048576), 1),
    ],
  },
};

function verdict(g) {
  const counts = {};
  for (const s of g.summaries) counts[s.bottleneck] = (counts[s.bottleneck] ?? 0) + 1;
  return Object.entries(counts).map(([k, n]) => `${k} ${n}/${g.summaries.length}`).join(', ');
}

function table(scenario) {
  const spec = SCENARIOS[scenario];
  const servers = [...new Set(runs.filter((r) => r.scenario === scenario).map((r) => r.server))];
  if (servers.length === 0) return '';
  const head = ['server', ...spec.columns, 'lost', 'errors', 'clean runs', 'server waited for a CPU'];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => ' --- ').join('|')}|`];
  for (const server of Object.keys(SERVERS)) {
    if (!servers.includes(server)) {
      if (scenario === 'join' && server === 'peerjs' && runs.some((r) => r.server === 'peerjs'))
        lines.push(`| ${SERVERS[server]} | n/a: PeerJS has no presence (no user lists) |`);
      continue;
    }
    const g = group(scenario, server);
    const h = health(g);
    lines.push(
      `| ${SERVERS[server]} | ${spec.row(g).join(' | ')} | ${fmt(h.lost)} | ${fmt(h.errors)} | ${h.runs} | ${h.waited === undefined ? '–' : `${fmt(100 * h.waited)}%`} |`,
    );
  }
  return `### ${spec.title}\n\n${lines.join('\n')}\n`;
}

function ratios() {
  const sb = group('relay', 'switchboard');
  const others = COMPARED.filter((server) => runs.some((r) => r.server === server));
  const lines = [
    `| scenario | measure | ${others.map((o) => COLUMN[o]).join(' | ')} |`,
    `| --- | --- |${others.map(() => ' --- |').join('')}`,
  ];
  const ratio = (scenario, pick, other, invert = false) => {
    const a = group(scenario, 'switchboard').med(pick);
    const b = group(scenario, other).med(pick);
    if (a === undefined || b === undefined || a === 0 || b === 0) return undefined;
    return invert ? b / a : a / b;
  };
  const cell = (value) => (value === undefined ? '–' : `${fmt(value, 2)}×`);
  const relayLost = (server) => group('relay', server).sum((s) => s.lost);
  const relayCell = (other) => {
    const value = ratio('relay', (s) => s.msgs_per_s, other);
    if (value === undefined) return '–';
    if (TARGETS[other] === undefined) return `${fmt(value, 2)}× (no target)`;
    const clean = relayLost('switchboard') === 0 && sb.failed === 0;
    const met = value >= TARGETS[other] && clean;
    return `${fmt(value, 2)}× (target ≥ ${TARGETS[other]}× with 0 lost: **${met ? 'met' : 'missed'}**)`;
  };
  lines.push(`| relay | msgs/s | ${others.map(relayCell).join(' | ')} |`);
  const rows = [
    ['relay', 'server CPU per message (their / ours): msgs/s per core, less sensitive to a shared machine', (s) => s.server_cpu_us_per_msg, true],
    ['rate', 'p99 latency (their / ours)', (s) => s.latency_us.p99, true],
    ['call', 'calls/s', (s) => s.calls_per_s, false],
    ['conns', 'handshakes/s', (s) => s.handshakes_per_s, false],
    ['conns', 'RSS per connection (their / ours)', (s) => s.rss_per_conn, true],
    ['join', 'time until everyone sees everyone (their / ours)', (s) => s.join_s, true],
  ];
  for (const [scenario, label, pick, invert] of rows) {
    const cells = others.map((other) =>
      scenario === 'join' && other === 'peerjs' ? 'n/a' : cell(ratio(scenario, pick, other, invert)),
    );
    if (cells.every((c) => c === '–' || c === 'n/a')) continue;
    lines.push(`| ${scenario} | ${label} | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

function packageVersion(name) {
  try {
    const file = new URL(`./peers/node_modules/${name}/package.json`, import.meta.url);
    return JSON.parse(fs.readFileSync(file, 'utf8')).version;
  } catch {
    return '?';
  }
}

function machine() {
  const rev = sh('git rev-parse --short HEAD');
  const dirty = sh('git status --porcelain --untracked-files=no -- src tools CMakeLists.txt') ? ' + uncommitted changes' : '';
  return [
    machineLine(),
    loadLine(resultsDir, 'the tables\' "server waited for a CPU" column'),
    `- **Versions**: Switchboard ${rev}${dirty} (release build); ${toolchain()}; Node ${process.version}; ` +
      `npm \`websocket\` ${packageVersion('websocket')}; npm \`peer\` ${packageVersion('peer')} (with \`ws\` ${packageVersion('ws')})`,
    `- **When**: ${finishedAt(resultsDir)}; raw results: \`${resultsDir}/\` (not committed)`,
  ].join('\n');
}

function commands() {
  const file = path.join(resultsDir, 'commands.txt');
  const rows = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
  const seen = new Set();
  const out = [];
  for (const row of rows) {
    const [, server, bench] = row.split('\t');
    if (!seen.has(server)) {
      seen.add(server);
      out.push(server);
    }
    out.push(bench);
  }
  return out.join('\n');
}

const reps = Math.max(0, ...runs.map((r) => r.rep));
const scenarioOrder = Object.keys(SCENARIOS).filter((s) => runs.some((r) => r.scenario === s));
const section = `${BEGIN}
## Switchboard against other signaling servers (\`bench/compare\`)

Generated by \`${invocation('COMPARE_', 'bench/compare')}\` — do not edit by hand between the compare markers.

${machine()}

Each server runs alone on CPU 0 (\`taskset -c 0\`), one process with one thread of JavaScript or
one event loop (\`--threads 1\`); switchboard-bench runs on CPU 1, inside a network namespace
whose only interface is loopback. Every run gets a fresh server; each cell is the median of
${reps} run(s); lost and errors are summed over them. Every server's stdout and stderr go to a
file, as a deployment's would go to a file or a journal.

"Node, MDN sample (faithful)" is \`bench/peers/mdn-style-server.mjs\`, which does per message
what MDN's webrtc-from-chat sample server does (npm \`websocket\`, one global room, the whole
user list to everyone on every join): a console.log of every message received, JSON.parse, a
scan of all connections for the sender's id, JSON.stringify of the message, and a scan by
username for its target. It only drops what would crash the sample, instead of crashing (its
header lists the differences). This is the server the targets are measured against: it is
what a developer who followed the tutorial runs. "Node, MDN-style lean" is the same server
with \`--lean\`: the same protocol without the sample's per-message costs (no logging, Maps
instead of scans, the original text forwarded without re-serializing). It is not what MDN
ships; its ratio is for information: how much of the gap is Node and the protocol rather
than the sample's code. PeerJS is the npm \`peer\` server's own CLI (it logs one line per
connection and disconnection).

Commands (PORT and PID differ per run; the server is started first):

\`\`\`sh
${commands()}
\`\`\`

${scenarioOrder.map(table).join('\n')}
### Ratios (medians)

${ratios()}

How to read this: "bottleneck" is the bench's verdict per run (docs/bench.md); a msgs/s figure
is the server's capacity only where the server was the bottleneck. "server waited for a CPU"
is the share of the window the server was runnable but not running: near 0 on an idle machine;
well above it, other processes had CPU 0 and msgs/s and latencies are partly theirs (rate's
"on schedule" says whether the generator kept its schedule at all). "msgs/s per server core"
is 10^6 / (server µs CPU per message): what one fully used core would deliver if the cost per
message stayed the same, which a shared machine distorts less than msgs/s. Server CPU time
includes the kernel's, and on loopback that includes much of the receiving side's TCP work.
${END}`;

const existing = fs.existsSync(docPath)
  ? fs.readFileSync(docPath, 'utf8')
  : `# Benchmarks\n\nHow fast Switchboard is, measured on this project's machines. The part between the\ncompare markers is written by \`bench/compare\` (see docs/bench.md); the rest by hand.\n\n${BEGIN}\n${END}\n`;
writeSection(docPath, existing, BEGIN, END, section);
