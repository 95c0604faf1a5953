// Benchmark 4: 1,000 concurrent requests for one cold subject, through each adapter and through gate.check().
import http from 'node:http';
import { createAccessGate } from '@licenzy-gate/core';
import { startChild } from './lib/child.mjs';
import { fmt, percentile, verdict } from './lib/stats.mjs';

const LATENCY_MS = 50;
const ADAPTERS = [
  { key: 'express', name: 'Express 5' },
  { key: 'koa', name: 'Koa 3' },
  { key: 'fastify', name: 'Fastify 5' },
];

/** Sends `count` GETs at once over already-open keep-alive sockets; resolves with each request's time to first byte. */
async function burst(url, path, count, headers) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: count, maxFreeSockets: count });
  const get = (target) =>
    new Promise((resolve, reject) => {
      const start = performance.now();
      const request = http.get(url + target, { agent, headers }, (response) => {
        const ttfb = performance.now() - start;
        response.resume();
        response.on('end', () => resolve({ status: response.statusCode, ttfb, at: performance.now() }));
      });
      request.on('error', reject);
    });
  try {
    // Open every connection first (an ungated route), so the burst measures the gate, not TCP handshakes.
    await Promise.all(Array.from({ length: count }, () => get('/health')));
    const started = performance.now();
    const answers = await Promise.all(Array.from({ length: count }, () => get(path)));
    return { answers, allAnsweredIn: Math.max(...answers.map((a) => a.at)) - started };
  } finally {
    agent.destroy();
  }
}

export async function run({ smoke, mock, log }) {
  const count = smoke ? 100 : 1000;
  const { url, apiKey } = mock.info;
  await mock.call('setLatency', LATENCY_MS);
  const results = [];

  for (const adapter of ADAPTERS) {
    const subject = `cold_${adapter.key}`;
    await mock.call('grant', [subject]);
    const server = await startChild('app', { framework: adapter.key, variant: 'gated', licenzy: { url, apiKey }, users: 0, sessions: { [subject]: subject } });
    try {
      // One call for another subject first: loads fetch (undici is loaded lazily) and opens the Licenzy connection.
      await server.call('warm', ['warmup_subject']);
      const before = await mock.call('counters');
      const { answers, allAnsweredIn } = await burst(server.info.url, '/pro', count, { authorization: `Bearer ${subject}` });
      const upstream = (await mock.call('counters')).checks - before.checks;
      const stats = await server.call('stats');
      const ok = answers.filter((a) => a.status === 200).length;
      if (ok !== count) throw new Error(`${adapter.name}: ${count - ok} of ${count} requests were not answered 200`);
      const ttfbs = answers.map((a) => a.ttfb);
      results.push({ name: `${adapter.name} requireAccess()`, upstream, p50: percentile(ttfbs, 50), p99: percentile(ttfbs, 99), max: Math.max(...ttfbs), allAnsweredIn, coalesced: stats.coalesced, hits: stats.hits, misses: stats.misses - 1 });
    } finally {
      await server.stop();
    }
  }

  // The same through the core directly, in this process.
  {
    const subject = 'cold_core';
    await mock.call('grant', [subject]);
    const gate = createAccessGate({ apiKey, baseUrl: url });
    await gate.check('warmup_subject');
    const before = await mock.call('counters');
    const started = performance.now();
    const ttfbs = await Promise.all(Array.from({ length: count }, () => gate.check(subject).then(() => performance.now() - started)));
    const upstream = (await mock.call('counters')).checks - before.checks;
    const stats = gate.stats();
    results.push({ name: 'gate.check()', upstream, p50: percentile(ttfbs, 50), p99: percentile(ttfbs, 99), max: Math.max(...ttfbs), allAnsweredIn: Math.max(...ttfbs), coalesced: stats.coalesced, hits: stats.hits, misses: stats.misses - 1 });
  }
  await mock.call('setLatency', 0);
  for (const r of results) log(`  ${r.name}: ${r.upstream} upstream call(s) for ${count} requests, all answered in ${fmt.ms(r.allAnsweredIn)}`);

  const rows = results.map((r) => ({
    benchmark: `4. Coalescing, ${count} concurrent cold requests, ${r.name}`,
    figure: `${r.upstream} upstream call(s); all answered in ${fmt.ms(r.allAnsweredIn)} (Licenzy ${LATENCY_MS} ms)`,
    target: '1 call',
    status: verdict(r.upstream === 1),
  }));
  const lines = [
    '## 4. Coalescing',
    '',
    `${fmt.int(count)} requests for one subject that is not cached, sent at once; the mock Licenzy answers after ${LATENCY_MS} ms. Through each adapter: the server (\`requireAccess({ gate, subject })\` with a fresh gate) runs in its own process; the ${fmt.int(count)} keep-alive connections are opened first on an ungated route, then the ${fmt.int(count)} gated requests go out together. Time to first byte is per request, from writing it to its response headers; "all answered" is from the first request written to the last response finished. Each gate first makes one Licenzy call for another subject, so the burst does not also pay the process's first \`fetch\` (undici loads lazily) and a new connection. The gate's counters show how the requests were served: joined the Licenzy call in flight ("coalesced") or, arriving after its answer, served from the cache ("hits"). The last row is ${fmt.int(count)} concurrent \`gate.check()\` calls in one process.`,
    '',
    '| Through | Upstream calls | Coalesced | Cache hits | TTFB p50 | TTFB p99 | TTFB max | All answered in | Target | Result |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---|---|',
    ...results.map((r) => `| ${r.name} | **${r.upstream}** | ${fmt.int(r.coalesced)} | ${fmt.int(r.hits)} | ${fmt.ms(r.p50)} | ${fmt.ms(r.p99)} | ${fmt.ms(r.max)} | ${fmt.ms(r.allAnsweredIn)} | 1 call | ${verdict(r.upstream === 1)} |`),
  ];
  return { rows, markdown: lines.join('\n'), results };
}
