import { channel, tracingChannel } from 'node:diagnostics_channel';
import { captureLogger, useLocalLicenzy } from '@licenzy-gate/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CHANNELS, LicenzyUnavailableError, createAccessGate, type CheckEvent, type UpstreamEvent } from '../src/index.js';
import { createGuard } from '../src/adapter.js';
import { withSubscriberFlag } from '../src/diagnostics.js';
import { createClock, createFakeChecker } from './fake-checker.js';

const licenzy = useLocalLicenzy({ hooks: { beforeAll, afterAll, afterEach } });

const outage = () => new LicenzyUnavailableError('status', 'Licenzy answered HTTP 503', { upstreamStatus: 503 });
const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
  licenzy.mock.reset();
});

/** Records every event of a TracingChannel as `kind` + a snapshot of the context. */
function traceRecorder<T extends object>(name: string) {
  const events: Array<{ kind: string; context: T }> = [];
  const handlers = Object.fromEntries(
    (['start', 'end', 'asyncStart', 'asyncEnd', 'error'] as const).map((kind) => [kind, (context: T) => void events.push({ kind, context: { ...context } })]),
  );
  const traced = tracingChannel<T>(name);
  const subscribers = handlers as unknown as Parameters<typeof traced.subscribe>[0];
  traced.subscribe(subscribers);
  cleanups.push(() => traced.unsubscribe(subscribers));
  return events;
}

function messages<T>(name: string): T[] {
  const seen: T[] = [];
  const listener = (message: unknown) => void seen.push(message as T);
  channel(name).subscribe(listener);
  cleanups.push(() => channel(name).unsubscribe(listener));
  return seen;
}

const capture = captureLogger;

/** A gate whose cache holds a grant for `subjectRef` (one answered check), so `peek` hits. */
async function gateHolding(subjectRef: string) {
  const fake = createFakeChecker();
  const gate = createAccessGate({ client: fake.checker });
  const first = gate.check(subjectRef);
  fake.next().resolve(true);
  await first;
  return gate;
}

describe('licenzy-gate:check', () => {
  it('publishes miss, hit, deny, outage and stale decisions with their source, and never the key', async () => {
    const events = traceRecorder<CheckEvent>(CHANNELS.check);
    const fake = createFakeChecker();
    const clock = createClock();
    const gate = createAccessGate({ client: fake.checker, now: clock.now, cache: { ttl: 10, deniedTtl: 10, staleIfError: 1_000, errorTtl: 0 }, circuitBreaker: false, logger: capture() });

    const miss = gate.check('paid');
    fake.next().resolve(true);
    await miss;
    expect(gate.peek('paid')).toMatchObject({ source: 'cache' });
    const denied = gate.check('free');
    fake.next().resolve(false);
    await denied;
    clock.advance(10);
    const stale = gate.check('paid');
    fake.next().reject(outage());
    await stale;
    const failed = gate.check('nobody');
    fake.next().reject(outage());
    await failed.catch(() => undefined);

    // A check ends with asyncEnd; a synchronous peek hit (traceSync) ends with end.
    const outcomes = events
      .filter((e) => e.kind === 'asyncEnd' || (e.kind === 'end' && e.context.fresh === false && e.context.result?.source === 'cache'))
      .map((e) => `${e.context.subjectRef}:${e.context.result ? `${e.context.result.source}/${e.context.result.allowed}` : (e.context.error as { code?: string }).code}`);
    expect(outcomes).toEqual(['paid:licenzy/true', 'paid:cache/true', 'free:licenzy/false', 'paid:stale/true', 'nobody:ERR_LICENZY_UNAVAILABLE']);
    expect(events.filter((e) => e.kind === 'error').map((e) => e.context.subjectRef)).toEqual(['nobody']);
    for (const { context } of events) {
      expect(context).toMatchObject({ mode: 'test' });
      expect(typeof context.stats).toBe('function');
    }
    expect(events.find((e) => e.kind === 'start')?.context.stats()).toMatchObject({ circuit: 'closed' });
  });

  it('traces a cache hit for a subscriber of start or end alone, gives a subscriber of error alone nothing, and runs a store bound to start (issue 25: the hit path asks start and end)', async () => {
    const gate = await gateHolding('u');
    const traced = tracingChannel<CheckEvent>(CHANNELS.check);
    for (const kind of ['start', 'end', 'error'] as const) {
      const seen: CheckEvent[] = [];
      const listener = (context: unknown) => void seen.push({ ...(context as CheckEvent) });
      traced[kind].subscribe(listener);
      try {
        expect(gate.peek('u')).toMatchObject({ allowed: true, source: 'cache' });
      } finally {
        traced[kind].unsubscribe(listener);
      }
      // `error` has nothing to say about a hit; `start` and `end` each see it.
      expect(seen.map((e) => e.subjectRef)).toEqual(kind === 'error' ? [] : ['u']);
      if (kind === 'end') expect(seen[0]?.result).toMatchObject({ source: 'cache' });
    }
    // A store bound to `start` alone, with no subscriber anywhere (how an AsyncLocalStorage context follows a trace),
    // is entered for a hit: its transform sees the hit's context.
    const { AsyncLocalStorage } = await import('node:async_hooks');
    const store = new AsyncLocalStorage<string>();
    const transformed: string[] = [];
    const storing = tracingChannel<string, CheckEvent>(CHANNELS.check);
    storing.start.bindStore(store, (context) => {
      transformed.push(context.subjectRef);
      return `hit:${context.subjectRef}`;
    });
    try {
      gate.peek('u');
    } finally {
      storing.start.unbindStore(store);
    }
    expect(transformed).toEqual(['u']);
  });

  it('publishes nothing, and allocates no event, while nobody listens', async () => {
    const gate = await gateHolding('u');
    const seen = traceRecorder<CheckEvent>(CHANNELS.check);
    cleanups.pop()?.(); // unsubscribe again at once: the channel has no subscribers
    expect(gate.peek('u')).toMatchObject({ allowed: true });
    expect(seen).toEqual([]);
  });
});

