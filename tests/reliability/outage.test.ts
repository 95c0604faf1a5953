// A 10 s Licenzy outage under steady load from 50 subjects, on an injected clock: bounded upstream calls, bounded latency, self-recovery.
import type { AccessGate } from '@licenzy-gate/core';
import { useLocalLicenzy } from '@licenzy-gate/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createClock } from '../../packages/core/test/fake-checker.js';
import { callPaid, startPaidApp, type Observed } from './support/apps.js';
import { environmentLine, table, writeDocSection } from './support/report.js';
import { MOCK_KEYS, SecretScan, TEST_KEY } from './support/secrets.js';

const SUBJECTS = 50;
const ROUND_MS = 100;
const OUTAGE_MS = 10_000;
/** Fewer than ttl / ROUND_MS, so the outage starts while the first answers are still cached. */
const HEALTHY_ROUNDS = 5;
const MAX_RECOVERY_ROUNDS = 40;
/** A small client budget that a healthy local answer still meets on a loaded 2-core machine. */
const CLIENT = { timeout: 200, retries: 2, retryBackoff: 5, totalTimeout: 700 } as const;
/** Allowance over `totalTimeout` for the app, the event loop and a loaded 2-core CI box. */
const LATENCY_SLACK_MS = 500;
const CACHE = { ttl: 1000, deniedTtl: 1000, errorTtl: 1000 } as const;
const BREAKER = { threshold: 5, cooldown: 2000 } as const;

const licenzy = useLocalLicenzy({ hooks: { beforeAll, afterAll, afterEach }, mock: { keys: MOCK_KEYS, maxLoggedRequests: 0 } });
const scan = new SecretScan();
beforeAll(() => {
  for (let i = 0; i < SUBJECTS; i++) licenzy.mock.grant(`outage_user_${i}`);
});

interface OutageRun {
  name: string;
  fault: string;
  bound: number;
  boundFormula: string;
  gateCalls: number;
  httpRequests: number;
  requests: number;
  outageStatuses: Record<number, number>;
  maxLatencyMs: number;
  p99LatencyMs: number;
  recoveryRounds: number;
  recoveryMs: number;
  recoveryLimitMs: number;
}

/**
 * Drives the paid route in rounds: every round advances the gate's clock by ROUND_MS and fires one request
 * per subject, concurrently. Healthy rounds, then OUTAGE_MS of `hang` (every call times out), then recovery.
 */
async function runOutage(name: string, breaker: typeof BREAKER | false, fault: 'hang' | '503'): Promise<OutageRun> {
  const clock = createClock();
  const gate: AccessGate = licenzy.gate({
    apiKey: TEST_KEY,
    ...CLIENT,
    cache: CACHE,
    circuitBreaker: breaker,
    now: clock.now,
  });
  const logger = scan.logger();
  const app = await startPaidApp('express 5', { gate, logger });
  const subjects = Array.from({ length: SUBJECTS }, (_, i) => `outage_user_${i}`);
  const round = async (): Promise<Observed[]> => {
    clock.advance(ROUND_MS);
    const seen = await Promise.all(subjects.map((s) => callPaid(app, { 'x-demo-user': s })));
    for (const o of seen) scan.add('outage response', o.text + JSON.stringify(o.headers));
    return seen;
  };
  try {
    for (let i = 0; i < HEALTHY_ROUNDS; i++) {
      const seen = await round();
      expect(seen.every((o) => o.status === 200)).toBe(true);
    }

    const callsBefore = gate.stats().upstreamCalls;
    const httpBefore = licenzy.mock.count('POST /v1/access/check');
    licenzy.mock.fault(fault === 'hang' ? { type: 'hang' } : { type: 'status', status: 503 });
    const outageStatuses: Record<number, number> = {};
    const latencies: number[] = [];
    for (let elapsed = 0; elapsed < OUTAGE_MS; elapsed += ROUND_MS) {
      const seen = await round();
      for (const o of seen) {
        outageStatuses[o.status] = (outageStatuses[o.status] ?? 0) + 1;
        latencies.push(o.ms);
        if (o.status === 200) {
          // Only a cached answer still within ttl may let a request through (no staleIfError, no fail-open here).
          const decision = JSON.parse(o.text).decision as { source: string; checkedAt: number };
          expect(decision.source).toBe('cache');
          expect(clock.now()).toBeLessThan(decision.checkedAt + CACHE.ttl);
        } else {
          expect(o.status).toBe(503);
          expect(Number(o.headers['retry-after'])).toBeGreaterThanOrEqual(1);
        }
      }
    }
    const gateCalls = gate.stats().upstreamCalls - callsBefore;
    const httpRequests = licenzy.mock.count('POST /v1/access/check') - httpBefore;

    licenzy.mock.clearFaults();
    let recoveryRounds = 0;
    for (;;) {
      recoveryRounds++;
      const seen = await round();
      if (seen.every((o) => o.status === 200)) break;
      if (recoveryRounds >= MAX_RECOVERY_ROUNDS) break;
    }

    latencies.sort((a, b) => a - b);
    const bound = breaker
      ? SUBJECTS + Math.ceil(OUTAGE_MS / breaker.cooldown) + 1
      : SUBJECTS * (Math.floor(OUTAGE_MS / CACHE.errorTtl) + 1);
    return {
      name,
      fault: fault === 'hang' ? 'hang (every attempt times out)' : 'HTTP 503',
      bound,
      boundFormula: breaker ? 'N + ⌈D / cooldown⌉ + 1' : 'N × (⌊D / errorTtl⌋ + 1)',
      gateCalls,
      httpRequests,
      requests: latencies.length,
      outageStatuses,
      maxLatencyMs: Math.round(latencies[latencies.length - 1] ?? 0),
      p99LatencyMs: Math.round(latencies[Math.floor(latencies.length * 0.99)] ?? 0),
      recoveryRounds,
      recoveryMs: recoveryRounds * ROUND_MS,
      recoveryLimitMs: (breaker ? breaker.cooldown : CACHE.errorTtl) + ROUND_MS,
    };
  } finally {
    licenzy.mock.clearFaults();
    await app.close();
  }
}

