// The shared-tier fill and write: remaining lifetimes only, never fresh, stale entries only as stand-ins, refused writes drop L1.
import { describe, expect, it } from 'vitest';
import { createAccessGate } from '../src/index.js';
import { type SharedEntry, type SharedTierBinding } from '../src/adapter.js';
import { createDecisionCache } from '../src/decision-cache.js';
import { createFreshBound } from '../src/fresh-bound.js';
import { createGateCounters } from '../src/gate-stats.js';
import { createSharedFill } from '../src/shared-fill.js';
import { createClock, createFakeChecker, flush } from './fake-checker.js';

function setup(read: SharedTierBinding['read'], write: SharedTierBinding['write'] = async () => true) {
  const clock = createClock();
  const cache = createDecisionCache({ mode: 'test', now: clock.now, wallNow: clock.now, freshEnough: createFreshBound(1_000), enabled: true, max: 100, store: undefined });
  const counters = createGateCounters();
  const binding: SharedTierBinding = { read, write, invalidate: async () => undefined, clear: async () => undefined, subscribe: () => () => undefined };
  const shared = createSharedFill({ binding, cache, counters, ttl: 10_000, deniedTtl: 1_000, staleIfError: 3_000, now: clock.now, freshEnough: createFreshBound(1_000) });
  return { clock, cache, counters, shared };
}

const current = () => true;

describe('shared fill: a tier entry younger than freshInterval is a recent answer (issue 23, item 5)', () => {
  it('answers a fresh check when the tier says the call behind it started less than freshInterval ago, not otherwise', async () => {
    for (const [age, answers] of [[0, true], [999, true], [1_000, false], [5_000, false]] as const) {
      const entry: SharedEntry = { allowed: true, checkedAt: 1, ttl: 5_000, staleTtl: 5_000, age };
      const { shared } = setup(async () => ({ entry, token: 't1' }));
      const read = await shared.read('u', current, true);
      expect(read.decision !== undefined).toBe(answers);
    }
  });

  it('an entry filled with its age counts as recent here for the rest of freshInterval only', async () => {
    const entry: SharedEntry = { allowed: false, checkedAt: 1, ttl: 5_000, staleTtl: 5_000, age: 400 };
    const { cache, shared, clock } = setup(async () => ({ entry, token: 't1' }));
    expect((await shared.read('u', current, false)).decision).toMatchObject({ allowed: false });
    expect(cache.recentAnswer('u', clock.now())).toBeDefined();
    clock.advance(599);
    expect(cache.recentAnswer('u', clock.now())).toBeDefined();
    clock.advance(1);
    expect(cache.recentAnswer('u', clock.now())).toBeUndefined();
  });

  it('an entry without an age, or with an odd one, never answers a fresh check (a tier cannot make an answer recent)', async () => {
    for (const age of [undefined, -1, Number.NaN, Number.NEGATIVE_INFINITY, '0' as unknown as number]) {
      const entry: SharedEntry = { allowed: true, checkedAt: 1, ttl: 5_000, staleTtl: 5_000, age };
      const { cache, shared, clock } = setup(async () => ({ entry, token: 't1' }));
      expect(await shared.read('u', current, true)).toEqual({ token: 't1' });
      await shared.read('u', current, false);
      expect(cache.recentAnswer('u', clock.now())).toBeUndefined();
    }
  });
});

