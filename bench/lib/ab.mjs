// Interleaved load runs against several server processes: CPU time per request read from each server.
import { runLoad } from './load.mjs';
import { median } from './stats.mjs';

/** Rotating orders (a Latin square) so each variant runs in each position equally often. */
export function orders(variants) {
  return variants.map((_, shift) => variants.map((__, k) => variants[(k + shift) % variants.length]));
}

/**
 * One run of load on `url`, served by `child`: the server's CPU time (user + system, `process.cpuUsage()` deltas taken
 * in the server process over IPC) over the run, per 2xx answer. Any non-2xx answer or error fails the benchmark.
 */
async function measuredRun(child, url, { seconds, connections, headers, label }) {
  const cpuBefore = await child.call('cpu');
  const result = await runLoad({ url, duration: seconds, connections, headers });
  const cpu = (await child.call('cpu')) - cpuBefore;
  if (result.non2xx > 0 || result.errors > 0 || result.ok === 0) {
    throw new Error(`${label}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.ok} ok`);
  }
  return { ...result, cpuPerRequest: cpu / result.ok, serverBusy: cpu / 1e6 / result.seconds };
}

/**
 * Runs `rounds` rounds; each round loads every server for `duration` s, back to back, in a rotating order
 * (so drift in machine load falls on every variant alike), after a `warmup` run of each. For each run, the
 * server's CPU time (user + system, `process.cpuUsage()` deltas taken in the server process over IPC) is
 * divided by the 2xx answers it gave: CPU per request, steadier than throughput on a shared machine.
 * `servers`: { [variant]: child from startChild('app', …) }. Returns { [variant]: run[] }.
 */
export async function interleavedRuns({ servers, rounds, duration, warmup, connections, headers, path = '/pro', label = '', pauseIdle = false }) {
  const variants = Object.keys(servers);
  const runs = Object.fromEntries(variants.map((v) => [v, []]));
  // `pauseIdle`: every server but the one under load is stopped (SIGSTOP), so no idle server's background work (V8's
  // memory reducer collecting after the load stops, timers) runs on the pinned CPU during another server's run.
  const signal = (child, name) => {
    if (pauseIdle && process.platform !== 'win32') process.kill(child.pid, name);
  };
  for (const child of Object.values(servers)) signal(child, 'SIGSTOP');
  const measure = async (variant, seconds, keep) => {
    const child = servers[variant];
    signal(child, 'SIGCONT');
    try {
      const run = await measuredRun(child, `${child.info.url}${path}`, { seconds, connections, headers, label: `${label} ${variant}` });
      if (keep) runs[variant].push(run);
    } finally {
      signal(child, 'SIGSTOP');
    }
  };
  const order = orders(variants);
  try {
    for (const variant of variants) await measure(variant, warmup, false);
    for (let i = 0; i < rounds; i++) {
      for (const variant of order[i % order.length]) await measure(variant, duration, true);
    }
  } finally {
    for (const child of Object.values(servers)) signal(child, 'SIGCONT');
  }
  return runs;
}

/** Per-round ratios `f(a[i], b[i])`, their median and range. */
export function pairedRatios(a, b, f) {
  const list = a.map((x, i) => f(x, b[i]));
  return { list, median: median(list), min: Math.min(...list), max: Math.max(...list) };
}

/** bare CPU/req ÷ other CPU/req per round: 1 means the other variant costs the server nothing extra. */
export const cpuRatio = (bare, other) => pairedRatios(bare, other, (b, o) => b.cpuPerRequest / o.cpuPerRequest);

/**
 * Bytes V8 allocates per request in each server, counted in the server process (`countStart` / `countStop` of
 * bench/children/app.mjs: the heap's growth between GCs) over a window inside a steady load: the load runs, the window
 * opens `lead` s in and lasts `seconds`, and is divided by the requests the paid route answered in it. No connection
 * opens or closes inside the window, so only the per-request work is counted. Rounds rotate the order as
 * {@link interleavedRuns} does; idle servers are stopped (SIGSTOP) meanwhile when `pauseIdle`.
 * Returns { [key]: { bytes, young, requests, scavenges }[] } (bytes and young per request, one entry per round).
 */
