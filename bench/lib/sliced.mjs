// A closed-loop HTTP load generator that alternates between several apps of one server process in short slices, and
// the server's CPU time read from outside it (/proc/<pid>/task/*/schedstat), so a slice costs the server nothing but
// its requests. Used by benchmark 1: two apps measured a few milliseconds apart share whatever the machine is doing.
import { readFileSync, readdirSync } from 'node:fs';
import { connect } from 'node:net';
import { seededDraw } from './stats.mjs';

/**
 * CPU time in ns that every thread of process `pid` has run (the scheduler's own accounting, nanosecond resolution;
 * `process.cpuUsage()` would have to be asked over IPC, which the server would pay for inside the slice).
 */
export function processCpuNs(pid) {
  let total = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      total += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'latin1').split(' ')[0]);
    } catch {
      // A thread that ended between the listing and the read ran nothing more in this slice.
    }
  }
  return total;
}

/** Whether this machine has per-thread scheduler statistics (Linux with schedstat). */
export function canReadCpu() {
  try {
    return processCpuNs(process.pid) > 0;
  } catch {
    return false;
  }
}

const HEADER_END = Buffer.from('\r\n\r\n');
/** How long a slice waits for its answers in flight once its load stops. */
const DRAIN_TIMEOUT_MS = 10_000;

/**
 * One keep-alive connection sending `GET path` and reading answers with a Content-Length (every app in
 * bench/children/app.mjs answers so); `onAnswer(status)` per answer. One request in flight at a time. A server closes
 * a keep-alive connection left idle past its `keepAliveTimeout` (Node's default 5 s: an app waits that long while the
 * others of its process are loaded, or its process is stopped): the connection is opened again, and a request the
 * close caught in flight is sent again on it.
 */
function openConnection(url, request, onAnswer, onError) {
  const { hostname, port } = new URL(url);
  let socket;
  let buffered = Buffer.alloc(0);
  let bodyLeft = -1;
  let status = 0;
  let pending = false;
  let closing = false;
  /** Times the request now in flight was sent again after a close; reset by an answer. */
  let resent = 0;
  let sentAt = 0;
  const onData = (chunk) => {
    buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
    for (;;) {
      if (bodyLeft < 0) {
        const end = buffered.indexOf(HEADER_END);
        if (end < 0) return;
        const head = buffered.toString('latin1', 0, end);
        status = Number(head.slice(9, 12));
        const length = /\r\ncontent-length: *(\d+)/i.exec(head);
        if (length === null) return onError(new Error(`${url}: an answer without Content-Length (${head.split('\r\n')[0]})`));
        bodyLeft = Number(length[1]);
        buffered = buffered.subarray(end + 4);
      }
      if (buffered.length < bodyLeft) return;
      buffered = buffered.subarray(bodyLeft);
      bodyLeft = -1;
      pending = false;
      resent = 0;
      onAnswer(status, performance.now() - sentAt);
    }
  };
  const open = () => {
    const current = connect({ host: hostname, port: Number(port), noDelay: true });
    socket = current;
    buffered = Buffer.alloc(0);
    bodyLeft = -1;
    current.on('data', onData);
    // A reset of an idle connection is followed by 'close', which opens it again; anything else is a failure.
    current.on('error', (error) => {
      if (error.code !== 'ECONNRESET' && error.code !== 'EPIPE') onError(error);
    });
    current.on('close', () => {
      if (closing || socket !== current) return;
      // An idle connection closed (a keep-alive timeout) is simply opened again; a request caught in flight by a close
      // is sent once more, and caught twice the server is refusing it, not timing out.
      if (pending && ++resent > 1) return onError(new Error(`${url}: the server closed the connection twice on one request`));
      open();
      if (pending) socket.write(request);
    });
    return new Promise((resolve) => current.once('connect', resolve));
  };
  const ready = open();
  return {
    send: () => {
      pending = true;
      sentAt = performance.now();
      socket.write(request);
    },
    close: () => {
      closing = true;
      socket.destroy();
    },
    ready,
  };
}