describe('licenzy-gate:upstream', () => {
  it('traces every attempt with operation, attempt, server and status; a subscriber can add traceparent but not replace authorization', async () => {
    const events = traceRecorder<UpstreamEvent>(CHANNELS.upstream);
    const inject = (context: UpstreamEvent) => {
      context.headers.traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
      context.headers.authorization = 'Bearer stolen';
    };
    tracingChannel<UpstreamEvent>(CHANNELS.upstream).start.subscribe(inject as (message: unknown) => void);
    cleanups.push(() => tracingChannel<UpstreamEvent>(CHANNELS.upstream).start.unsubscribe(inject as (message: unknown) => void));
    licenzy.mock.grant('u');
    licenzy.mock.fault({ type: 'status', status: 503 }, { times: 1 });
    const gate = licenzy.gate({ retryBackoff: 0, logger: capture() });
    await gate.check('u');
    const done = events.filter((e) => e.kind === 'asyncEnd').map((e) => e.context);
    expect(done).toHaveLength(2);
    expect(done[0]).toMatchObject({ operation: 'access.check', attempt: 1, method: 'POST', urlTemplate: '/v1/access/check', serverAddress: '127.0.0.1', result: { statusCode: 503 } });
    expect(done[1]).toMatchObject({ attempt: 2, result: { statusCode: 200 } });
    expect(done[1]?.duration).toBeGreaterThanOrEqual(0);
    const sent = licenzy.mock.requests.map((r) => r.headers);
    expect(sent.every((h) => h.traceparent === '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01')).toBe(true);
    expect(sent.every((h) => h.authorization !== 'Bearer stolen')).toBe(true);
    expect(JSON.stringify(events)).not.toContain(licenzy.mock.testKey);
  });

  it('names GET endpoints by template, never with the subject', async () => {
    const events = traceRecorder<UpstreamEvent>(CHANNELS.upstream);
    licenzy.mock.grant('secret_subject_42');
    const gate = licenzy.gate({ logger: capture() });
    const { createLicenzyClient } = await import('../src/index.js');
    await createLicenzyClient({ apiKey: licenzy.mock.testKey, baseUrl: licenzy.mock.url }).getCustomerAccess('secret_subject_42');
    expect(gate.mode).toBe('test');
    expect(events.find((e) => e.kind === 'asyncEnd')?.context).toMatchObject({ operation: 'customer.access', urlTemplate: '/v1/customer/access/{subject_ref}' });
    expect(JSON.stringify(events)).not.toContain('secret_subject_42');
  });
});

