// Benchmark 1: the same app with the paid route bare and behind requireAccess() (subject cached), per framework.
import { cpuRatio, interleavedRuns, pairedRatios } from './lib/ab.mjs';
import { canPin, startChild } from './lib/child.mjs';
import { runLoad } from './lib/load.mjs';
import { fmt, median, verdict } from './lib/stats.mjs';

// The headline: bare CPU per request ÷ gated CPU per request, read from each server process (issue #14).
const TARGET = 0.98;
// `control` is a second, identical bare server: bare vs control (an A/A comparison) shows how far two runs of
// the same code differ on this machine, i.e. the smallest gate cost these figures can resolve. Every server is
// settled before the runs (traffic, then full GCs while idle: the state of a server after its first quiet moment)
// except `pristine`, a bare server measured as it starts, which shows what settling changes.
const VARIANTS = ['bare', 'control', 'noop', 'gated', 'pristine'];
const SETTLED = new Set(['bare', 'control', 'noop', 'gated']);
// Server processes per variant. Two processes of the same code differ by a few percent for as long as they live
// (code and heap placement, JIT timing): with one process per variant that difference, not the gate, decides a 2%
// comparison. So the headline variants run in three processes each, pooled per round (their CPU ÷ their requests).
const PROCESSES = { bare: 3, control: 3, noop: 1, gated: 3, pristine: 1 };

/** One round's runs of a variant's processes as one run: requests and CPU pooled, latencies and rates averaged. */
function pool(list) {
  const ok = list.reduce((sum, r) => sum + r.ok, 0);
  const mean = (key) => list.reduce((sum, r) => sum + r[key], 0) / list.length;
  return { ok, rps: mean('rps'), p50: mean('p50'), p99: mean('p99'), serverBusy: mean('serverBusy'), cpuPerRequest: list.reduce((sum, r) => sum + r.cpuPerRequest * r.ok, 0) / ok };
}
const FRAMEWORKS = [
  { key: 'express', name: 'Express 5' },
  { key: 'koa', name: 'Koa 3' },
  { key: 'fastify', name: 'Fastify 5' },
];

/**
 * For each framework: bare, control, empty-middleware, gated and pristine servers (see PROCESSES), each in its own
 * process, loaded by autocannon from this process in a rotating order (so drift in machine load falls on every
 * variant alike).
 * Besides requests/s, the server's own CPU time per request is read from the server process: on a
 * shared machine it is steadier than throughput and says directly what the gate costs per request.
 */