const runs: OutageRun[] = [];

describe(`outage: Licenzy down for ${OUTAGE_MS / 1000} s while ${SUBJECTS} subjects keep calling every ${ROUND_MS} ms (injected clock)`, () => {
  // The breaker run hangs (latency is the question); the run without one answers 503 fast (call volume is).
  for (const [name, breaker, fault] of [
    ['circuit breaker on (default 5 / 2000 ms)', BREAKER, 'hang'],
    ['circuit breaker off (errorTtl only)', false, '503'],
  ] as const) {
    it(`${name}, Licenzy ${fault === 'hang' ? 'hanging' : 'answering 503'}: upstream calls within the bound, latency within the budget, recovery on its own`, async () => {
      const run = await runOutage(name, breaker, fault);
      runs.push(run);
      expect(run.gateCalls).toBeLessThanOrEqual(run.bound);
      expect(run.httpRequests).toBeLessThanOrEqual(run.bound * (CLIENT.retries + 1));
      // Far below one call per request: the protection is doing something.
      expect(run.gateCalls).toBeLessThan(run.requests / 5);
      expect(run.maxLatencyMs).toBeLessThanOrEqual(CLIENT.totalTimeout + LATENCY_SLACK_MS);
      expect(run.recoveryMs).toBeLessThanOrEqual(run.recoveryLimitMs);
    }, 60_000);
  }

  it('logs and responses of the outage never contain the key', () => {
    expect(scan.scanned).toBeGreaterThan(1000);
    expect(scan.leaks()).toEqual([]);
  });

  afterAll(() => {
    if (runs.length === 0) return;
    writeDocSection(
      'outage',
      `## Outage under steady load

${environmentLine()}

Setup: ${SUBJECTS} subjects (all entitled) call one Express 5 paid route every ${ROUND_MS} ms of an injected clock
(one round = one request per subject, concurrently). After ${HEALTHY_ROUNDS} healthy rounds Licenzy fails every call
for D = ${OUTAGE_MS / 1000} s (${OUTAGE_MS / ROUND_MS} rounds) — it hangs (every attempt times out) in the run with the circuit breaker,
it answers 503 in the run without — then comes back. Client budget:
\`timeout: ${CLIENT.timeout}, retries: ${CLIENT.retries}, retryBackoff: ${CLIENT.retryBackoff}, totalTimeout: ${CLIENT.totalTimeout}\`;
cache \`ttl: ${CACHE.ttl}, errorTtl: ${CACHE.errorTtl}\`, no \`staleIfError\`, \`onUnavailable: 'deny'\`.

Bound on Licenzy calls during an outage of duration D with N subjects under steady load:

- with the circuit breaker: the first wave (at most one call per subject, all in flight before \`threshold\` of
  them have failed) plus one half-open probe per \`cooldown\`: **calls ≤ N + ⌈D / cooldown⌉ + 1**;
- without it, each subject's failure is shared for \`errorTtl\`: **calls ≤ N × (⌊D / errorTtl⌋ + 1)**;
- HTTP requests ≤ (retries + 1) × calls. Without either mechanism it would be one call per request.

Recovery: once Licenzy answers again, every subject is served within \`cooldown\` (breaker) or \`errorTtl\`
(no breaker) plus one round.

${table(
  ['Configuration', 'Fault', 'Requests during outage', 'Statuses', 'Licenzy calls (bound)', 'HTTP requests (bound)', 'Max / p99 latency ms (budget)', 'Recovered after'],
  runs.map((r) => [
    r.name,
    r.fault,
    r.requests,
    Object.entries(r.outageStatuses).map(([status, n]) => `${status}: ${n}`).join(', '),
    `${r.gateCalls} (≤ ${r.bound}, ${r.boundFormula})`,
    `${r.httpRequests} (≤ ${r.bound * (CLIENT.retries + 1)})`,
    `${r.maxLatencyMs} / ${r.p99LatencyMs} (≤ ${CLIENT.totalTimeout} + ${LATENCY_SLACK_MS})`,
    `${r.recoveryRounds} rounds = ${r.recoveryMs} ms (≤ ${r.recoveryLimitMs})`,
  ]),
)}

The 200s during the outage are cached answers still inside \`ttl\` (asserted per response: source \`cache\`,
\`now < checkedAt + ttl\`); every other answer is 503 \`access_unavailable\` with \`Retry-After\`.

Reproduce: \`LICENZY_RELIABILITY_DOCS=1 npx vitest run --project reliability outage\`.`,
    );
  });
});
