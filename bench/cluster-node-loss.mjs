// bench/cluster-node-loss.mjs: issue 11's node-loss benchmark. Redis, three switchboard nodes
// and HAProxy with the shipped packaging/haproxy.cfg, started by the cluster tests' helpers;
// CLIENTS clients through HAProxy in rooms of 100 (NODE_LOSS_ROOM_SIZE), each registered with
// `presence-deltas` and keeping its room's membership (the snapshot `userlist` that follows its
// registration, then `user-joined` / `user-left`).
// Once every view is complete the node holding the most clients is SIGKILLed (t0), and:
//
//   lists_dropped_ms  t0 until no surviving client's view holds a user of the dead node
//   reregistered_ms   t0 until every client of the dead node is registered again through
//                     HAProxy (confirmed by its `rejectusername` or by the snapshot that shows
//                     its name), each coming back as web/js/signaling.js does after an
//                     abnormal close: backoffDelay() imported from it, same name asked for
//   settled_ms        t0 until every client's view equals its room's membership again
//
// plus where that time goes (the dead node's lease left at t0, the survivors' reap of it, the
// HAProxy health check, each comeback's steps against the nodes' logs, the CPU each process
// and each core used) and errors. Every wait is bounded; everything started is ended by PID.
// Prints one line for people, then one JSON line. bench/cluster (scenario nodeloss) runs it in
// a loopback-only network namespace; by hand, inside one (5,000 clients want ulimit -n 20000):
//
//   unshare --net sh -c 'ip link set lo up && node bench/cluster-node-loss.mjs 300'
//   node bench/cluster-node-loss.mjs [clients]     # default 5000 (or NODE_LOSS_CLIENTS)
//
// NODE_LOSS_SERVER_CPUS (a taskset CPU list) pins the server side there: Redis, the nodes and
// HAProxy (which sizes its threads by the CPUs it starts on: this process's). The clients stay
// where this process was started. The JSON's `placement` says where each one ran.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { startCluster, startHaproxy } from '../tests/integration/cluster.mjs';
import { SERVER_BINARY, startOneServer } from '../tests/integration/server-process.mjs';
import { withTimeout } from '../tests/integration/ws-client.mjs';
import { SERVICE_RESTART, backoffDelay } from '../web/js/signaling.js';

const CLIENTS = Number(process.argv[2] ?? process.env.NODE_LOSS_CLIENTS ?? 5000);
// Each comeback's join is a user-joined to every member of its room: the room size sets the
// presence fan-out (NODE_LOSS_ROOM_SIZE, to see what that costs).
const ROOM_SIZE = Number(process.env.NODE_LOSS_ROOM_SIZE ?? 100);
// Clients connecting and registering at once while the run sets up: a bounded ramp, so that
// only the comeback after the kill is a storm.
const IN_FLIGHT = 200;
const SERVER_CPUS = process.env.NODE_LOSS_SERVER_CPUS ?? '';
// Bounds on each wait; a run that passes one fails, naming it.
const CONNECT_MS = 180_000;
const VIEWS_MS = 60_000;
const AFTER_KILL_MS = 30_000;
const HANDSHAKE_MS = 10_000;
// web/js/signaling.js: after a 1012 the client comes back within this, without backoff.
const RESTART_JITTER_MS = 1_000;
// src/config/server_limits.hpp cluster_node_lease: a node silent this long is reaped.
const LEASE_MS = 3_000;
// src/routing/connection_id.hpp: a connection id is node << 32 | counter.
const nodeOf = (id) => Math.floor(id / 2 ** 32);

const clients = [];
const rooms = new Map(); // room -> its clients
const timers = new Set();
const waits = new Set(); // each bounded wait's re-check of one client
const roomWaits = new Set(); // those of them that judge a view against its whole room
const messages = { before_kill: {}, after_kill: {} }; // type -> count
const errorKinds = {}; // what went wrong -> how often
let url = null; // HAProxy's
let killedAt = null; // t0 (performance.now())
let firstDropAt = null; // the first user-left of a dead node's user, anywhere
let stopping = false;
const deadNames = new Set(); // names the dead node's users held at t0
const comebacksLeft = new Map(); // room -> its dead node's clients not registered again yet
const reclaimed = new Set(); // of those, names a comeback holds again

