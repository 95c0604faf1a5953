// Benchmark 7: many instances on one Redis (issue 9). Three app processes (scripts/fleet-app.mjs) on a throwaway
// redis-server, against three without the tier: invalidation propagation, Licenzy calls per subject per TTL, the L2
// hit latency on an L1 miss, the L1 hit path, and requests answered while Redis is killed or hangs. Issue 24: three
// more on a throwaway 3+3 Redis Cluster, whose propagation and L2 hits are measured in the same run, in rounds
// alternating with the single server's (the cluster part is skipped, saying why, only without redis-cli).
// `node bench/multi-instance.mjs` (or a full `npm run bench`) rewrites the figures in docs/multi-instance.md;
// `--smoke` (CI) runs every part at tiny sizes and writes nothing.
import { readFileSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { REDIS_MISSING, buildRedisIfStale, redisServerInstalled, startFleet, startRedis, until } from '../scripts/fleet.mjs';
import { startRedisCluster, topologyMissing } from '../scripts/lib/redis-topology.mjs';
import { machine } from './lib/report.mjs';
import { fmt, median, percentile, verdict } from './lib/stats.mjs';

const DOC = new URL('../docs/multi-instance.md', import.meta.url);
const BEGIN = '<!-- bench:multi-instance:begin -->';
const END = '<!-- bench:multi-instance:end -->';
const TARGETS = { propagationP99: 50, l2P50: 1, callsWithTier: 1, wrong: 0, hitRatio: 1.1 };
// Lifetimes far longer than the run: every figure is about the tier, none about expiry.
const LIFETIMES = { FLEET_TTL: '600000', FLEET_DENIED_TTL: '600000' };

/**
 * Runs the measurements. `mock` is bench/children/mock.mjs (from bench/run.mjs, or started by the direct command).
 * Returns `{ rows, markdown, figures }` like the other benchmarks.
 */
export async function run({ smoke, mock, log }) {
  if (!redisServerInstalled()) {
    if (process.env.LICENZY_REQUIRE_SERVERS === '1') throw new Error(REDIS_MISSING);
    log(`  skipped: ${REDIS_MISSING}`);
    const row = { benchmark: '7. Many instances on one Redis', figure: 'skipped: redis-server not installed', target: '—', status: 'info' };
    return { rows: [row], markdown: `## 7. Many instances on one Redis\n\nSkipped: ${REDIS_MISSING}.` };
  }
  // bench/run.mjs builds what the single-instance benchmarks need; the fleet also loads @licenzy-gate/redis.
  if (!buildRedisIfStale()) throw new Error('could not build @licenzy-gate/redis');
  const sizes = smoke
    ? { invalidations: 10, subjects: 3, burst: 6, l2: 20, rounds: 2, hitN: 20_000, hitRounds: 1, outage: 60 }
    : { invalidations: 300, subjects: 50, burst: 30, l2: 500, rounds: 6, hitN: 1_000_000, hitRounds: 9, outage: 600 };
  const clusterMissing = topologyMissing('cluster');
  if (clusterMissing !== undefined && process.env.LICENZY_REQUIRE_SERVERS === '1') throw new Error(clusterMissing);
  if (clusterMissing !== undefined) log(`  the Redis Cluster part is skipped: ${clusterMissing}`);
  const redis = await startRedis();
  let cluster;
  const env = { LICENZY_API_KEY: mock.info.apiKey, LICENZY_API_URL: mock.info.url, ...LIFETIMES };
  const fleets = [];
  try {
    cluster = clusterMissing === undefined ? await startRedisCluster() : undefined;
    const started = await Promise.allSettled([
      startFleet(3, { ...env, REDIS_URL: redis.url }),
      startFleet(3, env),
      // The tier's own connections (createRedisTier({ url, cluster: true })): node-redis createCluster.
      cluster === undefined ? Promise.resolve([]) : startFleet(3, { ...env, ...cluster.env('url') }),
    ]);
    const [fleet, alone, onCluster] = started.map((s) => (s.status === 'fulfilled' ? s.value : []));
    fleets.push(...fleet, ...alone, ...onCluster); // stopped in `finally`, even if another fleet failed to start
    for (const s of started) if (s.status === 'rejected') throw s.reason;
    const checks = async () => (await mock.call('counters')).checks;
    await waitForTier(fleet, mock, checks);
    if (cluster !== undefined) await waitForTier(onCluster, mock, checks);

    const topologies = [{ name: 'single', fleet, redis }, ...(cluster === undefined ? [] : [{ name: 'cluster', fleet: onCluster, redis: cluster }])];
    const side = await measureSideBySide(topologies, mock, sizes);
    for (const t of side) {
      log(`  ${t.name}: propagation to every other instance p50 ${fmt.ms(t.propagation.all.p50)}, p99 ${fmt.ms(t.propagation.all.p99)} (${t.propagation.count}); L2 hit p50 ${fmt.ms(t.l2.p50)}, p99 ${fmt.ms(t.l2.p99)} (${t.l2.count})`);
    }
    const propagation = side[0].propagation;
    const calls = await measureCalls({ fleet, alone, mock, checks, redis, sizes });
    log(`  Licenzy calls per subject per TTL: ${calls.tier.toFixed(2)} with the tier, ${calls.alone.toFixed(2)} without; cold stampede ${calls.stampede.toFixed(2)}`);
    const l2 = { ...(await measureL2(fleet, alone, mock, sizes.l2)), hit: side[0].l2 };
    log(`  L1 miss → L2 miss → Licenzy: p50 ${fmt.ms(l2.licenzy.p50)}; without the tier p50 ${fmt.ms(l2.alone.p50)}`);
    const hit = await measureHitPath(fleet[0], alone[0], alone[1], sizes);
    log(`  L1 hit (gate.peek): ${fmt.ns(hit.tier)} with the tier, ${fmt.ns(hit.alone)} without, ${fmt.ns(hit.control)} in a second instance without (A/A)`);
    const outage = await measureOutage({ fleet, redis, mock, perPhase: sizes.outage });
    for (const phase of outage.phases) log(`  Redis ${phase.name}: ${phase.count} requests, p50 ${fmt.ms(phase.p50)}, p99 ${fmt.ms(phase.p99)}, max ${fmt.ms(phase.max)}, ${phase.wrong} wrong, ${phase.unavailable} 503`);
    log(`  recovered ${fmt.ms(outage.recoveredMs)} after the restart (an answer shared through Redis again)`);

    const figures = { propagation, calls, l2, hit, outage, sizes, side, clusterMissing };
    const result = report(figures);
    if (!smoke && writesDoc()) {
      writeDoc(result.body);
      log('  wrote docs/multi-instance.md');
    }
    return { ...result, figures };
  } finally {
    await Promise.allSettled(fleets.map((instance) => instance.stop()));
    await redis.stop();
    await cluster?.stop();
  }
}

/** A full run writes the doc: the direct command, or `npm run bench` without `--only` (never `--smoke`). */
function writesDoc() {
  return !process.argv.some((arg) => arg.startsWith('--only='));
}

function summary(values) {
  return { p50: percentile(values, 50), p99: percentile(values, 99), max: Math.max(...values), count: values.length };
}

async function get(instance, user, path = '/pro') {
  const t0 = performance.now();
  const response = await fetch(`${instance.url}${path}`, { headers: { 'x-demo-user': user } });
  await response.arrayBuffer();
  return { status: response.status, source: response.headers.get('x-decision-source'), ms: performance.now() - t0 };
}

/** Until every instance is subscribed and shares answers through Redis (the tier connects in the background). */
async function waitForTier(fleet, mock, checks) {
  for (const [i, from] of fleet.entries()) {
    const to = fleet[(i + 1) % fleet.length];
    await until(async () => {
      const probe = `ready_${randomUUID()}`;
      await mock.call('grant', [probe]);
      await get(from, probe);
      const before = await checks();
      const shared = (await get(to, probe)).status === 200 && (await checks()) === before;
      await from.call('invalidate', probe);
      const seen = await Promise.all(fleet.filter((x) => x !== from).map((x) => x.call('broadcastSeen', probe)));
      return shared && seen.every((at) => at !== undefined);
    }, 10_000, `tier ready on instance ${i}`);
  }
}

/** Instance 0 invalidates; the others stamp when the broadcast reaches their gate (wall clock, one machine): ms each. */
async function measurePropagation(fleet, count) {
  const [origin, ...others] = fleet;
  const each = [];
  const all = [];
  for (let i = 0; i < count; i++) {
    const subject = `prop_${i}_${randomUUID()}`;
    const at = await origin.call('invalidate', subject);
    let seen;
    await until(async () => (seen = await Promise.all(others.map((x) => x.call('broadcastSeen', subject)))).every((s) => s !== undefined), 5000, 'broadcast');
    const delays = seen.map((s) => s - at);
    each.push(...delays);
    all.push(Math.max(...delays));
  }
  return { each, all };
}

/** Licenzy calls per subject while requests are spread over three instances, with and without the tier. */
async function measureCalls({ fleet, alone, mock, checks, redis, sizes }) {
  const perSubject = async (instances, prefix, stampede) => {
    const subjects = Array.from({ length: sizes.subjects }, (_, i) => `${prefix}_${i}_${randomUUID()}`);
    await mock.call('grant', subjects);
    const before = await checks();
    for (const subject of subjects) {
      // Warm traffic: one request, and once its answer is in Redis (the write-through is not awaited by the request:
      // within that one round trip another instance may still ask Licenzy, as in a stampede) the rest spread
      // round-robin and in a concurrent burst. A stampede sends the first requests to all three at the same moment
      // (each process coalesces only its own).
      if (!stampede) {
        const keys = await redis.dbsize();
        await get(instances[0], subject);
        if (instances === fleet) await until(async () => (await redis.dbsize()) > keys, 5000, 'write-through');
        for (let i = 0; i < 3; i++) await get(instances[i], subject);
      }
      const burst = await Promise.all(Array.from({ length: sizes.burst }, (_, i) => get(instances[i % 3], subject)));
      if (burst.some((answer) => answer.status !== 200)) throw new Error(`a paid subject was refused: ${burst.map((a) => a.status)}`);
    }
    return ((await checks()) - before) / subjects.length;
  };
  return { tier: await perSubject(fleet, 'calls', false), alone: await perSubject(alone, 'alone', false), stampede: await perSubject(fleet, 'stampede', true) };
}

/** `gate.check()` timed inside instance 1 for new subjects: an L1 miss, an L2 miss, Licenzy; and without the tier. */
async function measureL2(fleet, alone, mock, count) {
  const fresh = Array.from({ length: Math.min(count, 200) }, (_, i) => `l2_new_${i}_${randomUUID()}`);
  await mock.call('grant', fresh);
  const viaLicenzy = await fleet[1].call('timeChecks', fresh);
  const aloneFresh = fresh.map((s) => `${s}_alone`);
  await mock.call('grant', aloneFresh);
  const withoutTier = await alone[1].call('timeChecks', aloneFresh);
  return { licenzy: summary(viaLicenzy.map((h) => h.ms)), alone: summary(withoutTier.map((h) => h.ms)) };
}

/**
 * `gate.check()` timed inside instance 1 for subjects instance 0 just fetched: each an L1 miss answered by the tier
 * (an L2 hit). Waits until every entry is in Redis first (on a cluster they land on three primaries, over three
 * connections, so no single read orders them): the primaries' key count.
 */
async function l2Hits({ fleet, redis }, mock, count) {
  const subjects = Array.from({ length: count }, (_, i) => `l2_${i}_${randomUUID()}`);
  await mock.call('grant', subjects);
  const keys = await redis.dbsize();
  for (const subject of subjects) await get(fleet[0], subject);
  await until(async () => (await redis.dbsize()) >= keys + count, 10_000, 'every entry written through');
  const hits = await fleet[1].call('timeChecks', subjects);
  if (hits.some((h) => h.source !== 'cache' || !h.allowed)) throw new Error('expected every L1 miss on instance 1 to be an L2 hit');
  return hits.map((h) => h.ms);
}

/**
 * Propagation and L2 hits on each topology, in `sizes.rounds` rounds whose order alternates (A B, B A, …), so the
 * machine's drift over the run falls on both alike. Returns per topology `{ name, propagation, l2 }`.
 */
async function measureSideBySide(topologies, mock, sizes) {
  const samples = new Map(topologies.map((t) => [t.name, { each: [], all: [], l2: [] }]));
  const perRound = (total) => Math.max(1, Math.ceil(total / sizes.rounds));
  for (let round = 0; round < sizes.rounds; round++) {
    for (const topology of round % 2 === 0 ? topologies : [...topologies].reverse()) {
      const bucket = samples.get(topology.name);
      const propagation = await measurePropagation(topology.fleet, perRound(sizes.invalidations));
      bucket.each.push(...propagation.each);
      bucket.all.push(...propagation.all);
      bucket.l2.push(...(await l2Hits(topology, mock, perRound(sizes.l2))));
    }
  }
  return topologies.map(({ name }) => {
    const { each, all, l2 } = samples.get(name);
    return { name, propagation: { count: all.length, each: summary(each), all: summary(all) }, l2: summary(l2) };
  });
}

/**
 * ns per L1 hit (`gate.peek()`) in an instance with the tier and one without, plus an A/A control (a second instance
 * without the tier): two identical processes differ by JIT and heap layout, which bounds what this can resolve.
 * Rounds rotate the order; medians.
 */
async function measureHitPath(withTier, without, control, sizes) {
  const runs = { tier: [], alone: [], control: [] };
  const order = [['tier', withTier], ['alone', without], ['control', control]];
  for (let round = 0; round < sizes.hitRounds; round++) {
    for (const [name, instance] of [...order.slice(round % 3), ...order.slice(0, round % 3)]) {
      runs[name].push(await instance.call('hitLoop', { subjectRef: 'hit_user', n: sizes.hitN }));
    }
  }
  return { tier: median(runs.tier), alone: median(runs.alone), control: median(runs.control), rounds: sizes.hitRounds, n: sizes.hitN };
}

/**
 * Load over the three instances, every request a new subject (an L1 miss that goes through the tier), half of them
 * entitled: Redis up, killed (SIGKILL: connections refused), back, hanging (SIGSTOP: commands time out), back.
 */
async function measureOutage({ fleet, redis, mock, perPhase }) {
  const runId = randomUUID();
  const answers = [];
  let phase = 'up';
  let next = 0;
  let stop = false;
  const worker = async (w) => {
    while (!stop) {
      const i = next++;
      const user = `outage_${i}_${runId}`;
      const paid = i % 2 === 0;
      if (paid) await mock.call('grant', [user]);
      const answer = await get(fleet[(i + w) % 3], user);
      answers.push({ ...answer, phase, wrong: answer.status !== 503 && answer.status !== (paid ? 200 : 403) });
    }
  };
  const count = (name) => answers.filter((a) => a.phase === name).length;
  const workers = Promise.all([0, 1, 2, 3].map(worker));
  let recoveredMs;
  try {
    await until(() => count('up') >= perPhase, 30_000, 'load with Redis up');
    phase = 'killed';
    await redis.stop();
    await until(() => count('killed') >= perPhase, 30_000, 'load with Redis killed');
    await redis.start();
    const restartedAt = performance.now();
    phase = 'restarted';
    // Self-recovery after the crash, under load: an answer instance 0 fetched is an L2 hit on instance 1 again.
    await until(async () => {
      const probe = `recovered_${randomUUID()}`;
      await mock.call('grant', [probe]);
      await get(fleet[0], probe);
      const [answer] = await fleet[1].call('timeChecks', [probe]);
      return answer.source === 'cache';
    }, 30_000, 'tier shared again');
    recoveredMs = performance.now() - restartedAt;
    await until(() => count('restarted') >= perPhase, 30_000, 'load after the restart');
    phase = 'hanging';
    redis.pause();
    await until(() => count('hanging') >= perPhase, 30_000, 'load with Redis hanging');
    redis.resume();
    phase = 'resumed';
    await until(() => count('resumed') >= perPhase, 30_000, 'load after SIGCONT');
  } finally {
    stop = true;
    redis.resume();
    await workers;
  }
  const phases = ['up', 'killed', 'restarted', 'hanging', 'resumed'].map((name) => {
    const list = answers.filter((a) => a.phase === name);
    return { name, ...summary(list.map((a) => a.ms)), wrong: list.filter((a) => a.wrong).length, unavailable: list.filter((a) => a.status === 503).length };
  });
  return { phases, recoveredMs, wrong: answers.filter((a) => a.wrong).length, unavailable: answers.filter((a) => a.status === 503).length, total: answers.length };
}

const TOPOLOGY_LABELS = { single: 'one redis-server', cluster: '3+3 Redis Cluster (`createRedisTier({ url, cluster: true })`)' };

/** The cluster's rows (met or missed against the same targets), or one saying why it was not measured. */
function clusterRows(side, clusterMissing) {
  const onCluster = side.find((t) => t.name === 'cluster');
  if (onCluster === undefined) {
    return [{ benchmark: '7. The same on a 3+3 Redis Cluster', figure: `skipped: ${clusterMissing}`, target: '—', status: 'info' }];
  }
  const { propagation, l2 } = onCluster;
  return [
    {
      benchmark: '7. Invalidation reaches every other instance, 3+3 Redis Cluster',
      figure: `p50 ${fmt.ms(propagation.all.p50)}, p99 ${fmt.ms(propagation.all.p99)} (${propagation.count} invalidations, 3 instances)`,
      target: `p99 < ${TARGETS.propagationP99} ms`,
      status: verdict(propagation.all.p99 < TARGETS.propagationP99),
    },
    {
      benchmark: '7. L2 hit on a 3+3 Redis Cluster',
      figure: `p50 ${fmt.ms(l2.p50)}, p99 ${fmt.ms(l2.p99)} (${l2.count} L1 misses; two round trips: the subject's script, then the scope's epoch)`,
      target: `p50 < ${TARGETS.l2P50} ms`,
      status: verdict(l2.p50 < TARGETS.l2P50),
    },
  ];
}

/** The side-by-side table of the single server and the cluster, measured in alternating rounds of one run. */
function sideBySide(side, sizes) {
  return [
    `Propagation and L2 hits on each topology, measured in the same run in ${sizes.rounds} alternating rounds (single, cluster; then cluster, single; …), three app processes on each:`,
    '',
    '| Redis | Propagation p50 | p99 | max | L2 hit p50 | p99 | max |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...side.map((t) => `| ${TOPOLOGY_LABELS[t.name]} | ${fmt.ms(t.propagation.all.p50)} | ${fmt.ms(t.propagation.all.p99)} | ${fmt.ms(t.propagation.all.max)} | ${fmt.ms(t.l2.p50)} | ${fmt.ms(t.l2.p99)} | ${fmt.ms(t.l2.max)} |`),
  ].join('\n');
}

function report({ propagation, calls, l2, hit, outage, sizes, side, clusterMissing }) {
  const phase = (name) => outage.phases.find((p) => p.name === name);
  const downMax = Math.max(phase('killed').max, phase('hanging').max);
  const hitRatio = hit.tier / hit.alone;
  // Two identical instances differ too: a difference inside the A/A spread is one this machine cannot resolve.
  const aaSpread = Math.max(hit.control / hit.alone, hit.alone / hit.control);
  const hitBound = Math.max(TARGETS.hitRatio, aaSpread);
  const rows = [
    {
      benchmark: '7. Invalidation reaches every other instance, one redis-server',
      figure: `p50 ${fmt.ms(propagation.all.p50)}, p99 ${fmt.ms(propagation.all.p99)} (${propagation.count} invalidations, 3 instances)`,
      target: `p99 < ${TARGETS.propagationP99} ms`,
      status: verdict(propagation.all.p99 < TARGETS.propagationP99),
    },
    {
      benchmark: '7. Licenzy calls per subject per TTL, 3 instances',
      figure: `${calls.tier.toFixed(2)} with the tier vs ${calls.alone.toFixed(2)} without (a cold stampede on all three at once: ${calls.stampede.toFixed(2)})`,
      target: `${TARGETS.callsWithTier} (vs 3)`,
      status: verdict(calls.tier <= TARGETS.callsWithTier),
    },
    {
      benchmark: '7. L1 miss answered by the Redis tier (L2 hit), one redis-server',
      figure: `p50 ${fmt.ms(l2.hit.p50)}, p99 ${fmt.ms(l2.hit.p99)} (vs Licenzy on loopback p50 ${fmt.ms(l2.alone.p50)})`,
      target: `p50 < ${TARGETS.l2P50} ms`,
      status: verdict(l2.hit.p50 < TARGETS.l2P50),
    },
    {
      benchmark: '7. L1 hit path (gate.peek) with the tier',
      figure: `${fmt.ns(hit.tier)} vs ${fmt.ns(hit.alone)} without = ${fmt.ratio(hitRatio)}x (A/A: two instances without the tier differ by ${fmt.ratio(aaSpread)}x)`,
      target: `unchanged (<= ${TARGETS.hitRatio}x, or within A/A)`,
      status: verdict(hitRatio <= hitBound),
    },
    {
      benchmark: '7. Requests while Redis is killed or hangs',
      figure: `${phase('killed').count + phase('hanging').count} answered, max ${fmt.ms(downMax)} (p99 killed ${fmt.ms(phase('killed').p99)}, hanging ${fmt.ms(phase('hanging').p99)}); ${outage.wrong} wrong, ${outage.unavailable} 503 of ${outage.total}`,
      target: `${TARGETS.wrong} wrong`,
      status: verdict(outage.wrong === TARGETS.wrong && outage.unavailable === 0),
    },
    ...clusterRows(side, clusterMissing),
  ];
  const body = [
    '| Figure | Value | Target | Result |',
    '|---|---|---|---|',
    ...rows.map((r) => `| ${r.benchmark.slice(3)} | ${r.figure} | ${r.target} | ${r.status === 'MISSED' ? '**missed**' : r.status} |`),
    '',
    sideBySide(side, sizes),
    '',
    `One redis-server: invalidation, per other instance: p50 ${fmt.ms(propagation.each.p50)}, p99 ${fmt.ms(propagation.each.p99)}, max ${fmt.ms(propagation.each.max)}. L1 miss → L2 miss → Licenzy with the tier: p50 ${fmt.ms(l2.licenzy.p50)} (one Redis round trip more than without it: p50 ${fmt.ms(l2.alone.p50)}).`,
    '',
    'Requests while Redis fails: HTTP load from 4 concurrent clients spread over the three instances, every request a new subject (so each one misses L1 and goes through the tier), half of them entitled; latency is the whole HTTP request as the client sees it, including its Licenzy call, on a machine shared by the app processes (nine, the three on the cluster idle here), the mock, the Redis servers and the load generator. A wrong answer is a 200 for a subject without access or a 403 for one with access.',
    '',
    '| Redis | Requests | p50 | p99 | max | wrong | 503 |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...outage.phases.map((p) => `| ${{ up: 'up', killed: 'killed (SIGKILL)', restarted: 'restarted', hanging: 'hanging (SIGSTOP)', resumed: 'resumed (SIGCONT)' }[p.name]} | ${p.count} | ${fmt.ms(p.p50)} | ${fmt.ms(p.p99)} | ${fmt.ms(p.max)} | ${p.wrong} | ${p.unavailable} |`),
    '',
    `After the restart the fleet shared answers through Redis again ${fmt.ms(outage.recoveredMs)} later, by itself (reconnect backoff and the tier's 1 s circuit cool-down). Sizes: ${sizes.invalidations} invalidations and ${sizes.l2} L2 hits per topology (rounded up to whole rounds); ${sizes.subjects} subjects × (4 + ${sizes.burst}) requests per fleet; ${fmt.int(sizes.hitN)} peeks × ${sizes.hitRounds} rounds; at least ${sizes.outage} requests per Redis phase.`,
  ].join('\n');
  const markdown = [
    '## 7. Many instances on one Redis',
    '',
    'Three app processes (`scripts/fleet-app.mjs`: Express, `requireAccess`, `createRedisTier({ url })`) on one redis-server and the mock Licenzy (no added latency), and three more without the tier for the contrasts; all on loopback. The guarantees in words: [multi-instance.md](multi-instance.md).',
    '',
    body,
  ].join('\n');
  return { rows, markdown, body };
}

/** Replaces the generated block of docs/multi-instance.md (the prose around it is kept). */
function writeDoc(body) {
  const doc = readFileSync(DOC, 'utf8');
  const start = doc.indexOf(BEGIN);
  const end = doc.indexOf(END);
  if (start === -1 || end < start) throw new Error(`docs/multi-instance.md lacks the ${BEGIN} … ${END} block`);
  const info = machine();
  const stamp = `_Measured ${new Date().toISOString()} on ${info.cpu}, ${info.cores} cores, ${info.memory}, ${info.os}, Node ${info.node}; load average at start ${info.load}. Regenerate with \`node bench/multi-instance.mjs\`._`;
  writeFileSync(DOC, `${doc.slice(0, start + BEGIN.length)}\n${stamp}\n\n${body}\n${doc.slice(end)}`);
}

// `node bench/multi-instance.mjs [--smoke]`: this benchmark alone, with its own mock Licenzy.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  if (args.some((arg) => arg !== '--smoke')) {
    console.error('usage: node bench/multi-instance.mjs [--smoke]');
    process.exit(2);
  }
  const { buildStale } = await import('../scripts/build-stale.mjs');
  if (!buildStale()) process.exit(1);
  const { startChild } = await import('./lib/child.mjs');
  const mock = await startChild('mock', {});
  let code = 0;
  try {
    const { rows } = await run({ smoke: args.includes('--smoke'), mock, log: console.log });
    for (const row of rows) console.log(`${row.status.padEnd(6)} ${row.benchmark}: ${row.figure} (target ${row.target})`);
  } catch (error) {
    console.error(error instanceof Error ? error.stack : String(error));
    code = 1;
  } finally {
    await mock.stop();
  }
  process.exit(code);
}
