// Benchmark 1: the same app with the paid route bare and behind requireAccess() (subject cached), per framework.
import { startChild } from './lib/child.mjs';
import { runLoad } from './lib/load.mjs';
import { fmt, median, verdict } from './lib/stats.mjs';

const TARGET = 0.97;
const FRAMEWORKS = [
  { key: 'express', name: 'Express 5' },
  { key: 'koa', name: 'Koa 3' },
  { key: 'fastify', name: 'Fastify 5' },
];

/**
 * For each framework: a bare and a gated server, each in its own process, loaded by autocannon from
 * this process. Runs alternate A/B then B/A (so drift in machine load falls on both variants equally).
 * Besides requests/s, the server's own CPU time per request is read from the server process: on a
 * shared machine it is steadier than throughput and says directly what the gate costs per request.
 */
export async function run({ smoke, mock, log, results: earlier }) {
  // Many short pairs rather than a few long runs: a burst of load from elsewhere on the machine then
  // spoils one pair, which the median discards, instead of a large share of the measurement.
  const pairs = smoke ? 1 : 8;
  const duration = smoke ? 0.5 : 2.5;
  const warmup = smoke ? 0.3 : 1.5;
  // What the middleware itself costs per request, timed in-process by benchmark 2 (if it ran).
  const adapterNs = (name) => earlier?.get(2)?.byName?.[`${name.split(' ')[0]} requireAccess()`]?.ns;
  const connections = 10;
  const load = { connections, headers: { authorization: 'Bearer token_0' } };
  const results = [];
  await mock.call('grant', ['user_0']);

  for (const framework of FRAMEWORKS) {
    const licenzy = { url: mock.info.url, apiKey: mock.info.apiKey };
    // A TTL longer than the whole benchmark: every measured request is a cache hit, none refreshes.
    const common = { framework: framework.key, licenzy, cache: { ttl: 3_600_000 }, users: 1 };
    const bare = await startChild('app', { ...common, variant: 'bare' });
    const gated = await startChild('app', { ...common, variant: 'gated' });
    try {
      await gated.call('warm', ['user_0']);
      const runs = { bare: [], gated: [] };
      const measure = async (variant, child, seconds, keep = true) => {
        const cpuBefore = await child.call('cpu');
        const result = await runLoad({ url: `${child.info.url}/pro`, duration: seconds, ...load });
        const cpu = (await child.call('cpu')) - cpuBefore;
        if (result.non2xx > 0 || result.errors > 0 || result.ok === 0) {
          throw new Error(`${framework.name} ${variant}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.ok} ok`);
        }
        if (keep) runs[variant].push({ ...result, cpuPerRequest: cpu / result.ok, serverBusy: cpu / 1e6 / result.seconds });
      };
      await measure('bare', bare, warmup, false);
      await measure('gated', gated, warmup, false);
      for (let i = 0; i < pairs; i++) {
        const order = i % 2 === 0 ? ['bare', 'gated'] : ['gated', 'bare'];
        for (const variant of order) await measure(variant, variant === 'bare' ? bare : gated, duration);
      }
      const stats = await gated.call('stats');
      if (stats.upstreamCalls !== 1) throw new Error(`${framework.name}: expected only the warm-up Licenzy call, saw ${stats.upstreamCalls}`);
      const ratios = runs.gated.map((g, i) => g.rps / runs.bare[i].rps);
      const summary = (list) => ({
        rps: median(list.map((r) => r.rps)),
        p50: median(list.map((r) => r.p50)),
        p99: median(list.map((r) => r.p99)),
        cpuPerRequest: median(list.map((r) => r.cpuPerRequest)),
        serverBusy: median(list.map((r) => r.serverBusy)),
      });
      const entry = { framework, bare: summary(runs.bare), gated: summary(runs.gated), ratios, ratio: median(ratios), hits: stats.hits, runs };
      // The ratio a CPU-bound server would see if the gate cost only what its middleware costs in isolation.
      entry.implied = entry.bare.cpuPerRequest / (entry.bare.cpuPerRequest + (adapterNs(framework.name) ?? NaN) / 1000);
      results.push(entry);
      log(`  ${framework.name}: bare ${fmt.int(entry.bare.rps)} req/s, gated ${fmt.int(entry.gated.rps)} req/s, ratio ${fmt.ratio(entry.ratio)} (runs: ${ratios.map(fmt.ratio).join(' ')})`);
    } finally {
      await Promise.all([bare.stop(), gated.stop()]);
    }
  }

  const rows = results.map((r) => ({
    benchmark: `1. Cache-hit overhead, ${r.framework.name}`,
    figure: `gated/bare = ${fmt.ratio(r.ratio)} (${fmt.int(r.gated.rps)} vs ${fmt.int(r.bare.rps)} req/s); implied by CPU cost ${fmt.ratio(r.implied)}`,
    target: `>= ${TARGET}`,
    status: verdict(r.ratio >= TARGET),
  }));

  const lines = [
    '## 1. Cache-hit overhead per framework',
    '',
    `The same app twice per framework, each in its own process: \`GET /pro\` behind a stand-in session middleware (bearer token → \`user\`), bare, and with \`requireAccess({ gate, subject })\` added. The subject is cached before the runs (TTL 1 h, so every measured request is a cache hit; the gate's counters confirm a single Licenzy call, the warm-up). autocannon runs in the parent process: ${connections} connections, ${duration} s per run, after a ${warmup} s warm-up of each server; ${pairs} pairs of runs, alternating bare→gated and gated→bare. Figures are medians over the ${pairs} runs of each variant; the ratio is the median of the per-pair ratios.`,
    '',
    '"Server CPU/req" is the server process\'s CPU time (user + system) divided by the requests it answered: it does not depend on how busy the rest of the machine is, so the difference between the variants is the cost of the gate per request.',
    '',
    '| Framework | Variant | Requests/s | p50 | p99 | Server CPU/req | Server CPU busy |',
    '|---|---|---:|---:|---:|---:|---:|',
  ];
  for (const r of results) {
    for (const variant of ['bare', 'gated']) {
      const s = r[variant];
      lines.push(`| ${r.framework.name} | ${variant} | ${fmt.int(s.rps)} | ${fmt.ms(s.p50)} | ${fmt.ms(s.p99)} | ${fmt.us(s.cpuPerRequest)} | ${Math.round(s.serverBusy * 100)}% |`);
    }
  }
  lines.push('', '| Framework | gated/bare req/s (median) | Per-pair ratios | Δ server CPU/req | Middleware alone (bench 2) | Implied ratio | Target | Result |', '|---|---:|---|---:|---:|---:|---|---|');
  for (const r of results) {
    const delta = r.gated.cpuPerRequest - r.bare.cpuPerRequest;
    lines.push(`| ${r.framework.name} | **${fmt.ratio(r.ratio)}** | ${r.ratios.map(fmt.ratio).join(', ')} | ${delta >= 0 ? '+' : '−'}${fmt.us(Math.abs(delta))} | ${fmt.ns(adapterNs(r.framework.name))} | ${fmt.ratio(r.implied)} | >= ${TARGET} | ${verdict(r.ratio >= TARGET)} |`);
  }
  lines.push('', `"Middleware alone" is the adapter's \`requireAccess()\` middleware on a cache hit, called in a loop without HTTP (benchmark 2); "implied ratio" is bare CPU/req ÷ (bare CPU/req + middleware alone): the throughput ratio of a CPU-bound server if the gate costs what its middleware costs. When the measured ratio and the CPU difference disagree with it by more than the run-to-run spread of the per-pair ratios, the machine was too busy to resolve a difference this small; re-run on a quiet machine.`);
  return { rows, markdown: lines.join('\n'), results };
}
