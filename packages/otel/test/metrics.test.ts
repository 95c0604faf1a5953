// The instruments beyond the decision counter: cache and circuit gauges, circuit transitions, invalidations and
// shared-tier events, with the instrumentation enabled the usual way (registerInstrumentations, global providers).
import { metrics, trace } from '@opentelemetry/api';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { AccessGate, AccessGateOptions, SharedTier } from '@licenzy-gate/core';
import { type SharedEvent } from '@licenzy-gate/core/adapter';
import { createRedisTier } from '@licenzy-gate/redis';
import { useLocalLicenzy } from '@licenzy-gate/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LicenzyGateInstrumentation } from '../src/index.js';
import { allMetricAttributes, countsOf, createTelemetry, increasesOf, silentLogger, type Telemetry } from './harness.js';

let telemetry: Telemetry;
let unregister: () => void;
let instrumentation: LicenzyGateInstrumentation;
const licenzy = useLocalLicenzy({ hooks: { beforeAll, afterAll, afterEach } });
let clock = 1_000_000;
const gates: AccessGate[] = [];

beforeAll(() => {
  telemetry = createTelemetry();
  metrics.setGlobalMeterProvider(telemetry.meterProvider);
  trace.setGlobalTracerProvider(telemetry.tracerProvider);
  instrumentation = new LicenzyGateInstrumentation();
  unregister = registerInstrumentations({ instrumentations: [instrumentation] });
});

afterAll(async () => {
  unregister?.();
  await telemetry?.shutdown();
  metrics.disable();
  trace.disable();
});

beforeEach(async () => {
  licenzy.mock.reset();
  await telemetry.reader.collect();
});

function newGate(options: AccessGateOptions = {}): AccessGate {
  const gate = licenzy.gate({ retries: 0, now: () => clock, logger: silentLogger, ...options });
  gates.push(gate);
  return gate;
}

async function collect(): Promise<ResourceMetrics> {
  const { resourceMetrics, errors } = await telemetry.reader.collect();
  expect(errors).toEqual([]);
  expect(allMetricAttributes(resourceMetrics)).not.toMatch(/user_/);
  return resourceMetrics;
}

/** Sum of the live gates' own stats, per what the gauges should show for mode `test`. */
function expectedGauges(): string[] {
  const stats = gates.map((gate) => gate.stats());
  const count = (state: string) => stats.filter((s) => s.circuit === state).length;
  return [
    `licenzy.circuit.state=closed licenzy.mode=test → ${count('closed')}`,
    `licenzy.circuit.state=half-open licenzy.mode=test → ${count('half-open')}`,
    `licenzy.circuit.state=open licenzy.mode=test → ${count('open')}`,
  ];
}

describe('registerInstrumentations()', () => {
  it('enables the instrumentation on the global providers, and its returned function disables it', async () => {
    const gate = newGate();
    licenzy.mock.grant('user_a');
    await gate.check('user_a');
    expect(increasesOf(await collect(), 'licenzy.gate.decisions')).toEqual(['licenzy.decision.allowed=true licenzy.decision.source=licenzy licenzy.mode=test → 1']);
    unregister();
    try {
      expect(gate.peek('user_a')).toMatchObject({ source: 'cache' });
      expect(increasesOf(await collect(), 'licenzy.gate.decisions')).toEqual([]);
    } finally {
      // registerInstrumentations() enables only instrumentations constructed with `enabled: false`: enable directly.
      instrumentation.enable();
    }
    expect(gate.peek('user_a')).toMatchObject({ source: 'cache' });
    expect(increasesOf(await collect(), 'licenzy.gate.decisions')).toEqual(['licenzy.decision.allowed=true licenzy.decision.source=cache licenzy.mode=test → 1']);
  });
});

