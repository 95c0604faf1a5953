// Benchmark 5: our Express middleware against a hand-written "fetch Licenzy on every request" middleware.
import { startChild } from './lib/child.mjs';
import { runLoad } from './lib/load.mjs';
import { sessionTokens } from './lib/sessions.mjs';
import { fmt, median, verdict } from './lib/stats.mjs';

const LATENCY_MS = 20;
const USERS = 100;

/**
 * Two Express 5 apps, each in its own process, with the same session stand-in and 100 users cycled
 * by the load generator: `naive` awaits `fetch(POST /v1/access/check)` on every request, then 403s or
 * calls next(); `gated` is `requireAccess({ gate, subject })` with the default cache (30 s allowed TTL).
 * Interleaved runs as in benchmark 1. Target: ours is faster and its p99 stays below one Licenzy round trip.
 */
export async function run({ smoke, mock, log }) {
  const pairs = smoke ? 1 : 3;
  const duration = smoke ? 0.5 : 4;
  const warmup = smoke ? 0.3 : 1;
  const connections = 10;
  const users = sessionTokens(USERS);
  await mock.call('grant', users.map((u) => u.user));
  await mock.call('setLatency', LATENCY_MS);
  const requests = users.map(({ token }) => ({ method: 'GET', path: '/pro', headers: { authorization: `Bearer ${token}` } }));
  const common = { framework: 'express', licenzy: { url: mock.info.url, apiKey: mock.info.apiKey }, users: USERS };
  const naive = await startChild('app', { ...common, variant: 'naive' });
  const ours = await startChild('app', { ...common, variant: 'gated' });
  const runs = { naive: [], ours: [] };
  try {
    const measure = async (variant, child, seconds, keep = true) => {
      const result = await runLoad({ url: child.info.url, connections, duration: seconds, requests });
      if (result.non2xx > 0 || result.errors > 0 || result.ok === 0) throw new Error(`naive-gate ${variant}: ${result.non2xx} non-2xx, ${result.errors} errors`);
      if (keep) runs[variant].push(result);
    };
    // A running server's cache holds its active users: fill it (one Licenzy call each), then warm up the JIT.
    await ours.call('warm', users.map((u) => u.user));
    await measure('naive', naive, warmup, false);
    await measure('ours', ours, warmup, false);
    for (let i = 0; i < pairs; i++) {
      for (const variant of i % 2 === 0 ? ['naive', 'ours'] : ['ours', 'naive']) await measure(variant, variant === 'naive' ? naive : ours, duration);
    }
  } finally {
    await Promise.all([naive.stop(), ours.stop()]);
    await mock.call('setLatency', 0);
  }
  const summary = (list) => ({ rps: median(list.map((r) => r.rps)), p50: median(list.map((r) => r.p50)), p99: median(list.map((r) => r.p99)) });
  const n = summary(runs.naive);
  const o = summary(runs.ours);
  const ratios = runs.ours.map((r, i) => r.rps / runs.naive[i].rps);
  const ratio = median(ratios);
  const met = ratio > 1 && o.p99 < LATENCY_MS;
  log(`  ours ${fmt.int(o.rps)} req/s (p99 ${fmt.ms(o.p99)}) vs naive ${fmt.int(n.rps)} req/s (p99 ${fmt.ms(n.p99)}): ${ratio.toFixed(1)}x`);

  const rows = [{
    benchmark: `5. Against the naive gate (Express, Licenzy ${LATENCY_MS} ms)`,
    figure: `${ratio.toFixed(1)}x the throughput (${fmt.int(o.rps)} vs ${fmt.int(n.rps)} req/s); p99 ${fmt.ms(o.p99)} vs ${fmt.ms(n.p99)}`,
    target: `faster; p99 < ${LATENCY_MS} ms`,
    status: verdict(met),
  }];
  const lines = [
    '## 5. Against the naive gate',
    '',
    `Two Express 5 apps, each in its own process, with the same session stand-in; ${USERS} users, cycled by autocannon (${connections} connections, ${duration} s per run, ${pairs} interleaved pairs after a ${warmup} s warm-up each). The mock Licenzy answers after ${LATENCY_MS} ms. **Naive** is what an app does without licenzy-gate: \`await fetch(POST /v1/access/check)\` on every request, then 403 or \`next()\`. **Ours** is \`requireAccess({ gate, subject })\` with the default cache (allowed answers reused for 30 s, so a subject costs one Licenzy call per 30 s), filled with the ${USERS} users before the runs as a running server's would be.`,
    '',
    '| Middleware | Requests/s | p50 | p99 |',
    '|---|---:|---:|---:|',
    `| naive (fetch per request) | ${fmt.int(n.rps)} | ${fmt.ms(n.p50)} | ${fmt.ms(n.p99)} |`,
    `| licenzy-gate requireAccess() | ${fmt.int(o.rps)} | ${fmt.ms(o.p50)} | ${fmt.ms(o.p99)} |`,
    '',
    `Throughput ours/naive: **${ratio.toFixed(1)}x** (per pair: ${ratios.map((r) => r.toFixed(1)).join(', ')}). The naive gate is bound by the round trip: ${connections} connections can never exceed ${connections} / ${LATENCY_MS} ms = ${fmt.int((connections / LATENCY_MS) * 1000)} req/s, and every request waits for Licenzy. Target: faster than naive, with p99 below one Licenzy round trip (${LATENCY_MS} ms) — **${verdict(met)}**.`,
  ];
  return { rows, markdown: lines.join('\n'), result: { naive: n, ours: o, ratio, ratios } };
}