const tally = (counts, key) => {
  counts[key] = (counts[key] ?? 0) + 1;
};
const problem = (kind) => tally(errorKinds, kind);

function later(fn, ms) {
  const timer = setTimeout(() => {
    timers.delete(timer);
    fn();
  }, ms);
  timers.add(timer);
}

/** Every bounded wait looks at `client` again (its view, name or connection changed). */
function changed(client) {
  for (const recheck of waits) recheck(client);
}

/** One user: connects through HAProxy, registers, keeps its room's membership in `view`, and
 *  reconnects as the web client does (web/js/signaling.js: after an abnormal close
 *  backoffDelay(attempt), attempt counting failures since the last registration; after 1012 a
 *  random 0-1 s; a registration refused with cluster-unavailable is asked again on the same
 *  socket after the same backoff; the name the server assigned is kept for reconnects). */
class Client {
  view = new Set();
  ws = null;
  id = null;
  name = null; // as registered
  state = 'idle'; // connecting, open, registered, reconnecting
  attempt = 0;
  dead = false; // was on the node that is killed
  back = false; // a dead node's client registered again after t0
  closedAt = null; // its connection's end after t0 (dead node's clients)
  retryAt = null; // its first connection attempt after that close
  attemptAt = null; // the newest connection attempt began
  openedAt = null; // ... and its handshake completed
  registeredAt = null;
  opens = 0;

  constructor(index, room) {
    this.room = room;
    // Every name ends in a letter, a suffix in a digit: an assigned `u7x1` is nobody's own name.
    this.requested = `u${index}x`;
    this.wanted = this.requested;
    this.firstRegistration = new Promise((resolve) => {
      this.onFirstRegistration = resolve;
    });
  }

  open() {
    this.state = 'connecting';
    this.opens += 1;
    this.attemptAt = performance.now();
    if (this.closedAt !== null) this.retryAt ??= this.attemptAt;
    const ws = new WebSocket(`${url}/?room=${this.room}`, {
      perMessageDeflate: false,
      handshakeTimeout: HANDSHAKE_MS,
    });
    this.ws = ws;
    ws.on('open', () => {
      if (ws !== this.ws) return;
      this.state = 'open';
      this.openedAt = performance.now();
    });
    ws.on('message', (data) => {
      if (ws === this.ws) this.receive(data);
    });
    // Always followed by 'close' (ws emits both for a refused or broken handshake too).
    ws.on('error', (error) => problem(`socket error: ${error.code ?? error.message}`));
    ws.on('close', (code) => {
      if (ws === this.ws) this.lost(code);
    });
  }

  lost(code) {
    const was = this.state;
    this.ws = null;
    if (stopping) return;
    if (this.dead && killedAt !== null && this.closedAt === null) this.closedAt = performance.now();
    else problem(`close ${code} while ${was}${this.dead ? ' (a comeback)' : ''}`);
    const delay =
      code === SERVICE_RESTART
        ? Math.round(Math.random() * RESTART_JITTER_MS)
        : backoffDelay(this.attempt++);
    this.state = 'reconnecting';
    changed(this);
    later(() => this.open(), delay);
  }

  receive(data) {
    let message;
    try {
      message = JSON.parse(data);
    } catch {
      problem('invalid JSON from the server');
      return;
    }
    tally(killedAt === null ? messages.before_kill : messages.after_kill, message.type);
    switch (message.type) {
      case 'id':
        this.id = message.id;
        this.askForName();
        break;
      case 'rejectusername':
        this.registered(message.name);
        break;
      case 'userlist':
        this.view = new Set(message.users);
        if (this.state === 'open' && this.view.has(this.wanted)) this.registered(this.wanted);
        break;
      case 'user-joined':
        for (const name of message.names) this.view.add(name);
        break;
      case 'user-left':
        for (const name of message.names) {
          this.view.delete(name);
          if (killedAt !== null && deadNames.has(name)) firstDropAt ??= performance.now();
        }
        break;
      case 'error':
        problem(`error ${message.code}`);
        if (this.state === 'open' && message.code === 'cluster-unavailable') {
          const ws = this.ws;
          later(() => {
            if (ws === this.ws && this.state === 'open') this.askForName();
          }, backoffDelay(this.attempt++));
        }
        break;
      default:
        break;
    }
    changed(this);
  }