export async function allocationRuns({ servers, rounds, seconds, lead = 0.3, connections, headers, path = '/pro', pauseIdle = false }) {
  const keys = Object.keys(servers);
  const runs = Object.fromEntries(keys.map((key) => [key, []]));
  const signal = (child, name) => {
    if (pauseIdle && process.platform !== 'win32') process.kill(child.pid, name);
  };
  const wait = (s) => new Promise((resolve) => setTimeout(resolve, s * 1000));
  const order = orders(keys);
  for (const child of Object.values(servers)) signal(child, 'SIGSTOP');
  try {
    for (let i = 0; i < rounds; i++) {
      for (const key of order[i % order.length]) {
        const child = servers[key];
        signal(child, 'SIGCONT');
        const load = runLoad({ url: `${child.info.url}${path}`, duration: lead + seconds + 0.3, connections, headers });
        await wait(lead);
        await child.call('countStart');
        await wait(seconds);
        const counted = await child.call('countStop');
        const result = await load;
        signal(child, 'SIGSTOP');
        if (result.non2xx > 0 || result.errors > 0 || counted.requests === 0) throw new Error(`${key}: ${result.non2xx} non-2xx, ${result.errors} errors, ${counted.requests} counted`);
        runs[key].push({ bytes: counted.total / counted.requests, young: counted.young / counted.requests, requests: counted.requests, allocated: counted.total, scavenges: counted.scavenges });
      }
    }
  } finally {
    for (const child of Object.values(servers)) signal(child, 'SIGCONT');
  }
  return runs;
}

/**
 * Like {@link interleavedRuns}, for servers that host several apps in one process (bench/children/app.mjs with
 * `apps`): `processes` is a list of started children, each serving every name in `names` at `child.info.urls[name]`.
 * Each round visits the processes in a rotating order and, within a process, its apps in an order rotated per round,
 * so every app is as often the first run after a switch of process (when the CPU's caches still hold the previous
 * process) as any other. Only the process under load runs: the others are stopped (SIGSTOP) meanwhile.
 * Returns { [name]: run[][] }: per name, per process, the runs in round order (CPU per request as in interleavedRuns).
 */
export async function inProcessRuns({ processes, names, rounds, duration, warmup, settle = 0.3, connections, headers, path = '/pro', label = '' }) {
  const runs = Object.fromEntries(names.map((name) => [name, processes.map(() => [])]));
  const signal = (child, name) => {
    if (process.platform !== 'win32') process.kill(child.pid, name);
  };
  const measure = async (p, name, seconds, keep) => {
    const child = processes[p];
    const run = await measuredRun(child, `${child.info.urls[name]}${path}`, { seconds, connections, headers, label: `${label} ${name} (process ${p})` });
    if (keep) runs[name][p].push(run);
  };
  const visit = async (p, round, seconds, keep) => {
    signal(processes[p], 'SIGCONT');
    try {
      // The first run after a switch of process measured up to 25% more CPU per request (caches, the resumed process's
      // deferred work): a short unkept run takes that, for an app chosen in rotation.
      if (settle > 0) await measure(p, names[(round + names.length - 1) % names.length], settle, false);
      for (let k = 0; k < names.length; k++) await measure(p, names[(k + round) % names.length], seconds, keep);
    } finally {
      signal(processes[p], 'SIGSTOP');
    }
  };
  for (const child of processes) signal(child, 'SIGSTOP');
  try {
    for (let p = 0; p < processes.length; p++) await visit(p, 0, warmup, false);
    for (let i = 0; i < rounds; i++) {
      for (let q = 0; q < processes.length; q++) await visit((q + i) % processes.length, i, duration, true);
    }
  } finally {
    for (const child of processes) signal(child, 'SIGCONT');
  }
  return runs;
}