/**
 * Opens `connections` keep-alive connections to each of `urls` ({ [name]: base url }) and returns
 * `slice(name, ms)`: loads only `name` for `ms` milliseconds, then waits for its answers in flight, and returns
 * `{ ok, other, cpuNs, ms, latencies }` (answers, non-2xx answers, the server's CPU time over the slice, its length,
 * each 2xx answer's latency in ms).
 * `pid` is the server process's.
 */
export async function slicedLoad({ pid, urls, connections, headers = {}, path = '/pro' }) {
  const apps = {};
  let failure;
  for (const [name, url] of Object.entries(urls)) {
    const { host } = new URL(url);
    const lines = [`GET ${path} HTTP/1.1`, `Host: ${host}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), 'Connection: keep-alive', '', ''];
    const request = Buffer.from(lines.join('\r\n'), 'latin1');
    const app = { active: false, inFlight: 0, ok: 0, other: 0, drained: undefined, conns: [], latencies: [] };
    for (let k = 0; k < connections; k++) {
      const conn = openConnection(url, request, (status, latency) => {
        app.inFlight--;
        if (status >= 200 && status < 300) {
          app.ok++;
          app.latencies.push(latency);
        } else {
          app.other++;
        }
        if (app.active) {
          app.inFlight++;
          conn.send();
        } else if (app.inFlight === 0) {
          app.drained?.();
        }
      }, (error) => {
        failure ??= error;
        app.drained?.();
      });
      app.conns.push(conn);
    }
    await Promise.all(app.conns.map((c) => c.ready));
    apps[name] = app;
  }
  return {
    async slice(name, ms) {
      if (failure !== undefined) throw failure;
      const app = apps[name];
      app.ok = 0;
      app.other = 0;
      app.latencies = [];
      const drained = new Promise((resolve) => { app.drained = resolve; });
      const cpuBefore = processCpuNs(pid);
      const started = performance.now();
      app.active = true;
      for (const conn of app.conns) {
        app.inFlight++;
        conn.send();
      }
      await new Promise((resolve) => setTimeout(resolve, ms));
      app.active = false;
      // An answer that never comes (a server that hangs) fails the benchmark rather than stalling it.
      let timer;
      await Promise.race([drained, new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${name}: answers still in flight ${DRAIN_TIMEOUT_MS} ms after a slice`)), DRAIN_TIMEOUT_MS); })]).finally(() => clearTimeout(timer));
      const elapsed = performance.now() - started;
      const cpuNs = processCpuNs(pid) - cpuBefore;
      app.drained = undefined;
      if (failure !== undefined) throw failure;
      // A thread that ended takes its time out of the sum: say so rather than report a slice that cost nothing.
      if (!(cpuNs > 0)) throw new Error(`${name}: the server's CPU time went from ${cpuBefore} to ${cpuBefore + cpuNs} ns over a slice (a thread ended?)`);
      return { ok: app.ok, other: app.other, cpuNs, ms: elapsed, latencies: app.latencies };
    },
    close() {
      for (const app of Object.values(apps)) for (const conn of app.conns) conn.close();
    },
  };
}

/**
 * Benchmark 1's runs: `processes` (started children of bench/children/app.mjs, each serving every name in `names` at
 * `child.info.urls[name]`) loaded in slices of `sliceMs` ms, one app at a time. A cycle loads each app once, in an order
 * that changes per cycle and per round ({@link carryoverBalanced}); a visit to a process runs `cycles` cycles after an
 * unkept one (the first slices after a switch of process pay for caches holding the previous one and for the resumed
 * process's timers, and reopen the connections it closed while stopped). A round visits every process, in an order rotated per round; every process but
 * the one visited is stopped (SIGSTOP). Each process is first visited for `warmupCycles` unkept cycles.
 * Returns the kept cycles: `{ round, process, slices: { [name]: slice } }[]` (slices as {@link slicedLoad} returns them).
 */
