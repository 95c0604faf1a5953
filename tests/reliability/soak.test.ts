// Bounded soak: many distinct subjects through one gate over HTTP; the cache stays within `max` and the heap stays flat.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { useLocalLicenzy } from '@licenzy-gate/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createClock } from '../../packages/core/test/fake-checker.js';
import { environmentLine, table, writeDocSection } from './support/report.js';
import { MOCK_KEYS, TEST_KEY } from './support/secrets.js';

/** `LICENZY_SOAK=long` (set by `npm run soak`): 100,000 distinct subjects and at least 60 s; default: a CI-sized run. */
const LONG = process.env.LICENZY_SOAK === 'long';
/**
 * Heap growth allowed between warm-up and the end. The long bound is tight enough to catch a leak of ~64 bytes per
 * subject (100,000 × 64 B ≈ 6 MB); the short run is too short for that and only catches gross leaks.
 */
const PLAN = LONG
  ? { label: 'long', subjects: 100_000, minMs: 60_000, heapBoundMb: 6, timeoutMs: 300_000 }
  : { label: 'short', subjects: 10_000, minMs: 0, heapBoundMb: 8, timeoutMs: 60_000 };
const CACHE_MAX = 1000;
const CONCURRENCY = 32;
/** Share of checks that revisit a recent subject (cache hits, expiries) rather than a new one. */
const REVISIT_EVERY = 4;
/** Subjects this far behind the newest are revoked in the mock; revisits only go 100 back. */
const REVOKE_BEHIND = 1000;

/**
 * A real GC for the worker: vitest workers run without --expose-gc, but V8 lets the flag be set at run time and a
 * fresh context then has `gc`. Without it (some runtimes refuse), the heap check is skipped and said so.
 */
function exposeGc(): (() => void) | undefined {
  try {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as unknown;
    return typeof gc === 'function' ? (gc as () => void) : undefined;
  } catch {
    return undefined;
  }
}

function heapAfterGc(gc: (() => void) | undefined): number {
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed;
}

// No request log: it would be the thing that grows.
const licenzy = useLocalLicenzy({ hooks: { beforeAll, afterAll, afterEach }, mock: { keys: MOCK_KEYS, maxLoggedRequests: 0 } });

describe(`soak (${PLAN.label}): ${PLAN.subjects.toLocaleString('en-US')} distinct subjects through one gate`, () => {
  it('keeps the cache within max, answers every check correctly and keeps the heap flat', async () => {
    const gc = exposeGc();
    const clock = createClock();
    const gate = licenzy.gate({
      apiKey: TEST_KEY,
      // Generous: the soak measures memory and correctness, not timeouts, and its forced GCs stall the event loop
      // while the whole suite loads the machine (a 1 s timeout occasionally fired right after a GC pause).
      timeout: 5000,
      totalTimeout: 10_000,
      retries: 0,
      cache: { max: CACHE_MAX, ttl: 2000, deniedTtl: 500 },
      circuitBreaker: false,
      now: clock.now,
    });
    // Every third subject is entitled; the mock decides, the gate must agree.
    const entitled = (n: number) => n % 3 === 0;
    const subjectOf = (n: number) => `soak_user_${n}`;

    let next = 0;
    let checks = 0;
    let wrong = 0;
    let maxSize = 0;
    const warmupAt = Math.floor(PLAN.subjects / 10);
    let heapWarm = 0;
    const started = performance.now();
    let warmStarted = started;

    const worker = async () => {
      for (;;) {
        // Past the subject count, a long soak keeps going with new subjects until its minimum time is up.
        if (next >= PLAN.subjects && performance.now() - started >= PLAN.minMs) return;
        checks++;
        const revisit = checks % REVISIT_EVERY === 0 && next > 100;
        const n = revisit ? next - 1 - ((checks * 7919) % 100) : next++;
        if (!revisit) {
          if (entitled(n)) licenzy.mock.grant(subjectOf(n));
          // Keep the mock's own state (same process) constant-size: no check ever goes this far back.
          if (n >= REVOKE_BEHIND) licenzy.mock.revoke(subjectOf(n - REVOKE_BEHIND));
        }
        clock.advance(1);
        const decision = await gate.check(subjectOf(n));
        if (decision.allowed !== entitled(n) || decision.subjectRef !== subjectOf(n)) wrong++;
        const size = gate.stats().size;
        if (size > maxSize) maxSize = size;
        if (heapWarm === 0 && next >= warmupAt) {
          heapWarm = heapAfterGc(gc);
          warmStarted = performance.now();
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const elapsedMs = performance.now() - started;
    const heapEnd = heapAfterGc(gc);
    const stats = gate.stats();
    const growthMb = (heapEnd - heapWarm) / 2 ** 20;
    const figures = {
      subjects: next,
      checks,
      upstreamCalls: stats.upstreamCalls,
      hits: stats.hits,
      maxSize,
      elapsedMs: Math.round(elapsedMs),
      checksPerSecond: Math.round(checks / (elapsedMs / 1000)),
      heapWarmMb: heapWarm / 2 ** 20,
      heapEndMb: heapEnd / 2 ** 20,
      growthMb,
      gc: gc !== undefined,
      measuredForMs: Math.round(performance.now() - warmStarted),
    };
    console.info(`soak ${PLAN.label}: ${JSON.stringify(figures)}`);

    expect(wrong).toBe(0);
    expect(next).toBeGreaterThanOrEqual(PLAN.subjects);
    expect(maxSize).toBeLessThanOrEqual(CACHE_MAX);
    expect(stats.size).toBeLessThanOrEqual(CACHE_MAX);
    expect(stats.hits).toBeGreaterThan(0);
    if (gc) expect(growthMb).toBeLessThan(PLAN.heapBoundMb);

    writeDocSection(
      LONG ? 'soak-long' : 'soak-short',
      `## Soak (${PLAN.label})

${environmentLine()}

${figures.subjects.toLocaleString('en-US')} distinct subjects (every third entitled; one check in ${REVISIT_EVERY} revisits a
recent subject) through one gate over HTTP to the licenzy.mock, ${CONCURRENCY} checks in flight, cache \`max: ${CACHE_MAX}\`.
Heap measured after a forced GC once ${warmupAt.toLocaleString('en-US')} subjects had been seen and again at the end${gc ? '' : ' (GC was not available: heap figures are indicative only, not asserted)'}.

${table(
  ['Checks', 'Licenzy calls', 'Cache hits', 'Max cache size (max)', 'Wrong decisions', 'Duration', 'Checks/s', 'Heap after warm-up → end (growth, bound)'],
  [[
    figures.checks.toLocaleString('en-US'),
    figures.upstreamCalls.toLocaleString('en-US'),
    figures.hits.toLocaleString('en-US'),
    `${figures.maxSize} (≤ ${CACHE_MAX})`,
    wrong,
    `${(figures.elapsedMs / 1000).toFixed(1)} s`,
    figures.checksPerSecond.toLocaleString('en-US'),
    `${figures.heapWarmMb.toFixed(1)} → ${figures.heapEndMb.toFixed(1)} MB (${figures.growthMb >= 0 ? '+' : ''}${figures.growthMb.toFixed(2)} MB, < ${PLAN.heapBoundMb} MB)`,
  ]],
)}

Reproduce: ${LONG ? '`LICENZY_RELIABILITY_DOCS=1 npm run soak`' : '`LICENZY_RELIABILITY_DOCS=1 npx vitest run --project reliability soak`'}.`,
    );
  }, PLAN.timeoutMs);
});