  askForName() {
    this.ws.send(
      JSON.stringify({ type: 'username', name: this.wanted, capabilities: ['presence-deltas'] }),
    );
  }

  registered(name) {
    if (killedAt === null && name !== this.requested) problem('suffixed at first registration');
    this.name = name;
    this.wanted = name;
    this.attempt = 0;
    this.state = 'registered';
    this.registeredAt = performance.now();
    let rejudge = roomWaits;
    if (this.dead && killedAt !== null && !this.back) {
      this.back = true;
      comebacksLeft.set(this.room, comebacksLeft.get(this.room) - 1);
      if (name === this.requested) {
        reclaimed.add(name);
        rejudge = waits; // the lists-dropped wait excuses a name that is back
      }
    }
    this.onFirstRegistration();
    // Its room's membership changed: every member's view is to be judged again.
    for (const recheck of rejudge) for (const member of rooms.get(this.room)) recheck(member);
  }
}

/** Resolves with the time at which `check` holds for every client of `group`: judged now,
 *  then again for a client whenever it changes (`wholeRoom`: and whenever a member of its room
 *  registers). Rejects after `ms`, saying how many are left. */
function untilEvery(group, check, ms, what, { wholeRoom = false } = {}) {
  return new Promise((resolve, reject) => {
    const holds = new Map(group.map((client) => [client, check(client)]));
    let left = [...holds.values()].filter((ok) => !ok).length;
    const finish = (error) => {
      waits.delete(recheck);
      roomWaits.delete(recheck);
      clearTimeout(timer);
      if (error) reject(error);
      else resolve(performance.now());
    };
    const recheck = (client) => {
      const was = holds.get(client);
      if (was === undefined) return;
      const now = check(client);
      if (now === was) return;
      holds.set(client, now);
      left += now ? -1 : 1;
      if (left === 0) finish();
    };
    const timer = setTimeout(() => {
      finish(new Error(`${what}: ${left} of ${group.length} clients not there after ${ms} ms`));
    }, ms);
    waits.add(recheck);
    if (wholeRoom) roomWaits.add(recheck);
    if (left === 0) finish();
  });
}

/** Registered, and again after t0 if it was on the dead node (its old name is a ghost). */
const isMember = (client) => client.state === 'registered' && (!client.dead || client.back);

/** Its view is its room's membership: every member registered, each one's name in the view.
 *  (Judged on every message: the cheap refusals first.) */
function viewIsRoom(client) {
  const members = rooms.get(client.room);
  if (comebacksLeft.get(client.room) > 0 || client.view.size !== members.length) return false;
  return members.every((m) => isMember(m) && client.view.has(m.name));
}

async function connectAll() {
  let next = 0;
  let registered = 0;
  const worker = async () => {
    while (next < clients.length) {
      const client = clients[next++];
      client.open();
      await client.firstRegistration;
      registered += 1;
    }
  };
  const all = Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  await withTimeout(all, CONNECT_MS, `registering ${CLIENTS} clients`).catch((error) => {
    throw new Error(`${error.message} (${registered} registered)`);
  });
}

const clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));
/** CPU seconds (user + system) a live process has used. */
function cpuSeconds(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / clockTicks;
}
/** Each core's time, busy and all (/proc/stat): how full it was, whoever used it. */
function coreTimes() {
  const cores = {};
  for (const line of fs.readFileSync('/proc/stat', 'utf8').split('\n')) {
    const match = /^(cpu\d+)\s+(.*)$/.exec(line);
    if (!match) continue;
    const ticks = match[2].split(/\s+/).slice(0, 8).map(Number);
    const all = ticks.reduce((sum, t) => sum + t, 0);
    cores[match[1]] = { all, busy: all - ticks[3] - ticks[4] }; // less idle and iowait
  }
  return cores;
}
const cpusOf = (pid) =>
  /^Cpus_allowed_list:\s*(\S+)/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))[1];