export async function slicedRuns({ processes, names, rounds, cycles, sliceMs, warmupCycles = 4, connections, headers, path = '/pro', label = '' }) {
  if (!canReadCpu()) throw new Error('slicedRuns needs Linux\'s per-thread scheduler statistics (/proc/<pid>/task/*/schedstat)');
  const signal = (child, name) => process.kill(child.pid, name);
  const sequences = carryoverBalanced(names.length);
  const loads = [];
  const kept = [];
  try {
    // Connections opened app by app in the process's creation order (creationOrder: its apps were created and settled
    // in it): opened in one fixed order, the A/A's control app got its connections right after the empty app's in every
    // process, and Fastify's A/A measured above 1 in seven runs of seven (1.001–1.013; session 9).
    for (const [p, child] of processes.entries()) {
      loads.push(await slicedLoad({ pid: child.pid, urls: Object.fromEntries(creationOrder(names, p).map((name) => [name, child.info.urls[name]])), connections, headers, path }));
    }
    for (const child of processes) signal(child, 'SIGSTOP');
    const visit = async (p, round, count, keep) => {
      signal(processes[p], 'SIGCONT');
      try {
        for (let c = -1; c < count; c++) {
          const slices = {};
          for (let k = 0; k < names.length; k++) {
            const name = names[sequences[(c + 1 + round) % sequences.length][k]];
            const slice = await loads[p].slice(name, sliceMs);
            if (slice.other > 0 || slice.ok === 0) throw new Error(`${label} ${name} (process ${p}): ${slice.other} non-2xx, ${slice.ok} ok in a slice`);
            slices[name] = slice;
          }
          if (keep && c >= 0) kept.push({ round, process: p, slices });
        }
      } finally {
        signal(processes[p], 'SIGSTOP');
      }
    };
    for (let p = 0; p < processes.length; p++) await visit(p, 0, warmupCycles, false);
    for (let i = 0; i < rounds; i++) {
      for (let q = 0; q < processes.length; q++) await visit((q + i) % processes.length, i, cycles, true);
    }
  } finally {
    for (const child of processes) signal(child, 'SIGCONT');
    for (const load of loads) load.close();
  }
  return kept;
}

/**
 * The rows of a Williams design for `n` apps (index lists; n rows for an even n, 2n for an odd one): every app in every
 * position once (twice for an odd n), every ordered pair side by side once (twice), and the rows in pairs, each the
 * other reversed, so that every app comes before every other in half of them.
 */
export function williamsRows(n) {
  const first = [0];
  for (let k = 1, low = 1, high = n - 1; k < n; k++) first.push(k % 2 === 1 ? low++ : high--);
  const base = Array.from({ length: n }, (_, r) => first.map((a) => (a + r) % n));
  return n % 2 === 0 ? base : [...base, ...base.map((row) => [...row].reverse())];
}

/**
 * The order server process number `p` creates (and first loads) `names` in: row `p` of a Williams design, so that over
 * as many processes as rows every app is created in every position once and before every other app in half of them.
 * Rotations of one order, used until session 9 of issue 25, balanced the positions only: with four apps in four
 * processes each app was created right before the same one in three of them (the A/A's empty app before its control).
 */
export function creationOrder(names, p) {
  const rows = williamsRows(names.length);
  return rows[p % rows.length].map((k) => names[k]);
}