describe('licenzy-gate:circuit, licenzy-gate:invalidate, licenzy-gate:fail-open', () => {
  it('publishes circuit transitions and logs only opening and closing', async () => {
    const transitions = messages<{ mode: string; from: string; to: string }>(CHANNELS.circuit);
    const fake = createFakeChecker();
    const clock = createClock();
    const logger = capture();
    const gate = createAccessGate({ client: fake.checker, now: clock.now, cache: { errorTtl: 0 }, circuitBreaker: { threshold: 2, cooldown: 1_000 }, logger });
    for (const subject of ['a', 'b']) {
      const failing = gate.check(subject);
      fake.next().reject(outage());
      await failing.catch(() => undefined);
    }
    clock.advance(1_000);
    const probe = gate.check('c');
    fake.next().resolve(true);
    await probe;
    expect(transitions).toEqual([
      { mode: 'test', from: 'closed', to: 'open' },
      { mode: 'test', from: 'open', to: 'half-open' },
      { mode: 'test', from: 'half-open', to: 'closed' },
    ]);
    expect(logger.text().filter((l) => l.includes('circuit'))).toHaveLength(2);
  });

  it('publishes invalidations with their reason', () => {
    const seen = messages<{ mode: string; reason: string; subjectRef?: string }>(CHANNELS.invalidate);
    const gate = createAccessGate({ client: createFakeChecker().checker });
    gate.invalidate('u');
    gate.invalidate('v', { reason: 'webhook' });
    gate.clear();
    expect(seen).toEqual([
      { mode: 'test', reason: 'local', subjectRef: 'u' },
      { mode: 'test', reason: 'webhook', subjectRef: 'v' },
      { mode: 'test', reason: 'local' },
    ]);
  });

  it('publishes every fail-open and logs it once per window', async () => {
    const seen = messages<{ mode: string; subjectRef: string; code: string }>(CHANNELS.failOpen);
    const fake = createFakeChecker();
    const logger = capture();
    const gate = createAccessGate({ client: fake.checker, cache: { errorTtl: 0 }, circuitBreaker: false, logger });
    const guard = createGuard<{ id: string }, () => void>({ gate, logger, onUnavailable: 'allow' }, (req) => req.id);
    for (const id of ['a', 'b', 'c']) {
      const outcome = guard.run({ id });
      fake.next().reject(outage());
      expect(await outcome).toMatchObject({ allowed: true, decision: { source: 'fail-open' } });
    }
    expect(seen.map((m) => m.subjectRef)).toEqual(['a', 'b', 'c']);
    expect(seen[0]).toEqual({ mode: 'test', subjectRef: 'a', code: 'ERR_LICENZY_UNAVAILABLE' });
    expect(logger.text().filter((l) => l.includes('onUnavailable: allow'))).toHaveLength(1);
  });
});

describe('outage logs an operator can act on', () => {
  it('one warning when Licenzy becomes unavailable, one when it is back (how long, how many refused or stale)', async () => {
    const fake = createFakeChecker();
    const clock = createClock();
    const logger = capture();
    const gate = createAccessGate({ client: fake.checker, now: clock.now, cache: { ttl: 10, staleIfError: 60_000, errorTtl: 0 }, circuitBreaker: false, logger });
    const warm = gate.check('paid');
    fake.next().resolve(true);
    await warm;
    clock.advance(10);
    for (let i = 0; i < 6; i++) {
      const subject = i % 2 === 0 ? 'paid' : `other_${i}`;
      const failing = gate.check(subject);
      fake.next().reject(outage());
      await failing.catch(() => undefined);
    }
    expect(logger.text()).toHaveLength(1);
    expect(logger.text()[0]).toContain('Licenzy unavailable');
    expect(logger.text()[0]).toContain('"upstreamStatus":503');
    clock.advance(5_000);
    const back = gate.check('other_9');
    fake.next().resolve(true);
    await back;
    expect(logger.text()).toHaveLength(2);
    expect(logger.text()[1]).toContain('Licenzy available again');
    expect(logger.text()[1]).toContain('"refused":3');
    expect(logger.text()[1]).toContain('"servedStale":3');
    expect(logger.text()[1]).toMatch(/"downForMs":5000/);
  });
});

describe('tracing channels on a runtime without TracingChannel#hasSubscribers (Bun 1.4)', () => {
  it('reads the flag from the five channels, so a subscriber there is seen and decisions get published', () => {
    // Bun's TracingChannel: the five channels, no hasSubscribers (undefined would read as "nobody listens").
    const name = `licenzy-gate:test-bun-${Math.random()}`;
    const kinds = ['start', 'end', 'asyncStart', 'asyncEnd', 'error'] as const;
    const bunLike = Object.fromEntries(kinds.map((kind) => [kind, channel(`tracing:${name}:${kind}`)]));
    const traced = withSubscriberFlag(bunLike as unknown as ReturnType<typeof tracingChannel<object>>);
    expect(traced.hasSubscribers).toBe(false);
    for (const kind of kinds) {
      const listener = () => {};
      bunLike[kind]!.subscribe(listener);
      expect(traced.hasSubscribers, kind).toBe(true);
      bunLike[kind]!.unsubscribe(listener);
      expect(traced.hasSubscribers, kind).toBe(false);
    }
  });

  it("leaves Node's own flag alone", () => {
    const traced = tracingChannel<object>(`licenzy-gate:test-node-${Math.random()}`);
    const getter = Object.getOwnPropertyDescriptor(traced, 'hasSubscribers');
    expect(withSubscriberFlag(traced)).toBe(traced);
    expect(Object.getOwnPropertyDescriptor(traced, 'hasSubscribers')).toEqual(getter);
  });
});
