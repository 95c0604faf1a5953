// Our own decision cache (own-decision-cache.ts, issue 25): expiry in whole ms never late, a lifetime cap, a new epoch
// that forgets rather than shifts, a clock stepped back, exact LRU order under hits, and small-integer bookkeeping.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SERVED_UNTIL, SLOT } from '../src/cached-decision.js';
import { createFreshBound } from '../src/fresh-bound.js';
import { LONGEST_SERVED, OwnDecisionCache, REBASE_AFTER } from '../src/own-decision-cache.js';
import type { AccessDecision } from '../src/vocabulary.js';
import { createClock } from './fake-checker.js';

function ownCache(start: number, max = 10, lag = 0) {
  const clock = createClock(start);
  const cache = new OwnDecisionCache({ mode: 'test', now: clock.now, lag, wallNow: () => 50_000, freshEnough: createFreshBound(1_000), enabled: true, max, store: undefined });
  const answer = (lifetime: number, staleLifetime = lifetime) => ({ allowed: true, checkedAt: 40_000, lifetime, staleLifetime, requestedAt: clock.now() });
  return { clock, cache, answer };
}

const smallInteger = (x: unknown): boolean => Number.isInteger(x) && Math.abs(x as number) < 2 ** 31;

describe('our own decision cache', () => {
  it('serves until the lifetime ends, judged at the reading plus the lag, and never past it on a fractional stamp', () => {
    const { clock, cache, answer } = ownCache(1_000, 10, 11);
    cache.remember('u', answer(30_000));
    clock.set(31_000 - 12);
    expect(cache.lookup('u')).toBeDefined();
    clock.set(31_000 - 11); // + the lag: 31,000, the end of the lifetime
    expect(cache.lookup('u')).toBeUndefined();
    // Stamped at 1,000.25: expires at 31,000 (rounded down to whole ms), not at 31,000.25.
    const fractional = ownCache(1_000.25);
    fractional.cache.remember('v', fractional.answer(30_000));
    fractional.clock.set(30_999.9);
    expect(fractional.cache.lookup('v')).toBeDefined();
    fractional.clock.set(31_000);
    expect(fractional.cache.lookup('v')).toBeUndefined();
  });

  it(`serves a lifetime longer than ${LONGEST_SERVED} ms (6.2 days) that long, then asks again`, () => {
    const { clock, cache, answer } = ownCache(1_000);
    cache.remember('u', answer(30 * 86_400_000));
    clock.advance(LONGEST_SERVED - 1);
    expect(cache.lookup('u')).toBeDefined();
    clock.advance(1);
    expect(cache.lookup('u')).toBeUndefined();
  });

  it('keeps its bookkeeping small integers on any clock: an epoch-ms clock, a clock past 2^31 ms, fractional stamps', () => {
    for (const start of [1_700_000_000_123.5, 2 ** 31 + 7, 12.75]) {
      const { clock, cache, answer } = ownCache(start);
      const decisions = [cache.remember('a', answer(30_000)), cache.remember('b', answer(LONGEST_SERVED * 4))];
      clock.advance(REBASE_AFTER + 5);
      decisions.push(cache.remember('c', answer(60_000)));
      for (const decision of decisions) {
        const bookkeeping = decision as unknown as Record<symbol, unknown>;
        expect([smallInteger(bookkeeping[SERVED_UNTIL]), smallInteger(bookkeeping[SLOT])]).toEqual([true, true]);
      }
      expect(cache.lookup('c')).toBe(decisions[2]);
    }
  });

  it(`starts again from a reading ${REBASE_AFTER} ms (12.4 days) past its epoch: forgets every decision, never serves one late`, () => {
    const { clock, cache, answer } = ownCache(1_000);
    cache.remember('old', answer(LONGEST_SERVED));
    clock.advance(REBASE_AFTER);
    expect(cache.lookup('old')).toBeUndefined(); // long expired anyway
    const fresh = cache.remember('new', answer(1_000));
    expect([cache.size, cache.holds('old'), cache.lookup('new')]).toEqual([1, false, fresh]);
    clock.advance(999);
    expect(cache.lookup('new')).toBe(fresh);
    clock.advance(1);
    expect(cache.lookup('new')).toBeUndefined();
  });

  it('a clock stepped back serves nothing stamped later, and the next answer forgets what was stamped in "the future"', () => {
    const { clock, cache, answer } = ownCache(10_000);
    cache.remember('u', answer(60_000, 120_000));
    clock.set(5_000);
    expect([cache.lookup('u'), cache.standIn('u', clock.now()), cache.recentAnswer('u', clock.now())]).toEqual([undefined, undefined, undefined]);
    const v = cache.remember('v', answer(60_000));
    expect([cache.holds('u'), cache.size, cache.lookup('v')]).toEqual([false, 1, v]);
  });

  it('stands in within the stale window after expiry, and a recent answer only within the fresh bound', () => {
    const { clock, cache, answer } = ownCache(1_000);
    const remembered = cache.remember('u', answer(100, 300));
    expect(cache.recentAnswer('u', clock.now())).toBe(remembered);
    clock.advance(100);
    expect([cache.lookup('u'), cache.recentAnswer('u', clock.now())]).toEqual([undefined, undefined]);
    expect(cache.standIn('u', clock.now())).toEqual({ subjectRef: 'u', allowed: true, source: 'stale', checkedAt: 40_000, mode: 'test' });
    clock.advance(199);
    expect(cache.standIn('u', clock.now())).toBeDefined();
    clock.advance(1);
    expect(cache.standIn('u', clock.now())).toBeUndefined();
  });

  it('grows past its first 16 slots keeping every decision\'s stale window and call start to its own slot', () => {
    const { clock, cache, answer } = ownCache(1_000, 100);
    const decisions = Array.from({ length: 40 }, (_, i) => {
      clock.advance(1);
      return cache.remember(`s${i}`, answer(1_000 + i, 2_000 + 2 * i));
    });
    expect(decisions.every((decision, i) => cache.recentAnswer(`s${i}`, clock.now()) === decision)).toBe(true);
    clock.advance(1_000 + 40);
    // Each stands in until its own stale window ends: stamped at 1,001 + i, standing in for 2,000 + 2i ms.
    decisions.forEach((_, i) => {
      expect(cache.standIn(`s${i}`, 1_001 + i + 2_000 + 2 * i - 1)).toBeDefined();
      expect(cache.standIn(`s${i}`, 1_001 + i + 2_000 + 2 * i)).toBeUndefined();
    });
  });

  it('counts its hits: fresh decisions served by lookup() and recentAnswer(), not misses or stale stand-ins', () => {
    const { clock, cache, answer } = ownCache(1_000);
    cache.remember('u', answer(100, 300));
    cache.lookup('u');
    cache.lookup('u');
    cache.lookup('nobody');
    cache.recentAnswer('u', clock.now());
    cache.recentAnswer('nobody', clock.now());
    clock.advance(100);
    cache.lookup('u');
    cache.recentAnswer('u', clock.now());
    expect(cache.standIn('u', clock.now())).toBeDefined();
    expect(cache.hits).toBe(3);
  });

  it('evicts exactly the least recently used subject under any sequence of answers, hits, deletes and clears', () => {
    const key = fc.integer({ min: 0, max: 5 });
    const op = fc.oneof(
      { arbitrary: fc.record({ kind: fc.constant('remember' as const), key }), weight: 4 },
      { arbitrary: fc.record({ kind: fc.constant('lookup' as const), key }), weight: 4 },
      { arbitrary: fc.record({ kind: fc.constant('delete' as const), key }), weight: 1 },
      { arbitrary: fc.record({ kind: fc.constant('clear' as const), key: fc.constant(0) }), weight: 1 },
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.array(op, { minLength: 5, maxLength: 60, size: 'medium' }), (max, ops) => {
        const { cache, answer } = ownCache(1_000, max);
        // The model: a Map in recency order (least recent first).
        const model = new Map<string, AccessDecision>();
        for (const { kind, key: k } of ops) {
          const subject = `s${k}`;
          if (kind === 'remember') {
            const decision = cache.remember(subject, answer(60_000));
            model.delete(subject);
            if (model.size >= max) model.delete(model.keys().next().value as string);
            model.set(subject, decision);
          } else if (kind === 'lookup') {
            const expected = model.get(subject);
            expect(cache.lookup(subject)).toBe(expected);
            if (expected !== undefined) {
              model.delete(subject);
              model.set(subject, expected);
            }
          } else if (kind === 'delete') {
            expect(cache.delete(subject)).toBe(model.delete(subject));
          } else {
            cache.clear();
            model.clear();
          }
          expect(cache.size).toBe(model.size);
        }
        // Every held decision is served, and nothing else is (read in recency order, which keeps the order).
        for (const [subject, decision] of [...model]) expect(cache.lookup(subject)).toBe(decision);
        for (let k = 0; k <= 5; k++) if (!model.has(`s${k}`)) expect(cache.holds(`s${k}`)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});
