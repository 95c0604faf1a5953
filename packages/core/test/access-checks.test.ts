// The checks on a miss: one call per subject, only the registered call writes, the failure memo, the fresh bound, stale-if-error.
import { describe, expect, it } from 'vitest';
import { LicenzyUnavailableError } from '../src/index.js';
import { createAccessChecks } from '../src/access-checks.js';
import { createDecisionCache } from '../src/decision-cache.js';
import { createFreshBound } from '../src/fresh-bound.js';
import { createGateCounters } from '../src/gate-stats.js';
import { createUpstreamCaller } from '../src/upstream-caller.js';
import { createClock, createFakeChecker, flush } from './fake-checker.js';

const outage = () => new LicenzyUnavailableError('status', 'Licenzy answered HTTP 503', { upstreamStatus: 503 });
const silent = { warn() {}, error() {} };

function setup(options: { staleIfError?: number; errorTtl?: number; freshInterval?: number } = {}) {
  const clock = createClock();
  const fake = createFakeChecker();
  const counters = createGateCounters();
  const freshEnough = createFreshBound(options.freshInterval ?? 1_000);
  const cache = createDecisionCache({ mode: 'test', now: clock.now, wallNow: clock.now, freshEnough, enabled: true, max: 100, store: undefined });
  const caller = createUpstreamCaller({ mode: 'test', now: clock.now, logger: silent, counters, circuitBreaker: undefined, maxConcurrent: 64, maxQueue: 1000, watchdogMs: 60_000 });
  const checks = createAccessChecks({
    client: fake.checker, mode: 'test', now: clock.now, wallNow: clock.now, cache, caller, shared: undefined, counters, freshEnough,
    ttl: 10_000, deniedTtl: 1_000, staleIfError: options.staleIfError ?? 0, errorTtl: options.errorTtl ?? 1_000, max: 100,
  });
  return { clock, fake, counters, cache, checks };
}

describe('access checks: one call per subject', () => {
  it('concurrent checks of a subject share one Licenzy call and its answer is cached', async () => {
    const { fake, checks, counters, cache } = setup();
    const first = checks.decide('user_1');
    const second = checks.decide('user_1');
    await flush();
    expect(fake.calls).toEqual(['user_1']);
    fake.next().resolve(true);
    await expect(Promise.all([first, second])).resolves.toMatchObject([{ allowed: true, source: 'licenzy' }, { allowed: true, source: 'licenzy' }]);
    expect({ misses: counters.misses, coalesced: counters.coalesced }).toEqual({ misses: 2, coalesced: 1 });
    expect(cache.lookup('user_1')).toMatchObject({ allowed: true, source: 'cache' });
  });

  it('only the call still registered may write the cache: a call forgotten in flight never stores its answer', async () => {
    const { fake, checks, cache } = setup();
    const old = checks.decide('user_1');
    await flush();
    checks.forget('user_1');
    const newer = checks.decide('user_1');
    await flush();
    fake.next().resolve(true); // the old call, answered last in real life, here first: it must not write
    await expect(old).resolves.toMatchObject({ allowed: true, source: 'licenzy' });
    expect(cache.lookup('user_1')).toBeUndefined();
    fake.next().resolve(false);
    await newer;
    expect(cache.lookup('user_1')).toMatchObject({ allowed: false });
  });
});

describe('access checks: the failure memo and the fresh bound', () => {
  it('shares a failure for errorTtl, then calls again', async () => {
    const { fake, checks, clock, counters } = setup({ errorTtl: 500 });
    const first = checks.decide('user_1');
    await flush();
    fake.next().reject(outage());
    await expect(first).rejects.toMatchObject({ reason: 'status' });
    clock.advance(499);
    await expect(checks.decide('user_1')).rejects.toMatchObject({ reason: 'status' });
    expect(fake.calls).toHaveLength(1);
    clock.advance(1);
    const third = checks.decide('user_1');
    await flush();
    expect(fake.calls).toHaveLength(2);
    fake.next().resolve(true);
    await expect(third).resolves.toMatchObject({ allowed: true });
    expect(counters.errors).toBe(1);
  });

  it('a fresh check joins a call or reuses an answer requested within freshInterval, and asks again past it', async () => {
    const { fake, checks, clock, cache } = setup({ freshInterval: 1_000 });
    const first = checks.decide('user_1', { fresh: true });
    clock.advance(999);
    const joined = checks.decide('user_1', { fresh: true });
    await flush();
    expect(fake.calls).toHaveLength(1);
    fake.next().resolve(false);
    await Promise.all([first, joined]);
    // The answer's call started 999 ms ago: still fresh enough.
    await expect(checks.decide('user_1', { fresh: true })).resolves.toMatchObject({ allowed: false, source: 'cache' });
    expect(cache.hits).toBe(1);
    clock.advance(1);
    const again = checks.decide('user_1', { fresh: true });
    await flush();
    expect(fake.calls).toHaveLength(2);
    fake.next().resolve(true);
    await expect(again).resolves.toMatchObject({ allowed: true, source: 'licenzy' });
  });
});

describe('access checks: stale-if-error', () => {
  it('lets an expired answer stand in during a transport outage, within staleIfError only', async () => {
    const { fake, checks, clock, counters } = setup({ staleIfError: 5_000, errorTtl: 0 });
    const first = checks.decide('user_1');
    await flush();
    fake.next().resolve(true);
    await first;
    clock.advance(10_000); // expired (ttl 10 s)
    const during = checks.decide('user_1');
    await flush();
    fake.next().reject(outage());
    await expect(during).resolves.toMatchObject({ allowed: true, source: 'stale' });
    expect(counters.stale).toBe(1);
    clock.advance(5_000);
    const past = checks.decide('user_1');
    await flush();
    fake.next().reject(outage());
    await expect(past).rejects.toMatchObject({ reason: 'status' });
  });
});

describe('access checks: a stepped-back clock and the failure memo (issue 23, item 13)', () => {
  it('a clock stepped back before a remembered failure does not keep the failure for the whole step', async () => {
    const { fake, checks, clock } = setup({ errorTtl: 500 });
    const first = checks.decide('user_1');
    await flush();
    fake.next().reject(outage());
    await expect(first).rejects.toMatchObject({ reason: 'status' });
    // Within [since, until): the failure is shared, as before.
    clock.advance(100);
    await expect(checks.decide('user_1')).rejects.toMatchObject({ reason: 'status' });
    expect(fake.calls).toHaveLength(1);
    // An injected clock steps back an hour: the failure's stamp is in the future, so it is not trusted (like servesAt).
    clock.advance(-3_600_000);
    const after = checks.decide('user_1');
    await flush();
    expect(fake.calls).toHaveLength(2);
    fake.next().resolve(true);
    await expect(after).resolves.toMatchObject({ allowed: true, source: 'licenzy' });
  });

  it('a cached decision and a remembered failure obey the same window on a stepped clock', async () => {
    const { fake, checks, clock, cache } = setup({ errorTtl: 1_000 });
    const grant = checks.decide('granted');
    await flush();
    fake.next().resolve(true);
    await grant;
    const failed = checks.decide('failing');
    await flush();
    fake.next().reject(outage());
    await expect(failed).rejects.toBeDefined();
    clock.advance(-1);
    // One millisecond before their stamps neither is served.
    expect(cache.lookup('granted')).toBeUndefined();
    const retried = checks.decide('failing');
    await flush();
    expect(fake.pending.map((call) => call.subjectRef)).toContain('failing');
    for (const call of fake.pending.splice(0)) call.resolve(false);
    await expect(retried).resolves.toMatchObject({ allowed: false, source: 'licenzy' });
  });
});