export async function run({ smoke, mock, log, results: earlier }) {
  // Many short rounds rather than a few long runs: a burst of load from elsewhere on the machine then
  // spoils one pair, which the median discards, instead of a large share of the measurement.
  const rounds = smoke ? 1 : 8;
  const duration = smoke ? 0.3 : 1;
  const warmup = smoke ? 0.2 : 1;
  // What the middleware itself costs per request, timed in-process by benchmark 2 (if it ran).
  const adapterNs = (name) => earlier?.get(2)?.byName?.[`${name.split(' ')[0]} requireAccess()`]?.ns;
  const connections = 32;
  const load = { connections, headers: { authorization: 'Bearer token_0' } };
  const results = [];
  await mock.call('grant', ['user_0']);

  for (const framework of FRAMEWORKS) {
    const licenzy = { url: mock.info.url, apiKey: mock.info.apiKey };
    // A TTL longer than the whole benchmark: every measured request is a cache hit, none refreshes.
    const common = { framework: framework.key, licenzy, cache: { ttl: 3_600_000 }, users: 1 };
    // `servers` holds every process, keyed `variant#n`.
    const servers = {};
    const processesOf = (variant) => Object.keys(servers).filter((key) => key.startsWith(`${variant}#`));
    try {
      for (const variant of VARIANTS) {
        const app = variant === 'control' || variant === 'pristine' ? 'bare' : variant;
        for (let n = 1; n <= (smoke ? 1 : PROCESSES[variant]); n++) servers[`${variant}#${n}`] = await startChild('app', { ...common, variant: app }, { pin: true, execArgv: ['--expose-gc'] });
      }
      for (const key of processesOf('gated')) await servers[key].call('warm', ['user_0']);
      // Settling: some traffic (so Node's tick-object literal has feedback to lose), then full GCs while idle.
      for (const key of Object.keys(servers)) {
        if (!SETTLED.has(key.split('#')[0])) continue;
        await runLoad({ url: `${servers[key].info.url}/pro`, connections, duration: smoke ? 0.2 : 0.5, headers: load.headers });
        await servers[key].call('settle');
      }
      const perProcess = await interleavedRuns({ servers, rounds, duration, warmup, connections, headers: load.headers, label: framework.name, pauseIdle: true });
      const runs = Object.fromEntries(VARIANTS.map((variant) => [variant, Array.from({ length: rounds }, (_, i) => pool(processesOf(variant).map((key) => perProcess[key][i])))]));
      let hits = 0;
      for (const key of processesOf('gated')) {
        const stats = await servers[key].call('stats');
        if (stats.upstreamCalls !== 1) throw new Error(`${framework.name}: expected only the warm-up Licenzy call, saw ${stats.upstreamCalls}`);
        hits += stats.hits;
      }
      const ratios = runs.gated.map((g, i) => g.rps / runs.bare[i].rps);
      const noopRatios = runs.gated.map((g, i) => g.rps / runs.noop[i].rps);
      const controlRatios = runs.control.map((c, i) => c.rps / runs.bare[i].rps);
      // CPU per request, bare ÷ other, per round: the figure the target is set on (1.0 = the gate costs nothing).
      // Every bare process (bare and control alike) as one baseline: twice the processes, so less of the per-process luck.
      const allBare = Array.from({ length: rounds }, (_, i) => pool([...processesOf('bare'), ...processesOf('control')].map((key) => perProcess[key][i])));
      const cpu = { gated: cpuRatio(runs.bare, runs.gated), noop: cpuRatio(runs.bare, runs.noop), control: cpuRatio(runs.bare, runs.control), pristine: cpuRatio(runs.bare, runs.pristine), allBare: cpuRatio(allBare, runs.gated) };
      const cpuNoopGated = pairedRatios(runs.noop, runs.gated, (n, g) => n.cpuPerRequest / g.cpuPerRequest);
      const summary = (list) => ({
        rps: median(list.map((r) => r.rps)),
        p50: median(list.map((r) => r.p50)),
        p99: median(list.map((r) => r.p99)),
        cpuPerRequest: median(list.map((r) => r.cpuPerRequest)),
        serverBusy: median(list.map((r) => r.serverBusy)),
      });
      const entry = {
        framework, bare: summary(runs.bare), control: summary(runs.control), noop: summary(runs.noop), gated: summary(runs.gated), pristine: summary(runs.pristine),
        ratios, ratio: median(ratios), noopRatios, noopRatio: median(noopRatios),
        controlRatios, controlRatio: median(controlRatios), hits, runs, cpu, cpuNoopGated,
      };
      // The ratio a CPU-bound server would see if the gate cost only what its middleware costs in isolation.
      entry.implied = entry.bare.cpuPerRequest / (entry.bare.cpuPerRequest + (adapterNs(framework.name) ?? NaN) / 1000);
      results.push(entry);
      log(`  ${framework.name}: bare/gated CPU per request ${fmt.ratio(cpu.gated.median)} (runs: ${cpu.gated.list.map(fmt.ratio).join(' ')}); A/A bare/control ${fmt.ratio(cpu.control.median)} (${fmt.ratio(cpu.control.min)}–${fmt.ratio(cpu.control.max)}); bare/empty middleware ${fmt.ratio(cpu.noop.median)}; settled/pristine bare ${fmt.ratio(cpu.pristine.median)}; all bare processes/gated ${fmt.ratio(cpu.allBare.median)}`);
      log(`  ${framework.name}: bare ${fmt.int(entry.bare.rps)}, empty middleware ${fmt.int(entry.noop.rps)}, gated ${fmt.int(entry.gated.rps)} req/s; gated/bare ${fmt.ratio(entry.ratio)} (runs: ${ratios.map(fmt.ratio).join(' ')}); gated/empty ${fmt.ratio(entry.noopRatio)}; A/A control ${fmt.ratio(entry.controlRatio)} (runs: ${controlRatios.map(fmt.ratio).join(' ')})`);
    } finally {
      await Promise.all(Object.values(servers).map((server) => server.stop()));
    }
  }

  const rows = results.map((r) => ({
    benchmark: `1. Cache-hit overhead, ${r.framework.name} (bare/gated server CPU per request)`,
    figure: `${fmt.ratio(r.cpu.gated.median)} (runs ${fmt.ratio(r.cpu.gated.min)}–${fmt.ratio(r.cpu.gated.max)}; ${fmt.us(r.bare.cpuPerRequest)} vs ${fmt.us(r.gated.cpuPerRequest)}); A/A bare/control ${fmt.ratio(r.cpu.control.median)} (${fmt.ratio(r.cpu.control.min)}–${fmt.ratio(r.cpu.control.max)}); req/s gated/bare ${fmt.ratio(r.ratio)}`,
    target: `>= ${TARGET}`,
    status: verdict(r.cpu.gated.median >= TARGET),
  }));

  const lines = [
    '## 1. Cache-hit overhead per framework',
    '',
    `The same app in five variants per framework, each server in its own process: \`GET /pro\` behind a stand-in session middleware (bearer token → \`user\`), **bare**, a second identical bare server as an A/A **control**, with an **empty middleware** (\`next()\` only) where the gate goes, **gated** with \`requireAccess({ gate, subject })\`, and **pristine**, a bare server left as it started (see below). The subject is cached before the runs (TTL 1 h, so every measured request is a cache hit; the gate's counters confirm a single Licenzy call, the warm-up). Before the runs, every server but the pristine one is **settled**: ${smoke ? 0.2 : 0.5} s of traffic, then six full GCs while it is idle (\`--expose-gc\`), the state a production server is in after its first quiet moment. Two processes of the same code differ by a few percent for as long as they live (code and heap placement, JIT timing), so bare, control and gated run in ${smoke ? 1 : PROCESSES.bare} processes each, pooled per round (their CPU time ÷ their requests); the empty middleware and pristine variants in one. autocannon runs in the parent process: ${connections} connections, ${duration} s per run, after a ${warmup} s warm-up of each server; ${rounds} rounds, each loading every server once, back to back, in a rotating order; every server but the one under load is stopped (SIGSTOP) meanwhile, so no idle server's background work (V8's memory reducer, timers) runs on the pinned CPU during another's run. ${canPin ? 'The servers are pinned to the last CPU (taskset) so the load generator does not share their core.' : 'Servers are not pinned (taskset unavailable).'} Figures are medians over the ${rounds} rounds of each variant; ratios are medians of the per-round ratios.`,
    '',
    'The empty middleware separates what the framework charges for any middleware on the route (bare → empty) from what the gate itself adds (empty → gated). The A/A control (bare vs an identical bare server) measures this machine\'s run-to-run noise: a gated/bare ratio inside the control\'s range is a difference the machine cannot resolve.',
    '',
    '"Server CPU/req" is the server process\'s CPU time (user + system) divided by the requests it answered.',
    '',
    '| Framework | Variant | Requests/s | p50 | p99 | Server CPU/req | Server CPU busy |',
    '|---|---|---:|---:|---:|---:|---:|',
  ];
  for (const r of results) {
    for (const variant of VARIANTS) {
      const s = r[variant];
      lines.push(`| ${r.framework.name} | ${{ noop: 'empty middleware', control: 'bare (A/A control)', pristine: 'bare, pristine (never settled)' }[variant] ?? variant} | ${fmt.int(s.rps)} | ${fmt.ms(s.p50)} | ${fmt.ms(s.p99)} | ${fmt.us(s.cpuPerRequest)} | ${Math.round(s.serverBusy * 100)}% |`);
    }
  }
  lines.push(
    '',
    '**The headline: bare/gated server CPU per request** (median of the per-round ratios; 1.000 = the gate costs the server nothing). The A/A row is the same ratio between two identical bare servers: this machine\'s noise floor. "Bare and control together" takes all ${smoke ? 2 : PROCESSES.bare + PROCESSES.control} bare processes as the baseline (both are the bare route without any hook), for information: twice the processes, so less of the per-process luck; the result column is judged on bare/gated.',
    '',
    '| Framework | bare/gated CPU per request | Per-round ratios | A/A bare/control (range) | bare and control together/gated | bare/empty middleware | empty/gated | settled bare/pristine bare | Target | Result |',
    '|---|---:|---|---:|---:|---:|---:|---:|---|---|',
  );
  for (const r of results) {
    lines.push(`| ${r.framework.name} | **${fmt.ratio(r.cpu.gated.median)}** | ${r.cpu.gated.list.map(fmt.ratio).join(', ')} | ${fmt.ratio(r.cpu.control.median)} (${fmt.ratio(r.cpu.control.min)}–${fmt.ratio(r.cpu.control.max)}) | ${fmt.ratio(r.cpu.allBare.median)} | ${fmt.ratio(r.cpu.noop.median)} | ${fmt.ratio(r.cpuNoopGated.median)} | ${fmt.ratio(r.cpu.pristine.median)} | >= ${TARGET} | ${verdict(r.cpu.gated.median >= TARGET)} |`);
  }
  lines.push('', 'Throughput, for reference (the load generator shares the machine, so requests/s move with it more than CPU per request does):');
  lines.push('', '| Framework | gated/bare req/s (median) | Per-round ratios | gated/empty middleware | A/A control/bare (range) | Δ server CPU/req vs empty | Middleware alone (bench 2) | Implied ratio |', '|---|---:|---|---:|---:|---:|---:|---:|');
  for (const r of results) {
    const delta = r.gated.cpuPerRequest - r.noop.cpuPerRequest;
    lines.push(`| ${r.framework.name} | **${fmt.ratio(r.ratio)}** | ${r.ratios.map(fmt.ratio).join(', ')} | ${fmt.ratio(r.noopRatio)} | ${fmt.ratio(r.controlRatio)} (${fmt.ratio(Math.min(...r.controlRatios))}–${fmt.ratio(Math.max(...r.controlRatios))}) | ${delta >= 0 ? '+' : '−'}${fmt.us(Math.abs(delta))} | ${fmt.ns(adapterNs(r.framework.name))} | ${fmt.ratio(r.implied)} |`);
  }
  lines.push('', `"Middleware alone" is the adapter's \`requireAccess()\` middleware on a cache hit, called in a loop without HTTP (benchmark 2); "implied ratio" is bare CPU/req ÷ (bare CPU/req + middleware alone): the throughput ratio of a CPU-bound server if the gate costs what its middleware costs. When the measured ratio and the CPU difference disagree with it by more than the run-to-run spread of the per-pair ratios, the machine was too busy to resolve a difference this small; re-run on a quiet machine.`);
  lines.push(
    '',
    '**Where the gated CPU went (issue #14), and why every server is settled.** Measured without settling, a gated Fastify server spent 2–3 µs more CPU per request than a bare one (bare/gated 0.77–0.84 in every run), while the gate\'s code costs ~0.03 µs. `perf record` of both processes under identical load (`--perf-basic-prof`) put the difference in V8\'s runtime, called from `processTicksAndRejections`: `Runtime_DefineKeyedOwnPropertyInLiteral`, `Map::TransitionToDataProperty`, `TransitionsAccessor::IsMatchingMap`, `JSObject::MigrateToMap`. That is Node 20\'s `process.nextTick()` building its tick object, the literal `{ [async_id_symbol]: …, [trigger_async_id_symbol]: …, callback, args }` in `lib/internal/process/task_queues.js`, outside the optimised code. `%DebugPrint(process.nextTick)` shows why: in the slow processes three of that literal\'s four store slots are MEGAMORPHIC, in the fast ones all four are MONOMORPHIC. V8 keeps a single map per slot for this kind of store, with no polymorphic state; a full GC that frees the tick object\'s maps (no tick object is alive between ticks, and unused maps are retained for only a couple of GCs) makes the next tick build new maps, and the slots go megamorphic for the life of the process. In a gated server the gate\'s first Licenzy call did it: it loads `fetch` (undici), and the GCs that follow freed the maps. A bare server gets there just the same after its first quiet moment, when V8\'s memory reducer collects: one bare Fastify server given an idle GC measured 0.861 against a pristine one, level with gated (0.824) in the same run. `node bench/experiments/next-tick-feedback.mjs [fastify|express|koa]` reproduces it: a script with one GC, and servers before and after the first Licenzy call, traffic and settling. So the comparison that isolates the gate compares servers in the same state, and the state production servers stay in is the settled one: every server is settled before the runs, and the pristine column shows what the baseline would otherwise have been.',
    '',
    '**Express: a property added to `req` costs a hidden class.** On Node 20 every `IncomingMessage` ends up with a V8 map of its own (no two requests share one), so each property a middleware adds to `req` copies that map and its descriptors (`Map::CopyAddDescriptor`, `DescriptorArray::CopyFrom` in `perf`), 1.5–5 µs per request. The adapter used to set `req.licenzy` that way; it is now an accessor on Express\'s request prototype with each request\'s value in a `WeakMap` (`packages/express/src/decision-property.ts`), which took bare/gated from 0.941 to 0.997 side by side (`node bench/experiments/cpu-ab-pooled.mjs express bare,control,gated 3 8 1`, before and after). Every variant\'s stand-in session middleware still adds `req.user`, as real apps do. **Reading the Express row:** two processes of identical Express code differ by up to ±10% for their whole life (the A/A column: 0.922 and 1.118 in two full runs; layout-dependent, like collisions in V8\'s megamorphic stub cache that Express\'s per-request maps lean on), so one run\'s Express ratio resolves the gate\'s cost only to about its A/A; the gate\'s own work there is the middleware alone (benchmark 2) plus one `WeakMap` write.',
  );
  const notes = [];
  for (const r of results) {
    if (r.cpu.gated.median >= TARGET) continue;
    notes.push(`- **Cache-hit overhead, ${r.framework.name} (benchmark 1)**: bare/gated CPU per request ${fmt.ratio(r.cpu.gated.median)} against an A/A of ${fmt.ratio(r.cpu.control.median)}. See "Where the gated CPU went" in section 1 for what is and is not the gate's cost.`);
  }
  return { rows, markdown: lines.join('\n'), results, notes };
}