describe('gauges', () => {
  it('report the cache entries and the circuit state of every gate seen, summed per mode', async () => {
    const gate = newGate();
    licenzy.mock.grant('user_a');
    licenzy.mock.grant('user_b');
    await gate.check('user_a');
    await gate.check('user_b');
    await gate.check('user_c'); // a denial is cached too
    expect(gate.stats().size).toBe(3);
    const collected = await collect();
    const entries = gates.reduce((sum, g) => sum + g.stats().size, 0);
    expect(countsOf(collected, 'licenzy.gate.cache.entries')).toEqual([`licenzy.mode=test → ${entries}`]);
    expect(countsOf(collected, 'licenzy.gate.circuit.state')).toEqual(expectedGauges());
    gate.clear();
    expect(countsOf(await collect(), 'licenzy.gate.cache.entries')).toEqual([`licenzy.mode=test → ${entries - 3}`]);
  });

  it('show the circuit opening and closing, and count each transition by the state entered', async () => {
    const gate = newGate({ cache: { errorTtl: 0 }, circuitBreaker: { threshold: 2, cooldown: 1_000 } });
    const outage = licenzy.mock.fault({ type: 'status', status: 503 });
    for (const subject of ['user_a', 'user_b']) await expect(gate.check(subject)).rejects.toMatchObject({ code: 'ERR_LICENZY_UNAVAILABLE' });
    expect(gate.stats().circuit).toBe('open');
    let collected = await collect();
    expect(countsOf(collected, 'licenzy.gate.circuit.state')).toEqual(expectedGauges());
    expect(countsOf(collected, 'licenzy.gate.circuit.state')).toContain('licenzy.circuit.state=open licenzy.mode=test → 1');
    expect(countsOf(collected, 'licenzy.gate.circuit.transitions')).toEqual(['licenzy.circuit.state=open licenzy.mode=test → 1']);
    // While open the gate fails fast: an error decision with the reason, and no Licenzy attempt.
    await expect(gate.check('user_c')).rejects.toMatchObject({ reason: 'circuit_open' });
    collected = await collect();
    expect(increasesOf(collected, 'licenzy.gate.decisions')).toEqual([
      'error.type=ERR_LICENZY_UNAVAILABLE licenzy.decision.allowed=false licenzy.decision.source=error licenzy.mode=test licenzy.unavailable.reason=circuit_open → 1',
    ]);
    expect(countsOf(collected, 'licenzy.client.request.duration')).toEqual([]);

    outage.remove();
    clock += 1_000;
    licenzy.mock.grant('user_d');
    await gate.check('user_d');
    collected = await collect();
    expect(gate.stats().circuit).toBe('closed');
    expect(countsOf(collected, 'licenzy.gate.circuit.transitions')).toEqual([
      'licenzy.circuit.state=closed licenzy.mode=test → 1',
      'licenzy.circuit.state=half-open licenzy.mode=test → 1',
    ]);
    expect(countsOf(collected, 'licenzy.gate.circuit.state')).toContain('licenzy.circuit.state=open licenzy.mode=test → 0');
  });
});

describe('licenzy.gate.invalidations', () => {
  it('counts invalidations by reason and scope (one subject or all), never naming the subject', async () => {
    let broadcast: ((event: SharedEvent) => void) | undefined;
    // A shared tier reduced to its broadcast: what another instance's invalidate() looks like here.
    const shared: SharedTier = {
      bind: () => ({
        read: () => Promise.resolve({ entry: undefined, token: 't' }),
        write: () => Promise.resolve(true),
        invalidate: () => Promise.resolve(),
        clear: () => Promise.resolve(),
        subscribe: (listener) => {
          broadcast = listener;
          return () => undefined;
        },
      }),
      close: () => Promise.resolve(),
    };
    const gate = newGate({ shared });
    gate.invalidate('user_a');
    gate.invalidate('user_b', { reason: 'webhook' });
    gate.clear();
    broadcast?.({ type: 'invalidate', subjectRef: 'user_c' });
    broadcast?.({ type: 'clear' });
    expect(countsOf(await collect(), 'licenzy.gate.invalidations')).toEqual([
      'licenzy.invalidation.reason=broadcast licenzy.invalidation.scope=all licenzy.mode=test → 1',
      'licenzy.invalidation.reason=broadcast licenzy.invalidation.scope=subject licenzy.mode=test → 1',
      'licenzy.invalidation.reason=local licenzy.invalidation.scope=all licenzy.mode=test → 1',
      'licenzy.invalidation.reason=local licenzy.invalidation.scope=subject licenzy.mode=test → 1',
      'licenzy.invalidation.reason=webhook licenzy.invalidation.scope=subject licenzy.mode=test → 1',
    ]);
  });
});

describe('licenzy.shared.events', () => {
  it('counts the Redis tier\'s errors (a Redis nobody listens on), while the gate answers from Licenzy', async () => {
    const shared = createRedisTier({ url: 'redis://127.0.0.1:9', timeout: 50 });
    try {
      const gate = newGate({ shared });
      licenzy.mock.grant('user_a');
      expect(await gate.check('user_a')).toMatchObject({ allowed: true, source: 'licenzy' });
      expect(gate.stats().sharedErrors).toBeGreaterThan(0);
      const counts = countsOf(await collect(), 'licenzy.shared.events');
      expect(counts.find((line) => line.startsWith('licenzy.shared.event=error '))).toBeDefined();
    } finally {
      await shared.close();
    }
  });
});
