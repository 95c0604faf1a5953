// Invalidation: forget (L1 deleted before waiters wake), forgetAll, the tier's broadcasts, and "forget twice" with a tier.
import { inspect } from 'node:util';
import { describe, expect, it, vi } from 'vitest';
import { createAccessGate } from '../src/index.js';
import { type SharedEvent, type SharedTierBinding } from '../src/adapter.js';
import { createDecisionCache } from '../src/decision-cache.js';
import { createFreshBound } from '../src/fresh-bound.js';
import { createGateCounters } from '../src/gate-stats.js';
import { createInvalidation } from '../src/invalidation.js';
import { createClock, createFakeChecker, flush } from './fake-checker.js';

function setup(binding?: SharedTierBinding) {
  const clock = createClock();
  const cache = createDecisionCache({ mode: 'test', now: clock.now, wallNow: clock.now, freshEnough: createFreshBound(1_000), enabled: true, max: 100, store: undefined });
  const part = { forget: vi.fn(), forgetAll: vi.fn() };
  const counters = createGateCounters();
  const invalidation = createInvalidation({ mode: 'test', now: clock.now, binding, counters, parts: [part], cache });
  const grant = (subjectRef: string) => cache.remember(subjectRef, { allowed: true, checkedAt: clock.now(), lifetime: 10_000, staleLifetime: 10_000, requestedAt: clock.now() });
  return { cache, part, counters, invalidation, grant, clock };
}

/** A binding whose invalidate()/clear() the test settles, and whose broadcasts the test sends. */
function manualBinding() {
  const settle: Array<{ resolve: () => void; reject: (error: unknown) => void }> = [];
  let listener: (event: SharedEvent) => void = () => undefined;
  const hold = () => new Promise<void>((resolve, reject) => void settle.push({ resolve, reject }));
  const binding: SharedTierBinding = {
    read: async () => ({ entry: undefined, token: '0:0' }),
    write: async () => true,
    invalidate: hold,
    clear: hold,
    subscribe: (next) => ((listener = next), () => undefined),
  };
  return { binding, settle, broadcast: (event: SharedEvent) => listener(event) };
}

describe('invalidation: forgetting', () => {
  it('forgets the parts first, then the cache entry, and only then wakes the subject\'s waiters', () => {
    const { cache, part, invalidation, grant } = setup();
    grant('user_1');
    const seen: unknown[] = [];
    const stop = invalidation.onWakeup('user_1', () => seen.push([cache.lookup('user_1'), part.forget.mock.calls.length]));
    invalidation.onWakeup('user_2', () => seen.push('wrong subject'));
    expect(invalidation.invalidate('user_1')).toBe(true);
    expect(seen).toEqual([[undefined, 1]]);
    stop();
    expect(invalidation.invalidate('user_1')).toBe(false);
    expect(seen).toHaveLength(1);
  });

  it('clear() forgets every part and entry and wakes every waiter; a waiter that throws stops no other', () => {
    const { cache, part, invalidation, grant } = setup();
    grant('a');
    grant('b');
    const woken: string[] = [];
    invalidation.onWakeup('a', () => {
      throw new Error('waiter failed');
    });
    invalidation.onWakeup('b', () => woken.push('b'));
    invalidation.clear();
    expect({ size: cache.size, forgetAll: part.forgetAll.mock.calls.length, woken }).toEqual({ size: 0, forgetAll: 1, woken: ['b'] });
  });

  it('a broadcast from another instance forgets here (one subject, or everything on clear and reset)', () => {
    const tier = manualBinding();
    const { cache, invalidation, grant } = setup(tier.binding);
    grant('a');
    grant('b');
    tier.broadcast({ type: 'invalidate', subjectRef: 'a' });
    expect([cache.lookup('a'), cache.size]).toEqual([undefined, 1]);
    tier.broadcast({ type: 'reset' });
    expect(cache.size).toBe(0);
    expect(invalidation.invalidate('a')).toBe(false);
  });
});