/** Redis's clock and each node's last heartbeat on it (sb:nodes), in ms: node number -> ms. */
function heartbeats(redisPort) {
  const script =
    "local t = redis.call('TIME') local out = {'now', t[1] * 1000 + math.floor(t[2] / 1000)} " +
    "for _, v in ipairs(redis.call('ZRANGE', 'sb:nodes', 0, -1, 'WITHSCORES')) do " +
    'out[#out + 1] = v end return out';
  const args = ['-p', String(redisPort), 'EVAL', script, '0'];
  const words = execFileSync('redis-cli', args, { encoding: 'utf8' }).trim().split('\n');
  const beats = new Map();
  for (let i = 0; i + 1 < words.length; i += 2) beats.set(words[i], Number(words[i + 1]));
  return beats;
}

/** [median, max] of `values`, rounded to ms. */
function spread(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return [sorted[Math.floor((sorted.length - 1) / 2)], sorted.at(-1)].map(Math.round);
}

// performance.now() as the wall clock the nodes' log lines carry (ts=, in ms).
const wall = (t) => performance.timeOrigin + t;

/** Per comeback, [median, max] ms of each step from t0 to its registration confirmed: the
 *  close seen, the backoff, its upgrade through HAProxy until the node logs `connect`, the 101
 *  back to the client, then until the node logs `register` (id, username, the join script in
 *  Redis), and that answer back to the client. The node's side from its log (ts=). */
function comebackSteps(dead, victim) {
  const logged = new Map(); // "event conn" -> ms since the epoch
  for (const node of cluster.nodes.filter((n) => n !== victim)) {
    for (const line of node.stderrLines) {
      const match = /^ts=(\S+) .*\bevent=(connect|register) conn=(\d+)/.exec(line);
      if (match) logged.set(`${match[2]} ${match[3]}`, Date.parse(match[1]));
    }
  }
  const at = (event, client) => logged.get(`${event} ${client.id}`) ?? NaN;
  const steps = {
    close: (c) => c.closedAt - killedAt,
    backoff: (c) => c.retryAt - c.closedAt,
    to_node: (c) => at('connect', c) - wall(c.attemptAt),
    upgraded_back: (c) => wall(c.openedAt) - at('connect', c),
    join: (c) => at('register', c) - wall(c.openedAt),
    confirmed_back: (c) => wall(c.registeredAt) - at('register', c),
    total: (c) => c.registeredAt - killedAt,
  };
  return Object.fromEntries(
    Object.entries(steps).map(([step, of]) => {
      const values = dead.map(of).filter((v) => !Number.isNaN(v));
      return [step, values.length === dead.length ? spread(values) : `${values.length} logged`];
    }),
  );
}

let cluster = null;
let haproxy = null;

/** Moves every thread of a running process to SERVER_CPUS. */
const pin = (pid) => execFileSync('taskset', ['-a', '-p', '-c', SERVER_CPUS, String(pid)]);

/** Redis and three nodes, HAProxy in front, pinned to SERVER_CPUS if set; the node numbers. */
async function startEverything() {
  const launcher = SERVER_CPUS ? { launcher: ['taskset', '-c', SERVER_CPUS] } : {};
  cluster = await startCluster(startOneServer, ['--threads', '1'], launcher, 3);
  haproxy = await startHaproxy(cluster.nodes);
  url = haproxy.url;
  if (SERVER_CPUS) [cluster.redis.pid, haproxy.pid].forEach(pin);
  return Promise.all(
    cluster.nodes.map(async (node) => {
      const up = await node.waitForLog('event=cluster-up');
      return Number(/node=(\d+)/.exec(up)[1]);
    }),
  );
}

