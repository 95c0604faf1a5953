// Benchmark 3: cache misses against the mock Licenzy with a fixed latency, versus a bare keep-alive fetch to it.
import { createAccessGate } from '@licenzy-gate/core';
import { fmt, median, percentile, verdict } from './lib/stats.mjs';

const TARGET_MS = 1;
const LATENCY_MS = 5;

/**
 * Latency: pairs of calls, one after the other, each to a subject never seen before: a bare `fetch`
 * (the same POST /v1/access/check with a JSON body, read as JSON, on the global keep-alive agent the
 * client also uses) and a `gate.check()` miss; which goes first alternates. The difference of the
 * medians is what the gate adds to the round trip (client, validation, timeouts, caching).
 * Throughput: `concurrency` workers check distinct subjects for a fixed time; the mock counts the calls
 * and the TCP connections it accepted.
 */
export async function run({ smoke, mock, log }) {
  const pairs = smoke ? 20 : 400;
  const warmupPairs = smoke ? 5 : 40;
  const concurrency = smoke ? 4 : 16;
  const seconds = smoke ? 0.3 : 3;
  const { url, apiKey } = mock.info;
  await mock.call('setLatency', LATENCY_MS);
  const gate = createAccessGate({ apiKey, baseUrl: url, cache: { max: 100_000 } });

  const bareCheck = async (subjectRef) => {
    const response = await fetch(`${url}/v1/access/check`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ subject_ref: subjectRef }),
    });
    const body = await response.json();
    if (!response.ok || typeof body.allowed !== 'boolean') throw new Error(`bare fetch: ${response.status}`);
  };
  const gateCheck = async (subjectRef) => {
    await gate.check(subjectRef);
  };
  const timed = async (fn, subject) => {
    const start = performance.now();
    await fn(subject);
    return performance.now() - start;
  };

  const bare = [];
  const gated = [];
  const differences = [];
  for (let i = -warmupPairs; i < pairs; i++) {
    const first = i % 2 === 0;
    const b = first ? await timed(bareCheck, `bare_${i}`) : undefined;
    const g = await timed(gateCheck, `miss_${i}`);
    const b2 = first ? b : await timed(bareCheck, `bare_${i}`);
    if (i < 0) continue;
    bare.push(b2);
    gated.push(g);
    differences.push(g - b2);
  }
  const statsBefore = gate.stats();
  if (statsBefore.misses !== pairs + warmupPairs || statsBefore.hits !== 0) throw new Error('every gate.check() was meant to be a miss');

  const before = await mock.call('counters');
  const deadline = performance.now() + seconds * 1000;
  let calls = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      for (let i = 0; performance.now() < deadline; i++) {
        await gate.check(`tput_${worker}_${i}`);
        calls++;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const after = await mock.call('counters');
  const upstream = after.checks - before.checks;
  const connections = after.connections - before.connections;
  if (upstream !== calls) throw new Error(`the mock saw ${upstream} checks for ${calls} misses`);

  const result = {
    bareP50: median(bare),
    gateP50: median(gated),
    bareP99: percentile(bare, 99),
    gateP99: percentile(gated, 99),
    added: median(gated) - median(bare),
    pairedMedian: median(differences),
    callsPerSecond: upstream / elapsed,
    upstream,
    connections,
    totalConnections: after.connections,
    concurrency,
  };
  // Reuse: at most two connections per concurrent caller (undici frees a connection a tick after the body
  // ends, so a caller that starts its next call at once may get a second one), each carrying many calls.
  const reused = connections <= 2 * concurrency && upstream / Math.max(connections, 1) >= 10;
  log(`  added p50 ${fmt.ms(result.added)} (gate ${fmt.ms(result.gateP50)} vs bare ${fmt.ms(result.bareP50)}); ${fmt.int(result.callsPerSecond)} calls/s on ${connections} new connections`);

  const rows = [
    {
      benchmark: `3. Miss path, added latency at p50 (mock ${LATENCY_MS} ms)`,
      figure: `+${fmt.ms(result.added)} (gate ${fmt.ms(result.gateP50)} vs bare fetch ${fmt.ms(result.bareP50)})`,
      target: `< ${TARGET_MS} ms`,
      status: verdict(result.added < TARGET_MS),
    },
    {
      benchmark: '3. Miss path, upstream calls/s and keep-alive',
      figure: `${fmt.int(result.callsPerSecond)} calls/s at ${concurrency} concurrent; ${fmt.int(upstream)} calls on ${connections} new TCP connections`,
      target: `<= ${2 * concurrency} connections, >= 10 calls each`,
      status: verdict(reused),
    },
  ];
  const lines = [
    '## 3. Miss path',
    '',
    `The mock Licenzy runs in its own process with a fixed simulated latency of ${LATENCY_MS} ms. ${pairs} pairs of calls (after ${warmupPairs} warm-up pairs), one at a time, each for a subject never seen before: a bare keep-alive \`fetch\` of \`POST /v1/access/check\` (JSON body, JSON answer; the global agent, which the gate's client uses too) and a \`gate.check()\` miss, alternating which goes first. "Added" is the gate's median minus the bare median; the median of the per-pair differences is shown too.`,
    '',
    '| | p50 | p99 |',
    '|---|---:|---:|',
    `| bare fetch | ${fmt.ms(result.bareP50)} | ${fmt.ms(result.bareP99)} |`,
    `| gate.check() miss | ${fmt.ms(result.gateP50)} | ${fmt.ms(result.gateP99)} |`,
    `| **added by the gate** | **${fmt.ms(result.added)}** (median of pair differences ${fmt.ms(result.pairedMedian)}) | ${fmt.ms(result.gateP99 - result.bareP99)} |`,
    '',
    `Target: added latency under ${TARGET_MS} ms at p50 — **${verdict(result.added < TARGET_MS)}**.`,
    '',
    `Throughput: ${concurrency} concurrent workers, each checking new subjects for ${seconds} s: **${fmt.int(result.callsPerSecond)} upstream calls/s** (the mock counted ${fmt.int(upstream)} checks, one per miss). The mock accepted **${connections}** new TCP connections during that phase (${result.totalConnections} since it started, for every benchmark so far): ${fmt.int(upstream / Math.max(connections, 1))} calls per connection. Target: keep-alive reuse, i.e. at most two connections per concurrent caller (${2 * concurrency}; undici frees a connection a tick after the body ends, so a caller starting its next call at once may be given a second one) and at least 10 calls on each — **${verdict(reused)}**.`,
  ];
  return { rows, markdown: lines.join('\n'), result };
}