describe('invalidation: clears from other instances are paced (issue 23, item 7)', () => {
  it('the first at once, the rest of a flood together at the end of each second: a bounded refill, never caching nothing', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const tier = manualBinding();
      const { cache, part, grant, clock } = setup(tier.binding);
      grant('a');
      tier.broadcast({ type: 'clear' });
      expect(cache.size).toBe(0);
      // A clear every 10 ms for 3 s, while a subject is answered (and cached) again after each forget.
      let forgets = part.forgetAll.mock.calls.length;
      let refills = 0;
      for (let t = 0; t < 3_000; t += 10) {
        if (cache.lookup('a') === undefined) {
          grant('a');
          refills++;
        }
        tier.broadcast({ type: 'clear' });
        clock.advance(10);
        await vi.advanceTimersByTimeAsync(10);
      }
      forgets = part.forgetAll.mock.calls.length - forgets;
      expect(forgets).toBeLessThanOrEqual(3);
      expect(refills).toBeLessThanOrEqual(4);
      // Never held longer than the interval: a clear heard now is applied within a second.
      grant('a');
      tier.broadcast({ type: 'clear' });
      clock.advance(999);
      await vi.advanceTimersByTimeAsync(999);
      expect(cache.lookup('a')).toBeDefined();
      clock.advance(1);
      await vi.advanceTimersByTimeAsync(1);
      expect(cache.lookup('a')).toBeUndefined();
      // A revoked grant is never kept beyond the pace: an invalidation of one subject is still at once.
      grant('b');
      tier.broadcast({ type: 'invalidate', subjectRef: 'b' });
      expect(cache.lookup('b')).toBeUndefined();
    } finally {
      vi.useRealTimers();
    }
  });

  it('a clock stepped back never holds a clear for longer than one interval', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const tier = manualBinding();
      const { cache, grant, clock } = setup(tier.binding);
      tier.broadcast({ type: 'clear' });
      clock.advance(-3_600_000);
      grant('a');
      tier.broadcast({ type: 'clear' });
      await vi.advanceTimersByTimeAsync(1_000);
      expect(cache.lookup('a')).toBeUndefined();
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('invalidation: with a shared tier, forget twice', () => {
  it.each(['invalidate', 'clear'] as const)('%s forgets at once and again once the tier has recorded it', async (method) => {
    const tier = manualBinding();
    const { cache, invalidation, grant } = setup(tier.binding);
    grant('a');
    if (method === 'invalidate') invalidation.invalidate('a');
    else invalidation.clear();
    expect(cache.lookup('a')).toBeUndefined();
    grant('a'); // refilled from the tier's old entry meanwhile
    tier.settle[0]!.resolve();
    await flush();
    expect(cache.lookup('a')).toBeUndefined();
  });

  it('invalidate() counts a tier that failed, without throwing', async () => {
    const tier = manualBinding();
    const { counters, invalidation } = setup(tier.binding);
    expect(invalidation.invalidate('a')).toBe(false);
    tier.settle[0]!.reject(new Error('redis down'));
    await flush();
    expect(counters.sharedErrors).toBe(1);
  });
});

describe('invalidateEverywhere', () => {
  /** A shared tier whose invalidate() the test controls; reads miss, writes succeed. */
  function tier(invalidate: () => Promise<void>) {
    return {
      bind: () => ({
        read: async () => ({ entry: undefined, token: '0:0' }),
        write: async () => true,
        invalidate,
        clear: async () => undefined,
        subscribe: () => () => undefined,
      }),
      close: async () => undefined,
    };
  }

  it('resolves once the shared tier carried the invalidation, and forgets locally at once', async () => {
    const fake = createFakeChecker();
    let carried = false;
    const gate = createAccessGate({ client: fake.checker, apiKey: 'lz_test_example_everywhere', shared: tier(async () => void (carried = true)), logger: { warn: () => undefined, error: () => undefined } });
    const first = gate.check('u');
    await flush();
    fake.next().resolve(true);
    await first;
    expect(gate.peek('u')).toBeDefined();
    expect(await gate.invalidateEverywhere('u')).toBe(true);
    expect(carried).toBe(true);
    expect(gate.peek('u')).toBeUndefined();
  });

  it('rejects with a 503 when the tier could not carry it (so a webhook delivery is retried), having forgotten locally', async () => {
    const fake = createFakeChecker();
    const gate = createAccessGate({ client: fake.checker, apiKey: 'lz_test_example_everywhere', shared: tier(async () => { throw new Error('redis down'); }), logger: { warn: () => undefined, error: () => undefined } });
    const first = gate.check('u');
    await flush();
    fake.next().resolve(true);
    await first;
    await expect(gate.invalidateEverywhere('u', { reason: 'webhook' })).rejects.toMatchObject({ code: 'ERR_LICENZY_UNAVAILABLE', reason: 'shared', status: 503 });
    expect(gate.peek('u')).toBeUndefined();
  });

  it('a tier rejection reaches the app without the tier\'s internals: no cause chain, no command, only name, code and one line (issue 23, item 14)', async () => {
    const client = Object.assign(new Error('ERR value is not an integer\nsecond line licenzy:ns:events'), {
      command: { name: 'evalsha', args: ['licenzy:ns:v:abc', 'licenzy:ns:events', 'sealed-message'] },
    });
    const tierError = Object.assign(new Error('Redis command failed: ERR value is not an integer', { cause: client }), { name: 'RedisTierError', code: 'ERR_LICENZY_SHARED_COMMAND' });
    const gate = createAccessGate({ client: createFakeChecker().checker, apiKey: 'lz_test_example_everywhere', shared: tier(() => Promise.reject(tierError)), logger: { warn: () => undefined, error: () => undefined } });
    const error = await gate.invalidateEverywhere('u').then(() => undefined, (rejected: unknown) => rejected as Error & { cause: Error & { cause?: unknown } });
    expect(error?.cause).toMatchObject({ name: 'RedisTierError', code: 'ERR_LICENZY_SHARED_COMMAND', message: 'Redis command failed: ERR value is not an integer' });
    expect(error?.cause.cause).toBeUndefined();
    expect(inspect(error, { depth: Infinity })).not.toMatch(/licenzy:ns|sealed-message|evalsha/);
  });

  it('without a tier, resolves at once', async () => {
    const gate = createAccessGate({ client: createFakeChecker().checker });
    expect(await gate.invalidateEverywhere('nobody')).toBe(false);
  });

  it.each(['invalidateEverywhere', 'invalidate', 'clear'] as const)('%s: a check that refilled L1 from the tier before the tier recorded the invalidation is forgotten once it has', async (method) => {
    // Redis runs commands in order, but the invalidation can reach it after a read sent later (e.g. its script was
    // re-sent after a NOSCRIPT): that read still finds the old grant. The tier drops our own broadcast, so only the
    // gate can forget it again.
    let recorded = false;
    let record: () => void = () => undefined;
    const oldGrant = { allowed: true, checkedAt: Date.now(), ttl: 30_000, staleTtl: 30_000 };
    const gate = createAccessGate({
      client: createFakeChecker().checker,
      apiKey: 'lz_test_example_everywhere',
      logger: { warn: () => undefined, error: () => undefined },
      shared: {
        bind: () => ({
          read: async () => ({ entry: recorded ? undefined : oldGrant, token: '0:0' }),
          write: async () => true,
          invalidate: () => new Promise<void>((resolve) => (record = () => ((recorded = true), resolve()))),
          clear: () => new Promise<void>((resolve) => (record = () => ((recorded = true), resolve()))),
          subscribe: () => () => undefined,
        }),
        close: async () => undefined,
      },
    });
    const done = method === 'invalidateEverywhere' ? gate.invalidateEverywhere('u') : method === 'invalidate' ? gate.invalidate('u') : gate.clear();
    expect(await gate.check('u')).toMatchObject({ allowed: true, source: 'cache' }); // filled from the tier meanwhile
    record();
    await done;
    await flush();
    expect(gate.peek('u')).toBeUndefined();
  });
});