/**
 * Orders of `n` apps (index lists), one per cycle and used in turn, wrapping around: every app is in every position
 * equally often and follows every other app equally often, counting the step from one cycle's last slice to the next
 * cycle's first. Plain rotations of one order balance positions only: each app then always follows the same app, so
 * whatever a slice inherits from the one before it (scavenges the previous app's allocations brought due, what it left
 * in the caches) falls on one app more than another. With rotations, Express's A/A (the empty app that always followed
 * the bare one ÷ the empty app that always followed it) measured 1.015–1.022 in four full runs, and above 1 in 14 of
 * their 16 processes. The rows of a Williams design (n rows for an even n, 2n for an odd one) balance the steps inside
 * a cycle only: used one after another, the step between two rows is the same kind every time (for four apps, each app
 * opened a cycle only after the app created after it), so each app followed one of the others twice as often as the
 * rest (issue 25, session 9: slices of one Fastify process differed by up to 5% by the app before them). So the rows
 * are put in an order (an Eulerian circuit: rows are nodes, a step from row r to row s is an edge, one per ordered
 * pair of apps that r's last and s's first make) in which the steps between rows cover every ordered pair once:
 * n(n − 1) rows, after which every ordered pair has followed n times. Checked on the way out. Two apps keep the two
 * Williams rows ([0, 1], then [1, 0]: positions balanced, but each app follows itself once in four steps): no orders of
 * two apps balance both.
 */
export function carryoverBalanced(n) {
  if (n < 3) return n === 2 ? [[0, 1], [1, 0]] : [[0]];
  const williams = williamsRows(n);
  // For every ordered pair (a, b), one step from a row ending in a to a row starting with b. With 2n rows (odd n) two
  // rows end in a and two start with b: each such row takes half of those pairs, so that every row has as many steps
  // out as in, (n − 1) / 2, and is used that many times. Which half goes where is drawn (a fixed seed: the same orders
  // every run) until the steps join into one walk: for three apps, splitting by (b − a) mod n gives every row a step to
  // itself only.
  const endingIn = (a) => williams.flatMap((row, r) => (row[n - 1] === a ? [r] : []));
  const startingWith = (b) => williams.flatMap((row, r) => (row[0] === b ? [r] : []));
  const draw = seededDraw(1);
  const halves = (list) => {
    const shuffled = [...list];
    for (let i = shuffled.length - 1; i > 0; i--) { const j = draw(i + 1); [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]]; }
    return new Map(shuffled.map((x, i) => [x, Math.floor(i * williams.length / n / (n - 1))]));
  };
  const others = (a) => Array.from({ length: n }, (_, b) => b).filter((b) => b !== a);
  for (let attempt = 0; attempt < 1000; attempt++) {
    const sourceHalf = Array.from({ length: n }, (_, a) => halves(others(a)));
    const targetHalf = Array.from({ length: n }, (_, b) => halves(others(b)));
    const steps = williams.map(() => []);
    for (let a = 0; a < n; a++) {
      for (const b of others(a)) steps[endingIn(a)[sourceHalf[a].get(b)]].push(startingWith(b)[targetHalf[b].get(a)]);
    }
    // Hierholzer's walk from row 0: every step once; the rows in the order walked, the last step leading back to row 0.
    const stack = [0];
    const walk = [];
    while (stack.length > 0) {
      const row = stack[stack.length - 1];
      if (steps[row].length > 0) stack.push(steps[row].pop());
      else walk.push(stack.pop());
    }
    if (walk.length !== n * (n - 1) + 1) continue;
    const rows = walk.reverse().slice(0, -1).map((r) => williams[r]);
    checkBalanced(rows, n);
    return rows;
  }
  throw new Error(`no balanced orders found for ${n} apps`);
}

/** Throws unless `rows`, used in turn and wrapping around, put every app in every position and after every other app equally often. */
function checkBalanced(rows, n) {
  const positions = Array.from({ length: n }, () => new Array(n).fill(0));
  const follows = Array.from({ length: n }, () => new Array(n).fill(0));
  const sequence = rows.flat();
  rows.forEach((row) => row.forEach((a, k) => positions[k][a]++));
  sequence.forEach((a, i) => follows[sequence[(i + sequence.length - 1) % sequence.length]][a]++);
  const even = (counts, skipDiagonal) => new Set(counts.flatMap((line, i) => line.filter((_, j) => !(skipDiagonal && i === j)))).size === 1;
  if (!even(positions, false) || !even(follows, true) || follows.some((line, a) => line[a] !== 0)) {
    throw new Error(`orders of ${n} apps not balanced: positions ${JSON.stringify(positions)}, follows ${JSON.stringify(follows)}`);
  }
}