/** Kills `victim` and waits, bounded, for everything the run measures; times from t0. */
async function killAndWatch(victim, victimNumber, dead, survivors) {
  const survivorNodes = cluster.nodes.filter((node) => node !== victim);
  const marks = survivorNodes.map((node) => node.logMark());
  const haproxyDown = haproxy.waitForLog(
    `nodes/node${cluster.nodes.indexOf(victim) + 1} is DOWN`,
    AFTER_KILL_MS,
  );
  const deadByRoom = new Map([...rooms.keys()].map((room) => [room, []]));
  for (const client of dead) deadByRoom.get(client.room).push(client.name);
  // A name a comeback holds again is excused: the view shows the live user now (its leave and
  // rejoin within one presence interval cancel out, so no user-left need ever come).
  const noDeadUser = (client) =>
    deadByRoom.get(client.room).every((name) => reclaimed.has(name) || !client.view.has(name));

  const killedWall = Date.now();
  killedAt = performance.now();
  process.kill(victim.pid, 'SIGKILL');
  // Watching from the same turn as the kill: no message is handled before they watch.
  const [closed, dropped, back, settled, reapLine, down] = await Promise.all([
    untilEvery(dead, (c) => c.closedAt !== null, AFTER_KILL_MS, 'dead node clients see the close'),
    untilEvery(survivors, noDeadUser, AFTER_KILL_MS, "survivors' lists drop the dead node"),
    untilEvery(dead, isMember, AFTER_KILL_MS, "the dead node's clients registered again"),
    untilEvery(clients, viewIsRoom, AFTER_KILL_MS, 'every view equal to its room again', {
      wholeRoom: true,
    }),
    Promise.any(
      survivorNodes.map((node, i) =>
        node.waitForLog('cluster-node-lost', { since: marks[i], timeoutMs: AFTER_KILL_MS }),
      ),
    ).catch(() => {
      throw new Error(`no surviving node logged cluster-node-lost within ${AFTER_KILL_MS} ms`);
    }),
    haproxyDown.then(() => performance.now()),
  ]);
  const killed = await victim.exitWithin(AFTER_KILL_MS);
  if (killed?.signal !== 'SIGKILL') {
    throw new Error(`the node did not die: ${JSON.stringify(killed)}`);
  }
  if (!reapLine.includes(`node=${victimNumber}`)) problem(`reaped another node: ${reapLine}`);
  const since = (t) => Math.round(t - killedAt);
  return {
    closes_seen_ms: since(closed),
    lists_dropped_ms: since(dropped),
    first_dropped_ms: firstDropAt === null ? null : since(firstDropAt),
    reregistered_ms: since(back),
    settled_ms: since(settled),
    // The reaping node's own clock (its log line's ts): our reading of the line may lag.
    reaped_ms: Date.parse(/^ts=(\S+)/.exec(reapLine)[1]) - killedWall,
    // When the line reached us (HAProxy's log has no time of its own).
    haproxy_down_ms: since(down),
  };
}