describe('shared fill: read', () => {
  it('fills L1 with the remaining lifetime, capped by our own TTL, and answers a check that is not fresh', async () => {
    const entry = { allowed: false, checkedAt: 1, ttl: 60_000, staleTtl: 60_000 };
    const { cache, counters, shared, clock } = setup(async () => ({ entry, token: 't1' }));
    const read = await shared.read('u', current, false);
    expect(read.decision).toMatchObject({ allowed: false, source: 'cache', checkedAt: 1 });
    expect(counters.sharedHits).toBe(1);
    clock.advance(999); // deniedTtl is 1 s, whatever the tier says
    expect(cache.lookup('u')).toBeDefined();
    clock.advance(1);
    expect(cache.lookup('u')).toBeUndefined();
  });

  it('a fresh check gets the token, not the answer; and a call no longer registered writes nothing', async () => {
    const entry = { allowed: true, checkedAt: 1, ttl: 5_000, staleTtl: 5_000 };
    const { cache, shared } = setup(async () => ({ entry, token: 't1' }));
    expect(await shared.read('u', current, true)).toEqual({ token: 't1' });
    expect(await shared.read('u', () => false, false)).toEqual({ token: 't1' });
    expect(cache.size).toBe(0);
  });

  it('keeps a stale entry only as an outage stand-in (never a hit), within our own staleIfError', async () => {
    const stale = { allowed: true, checkedAt: 1, staleTtl: 60_000 };
    const { cache, shared, clock } = setup(async () => ({ entry: undefined, token: 't1', stale }));
    await shared.read('u', current, false);
    expect(cache.lookup('u')).toBeUndefined();
    expect(cache.standIn('u', clock.now())).toMatchObject({ allowed: true, source: 'stale' });
    clock.advance(3_000);
    expect(cache.standIn('u', clock.now())).toBeUndefined();
  });

  it.each([
    ['a string allowed', { allowed: 'true', checkedAt: 1, ttl: 5_000, staleTtl: 5_000 }],
    ['a stale window shorter than the fresh one', { allowed: true, checkedAt: 1, ttl: 5_000, staleTtl: 10 }],
    ['a non-finite lifetime', { allowed: true, checkedAt: 1, ttl: Number.NaN, staleTtl: 5_000 }],
  ])('an odd entry (%s) is a miss, never a grant', async (_name, entry) => {
    const { cache, shared } = setup(async () => ({ entry: entry as unknown as SharedEntry, token: 't1' }));
    expect(await shared.read('u', current, false)).toEqual({ token: 't1' });
    expect(cache.size).toBe(0);
  });

  it('a tier that fails is a counted miss without a token', async () => {
    const { counters, shared } = setup(async () => {
      throw new Error('redis down');
    });
    expect(await shared.read('u', current, false)).toEqual({ token: undefined });
    expect(counters.sharedErrors).toBe(1);
  });
});

describe('shared fill: write', () => {
  it('writes with the token and broadcast for a fresh answer; a refused write drops the local entry', async () => {
    const writes: unknown[] = [];
    const { cache, shared, clock } = setup(async () => ({ entry: undefined, token: 't1' }), async (...args) => (writes.push(args), false));
    cache.remember('u', { allowed: true, checkedAt: 5, lifetime: 10_000, staleLifetime: 13_000, requestedAt: clock.now() });
    shared.write('u', { allowed: true, checkedAt: 5, lifetime: 10_000 }, 't1', true);
    await flush();
    expect(writes).toEqual([['u', { allowed: true, checkedAt: 5, ttl: 10_000, staleTtl: 13_000 }, 't1', { broadcast: true }]]);
    expect(cache.lookup('u')).toBeUndefined();
  });

  it('writes nothing without a token or a lifetime, and counts a failed write', async () => {
    const writes: unknown[] = [];
    const { counters, shared } = setup(async () => ({ entry: undefined, token: 't1' }), async (...args) => {
      writes.push(args);
      throw new Error('redis down');
    });
    shared.write('u', { allowed: true, checkedAt: 5, lifetime: 10_000 }, undefined, false);
    shared.write('u', { allowed: true, checkedAt: 5, lifetime: 0 }, 't1', false);
    expect(writes).toHaveLength(0);
    shared.write('u', { allowed: true, checkedAt: 5, lifetime: 10_000 }, 't1', false);
    await flush();
    expect(counters.sharedErrors).toBe(1);
  });
});

describe('regression: an answer filled from the shared tier never counts as fresh', () => {
  it('a fresh check right after an L2 hit asks Licenzy instead of reusing the other instance\'s (possibly old) denial', async () => {
    const fake = createFakeChecker();
    const clock = createClock();
    const tier = {
      bind: () => ({
        read: async () => ({ entry: { allowed: false, checkedAt: 0, ttl: 5_000, staleTtl: 5_000 }, token: '0:0' }),
        write: async () => true,
        invalidate: async () => undefined,
        clear: async () => undefined,
        subscribe: () => () => undefined,
      }),
      close: async () => undefined,
    };
    const gate = createAccessGate({ client: fake.checker, apiKey: 'lz_test_example_l2_fresh', now: clock.now, shared: tier, logger: { warn: () => undefined, error: () => undefined } });
    expect(await gate.check('buyer')).toMatchObject({ allowed: false, source: 'cache' }); // from L2, no Licenzy call
    expect(fake.calls).toEqual([]);
    const fresh = gate.check('buyer', { fresh: true });
    await flush();
    expect(fake.calls).toEqual(['buyer']);
    fake.next().resolve(true);
    expect(await fresh).toMatchObject({ allowed: true, source: 'licenzy' });
  });
});