async function run() {
  if (!Number.isInteger(CLIENTS) || CLIENTS < 2) throw new Error(`bad client count ${CLIENTS}`);
  if (!Number.isInteger(ROOM_SIZE) || ROOM_SIZE < 1) throw new Error(`bad room size ${ROOM_SIZE}`);
  const binary = fs.readFileSync(SERVER_BINARY);
  const numbers = await startEverything();
  for (let i = 0; i < CLIENTS; i += 1) {
    const room = `r${Math.floor(i / ROOM_SIZE)}`;
    const client = new Client(i, room);
    clients.push(client);
    if (!rooms.has(room)) rooms.set(room, []);
    rooms.get(room).push(client);
  }
  const connectStart = performance.now();
  await connectAll();
  const connectMs = performance.now() - connectStart;
  await untilEvery(clients, viewIsRoom, VIEWS_MS, 'every view complete before the kill', {
    wholeRoom: true,
  });
  process.stderr.write(`nodeloss: ${CLIENTS} clients registered in ${Math.round(connectMs)} ms\n`);

  const perNode = numbers.map((number) => clients.filter((c) => nodeOf(c.id) === number).length);
  const victimIndex = perNode.indexOf(Math.max(...perNode));
  const victim = cluster.nodes[victimIndex];
  const dead = clients.filter((c) => nodeOf(c.id) === numbers[victimIndex]);
  const survivors = clients.filter((c) => nodeOf(c.id) !== numbers[victimIndex]);
  for (const client of dead) {
    client.dead = true;
    deadNames.add(client.name);
    comebacksLeft.set(client.room, (comebacksLeft.get(client.room) ?? 0) + 1);
  }
  const placement = { bench: cpusOf(process.pid), haproxy: cpusOf(haproxy.pid) };
  placement.redis = cpusOf(cluster.redis.pid);
  const pids = { haproxy: haproxy.pid, redis: cluster.redis.pid };
  cluster.nodes.forEach((node, i) => {
    placement[`node${i + 1}`] = cpusOf(node.pid);
    if (node !== victim) pids[`node${i + 1}`] = node.pid;
  });
  const cpuBefore = Object.fromEntries(
    Object.entries(pids).map(([k, pid]) => [k, cpuSeconds(pid)]),
  );
  const benchCpuBefore = process.cpuUsage();
  const coresBefore = coreTimes();
  // The victim's lease runs out LEASE_MS after its last heartbeat; the first survivor to beat
  // after that reaps it: every node beats each second, so that is its phase behind the victim.
  const beats = heartbeats(cluster.redis.port);
  const victimBeat = beats.get(String(numbers[victimIndex]));
  const leaseLeft = LEASE_MS - (beats.get('now') - victimBeat);
  const phase = Math.min(
    ...numbers
      .filter((n) => n !== numbers[victimIndex])
      .map((n) => (((beats.get(String(n)) - victimBeat) % 1000) + 1000) % 1000),
  );
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();

  const times = await killAndWatch(victim, numbers[victimIndex], dead, survivors);

  loopDelay.disable();
  const windowS = (performance.now() - killedAt) / 1000;
  const cpu = Object.fromEntries(
    Object.entries(pids).map(([k, pid]) => [k, +(cpuSeconds(pid) - cpuBefore[k]).toFixed(2)]),
  );
  const benchCpu = process.cpuUsage(benchCpuBefore);
  cpu.bench = +((benchCpu.user + benchCpu.system) / 1e6).toFixed(2);
  const coresAfter = coreTimes();
  const ownName = dead.filter((c) => c.name === c.requested).length;
  const result = {
    clients: CLIENTS,
    rooms: rooms.size,
    room_size: ROOM_SIZE,
    clients_per_node: perNode,
    dead_node_clients: dead.length,
    lists_dropped_ms: times.lists_dropped_ms,
    reregistered_ms: times.reregistered_ms,
    own_name_back: ownName,
    suffixed: dead.length - ownName,
    // The web client keeps the name it was given (signaling.js): no rename back is tried.
    same_name_ms: ownName === dead.length ? times.reregistered_ms : null,
    errors: Object.values(errorKinds).reduce((sum, n) => sum + n, 0),
    error_kinds: errorKinds,
    ...times,
    lease_left_ms: leaseLeft,
    // When the reap is due: lease_left_ms + this (then the script, then the fan-out).
    survivor_beat_after_ms: phase,
    comeback_steps_ms: comebackSteps(dead, victim),
    reconnect_attempts: dead.reduce((sum, c) => sum + c.opens - 1, 0),
    messages,
    connect_ms: Math.round(connectMs),
    bench_loop_delay_max_ms: +(loopDelay.max / 1e6).toFixed(1),
    window_s: +windowS.toFixed(2),
    cpu_s_in_window: cpu,
    // Busy share of each core over the window, any process's: the other processes' use shows.
    core_busy: Object.fromEntries(
      Object.entries(coresAfter).map(([core, t]) => {
        const before = coresBefore[core];
        return [core, +((t.busy - before.busy) / (t.all - before.all)).toFixed(2)];
      }),
    ),
    placement,
    binary_sha256: createHash('sha256').update(binary).digest('hex').slice(0, 16),
  };
  console.log(
    `nodeloss ${CLIENTS} clients, ${dead.length} on the killed node: lists dropped ` +
      `${result.lists_dropped_ms} ms, re-registered ${result.reregistered_ms} ms ` +
      `(${ownName} own name, ${result.suffixed} suffixed), ` +
      `every view right ${result.settled_ms} ms; ` +
      `lease left ${leaseLeft} ms, reaped ${result.reaped_ms} ms, ` +
      `HAProxy down ${result.haproxy_down_ms} ms; ${result.errors} errors`,
  );
  console.log(JSON.stringify(result));
}

async function shutdown() {
  stopping = true;
  for (const timer of timers) clearTimeout(timer);
  timers.clear();
  for (const client of clients) client.ws?.terminate();
  await haproxy?.stop();
  await cluster?.stop();
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    shutdown().finally(() => process.exit(130));
  });
}

try {
  await run();
  await shutdown();
} catch (error) {
  console.error(`nodeloss: FAILED: ${error.message}`);
  console.error(`nodeloss: errors so far: ${JSON.stringify(errorKinds)}`);
  await shutdown().catch((e) => console.error(`nodeloss: cleanup: ${e.message}`));
  process.exitCode = 1;
}
// Waits a failed run left behind (bounded, but up to 30 s) must not hold the exit up.
process.exit();
