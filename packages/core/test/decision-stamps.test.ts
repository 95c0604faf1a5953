// The decision cache's stamp columns (decision-stamps.ts, issue 25): exact for ordinary TTLs, never late otherwise.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecisionStamps, float32AtMost, requestStartedAt, requestedAgo } from '../src/decision-stamps.js';

describe('DecisionStamps', () => {
  it('serves within the lifetime, stands in within the stale window, and trusts no stamp after "now"', () => {
    const stamps = new DecisionStamps(4);
    stamps.write(2, 1_000.25, 30_000, 40_000, 990);
    expect([stamps.servesAt(2, 1_000.25), stamps.servesAt(2, 31_000.2), stamps.servesAt(2, 31_000.25)]).toEqual([true, true, false]);
    expect([stamps.standsInAt(2, 31_000.25), stamps.standsInAt(2, 41_000.2), stamps.standsInAt(2, 41_000.25)]).toEqual([true, true, false]);
    // A clock stepped back before the stamp: neither a hit nor a stand-in.
    expect([stamps.servesAt(2, 1_000.2), stamps.standsInAt(2, 1_000.2)]).toEqual([false, false]);
    // The call started 10.25 ms before the stamp: kept as 11 whole ms (older, never fresher).
    expect(stamps.requestStartedAt(2)).toBe(989.25);
  });

  it('keeps each slot to itself: rewriting a slot replaces its stamps, and growing keeps the others', () => {
    const stamps = new DecisionStamps(2);
    stamps.write(0, 0, 60_000, 60_000, 0);
    stamps.write(1, 0, 1_000, 1_000, 0);
    stamps.grow(8);
    expect(stamps.capacity).toBe(8);
    stamps.write(7, 500, 100, 200, -Infinity);
    // A slot reused for a shorter-lived decision does not keep the longer lifetime it held before.
    stamps.write(0, 0, 5, 5, 0);
    expect([stamps.servesAt(0, 5), stamps.servesAt(1, 999), stamps.servesAt(1, 1_000), stamps.servesAt(7, 599), stamps.standsInAt(7, 699)]).toEqual([false, true, false, true, true]);
    expect([stamps.requestStartedAt(1), stamps.requestStartedAt(7)]).toEqual([0, -Infinity]);
  });

  it('expires exactly when the lifetime ends for whole ms up to 2^24 (4.6 h), whole seconds up to 37 h, minutes up to 6 days, hours up to 24 days', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.integer({ min: 0, max: 2 ** 24 }),
          fc.integer({ min: 0, max: 134_217 }).map((s) => s * 1_000),
          fc.integer({ min: 0, max: 8_947 }).map((m) => m * 60_000),
          fc.integer({ min: 0, max: 596 }).map((h) => h * 3_600_000),
        ),
        fc.double({ min: 0, max: 1e9, noNaN: true }),
        (lifetime, stampedAt) => {
          const stamps = new DecisionStamps(1);
          stamps.write(0, stampedAt, lifetime, lifetime, stampedAt);
          const expiresAt = stampedAt + lifetime;
          expect(stamps.servesAt(0, expiresAt)).toBe(false);
          // The last instant before expiry that differs from it (as the gate's clock could read it).
          const before = expiresAt - Math.max(Number.EPSILON * expiresAt, 1e-9);
          if (before >= stampedAt) expect(stamps.servesAt(0, before)).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('never serves or stands in past the lifetime it was given, whatever the lifetime (at most one float32 step early)', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1e12, noNaN: true }), fc.double({ min: 0, max: 1e12, noNaN: true }), (lifetime, staleFor) => {
        const stamps = new DecisionStamps(1);
        stamps.write(0, 1_000, lifetime, lifetime + staleFor, 1_000);
        expect(stamps.servesAt(0, 1_000 + lifetime)).toBe(false);
        expect(stamps.standsInAt(0, 1_000 + lifetime + staleFor)).toBe(false);
        // Early by at most one float32 step (2^-23 of the value).
        const early = 1_000 + lifetime * (1 - 2 ** -22);
        if (lifetime > 1 && early > 1_000) expect(stamps.servesAt(0, early)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('counts a call that started more than 2^24 ms (4.6 h) before the stamp as never fresh, not as fresher', () => {
    const stamps = new DecisionStamps(1);
    stamps.write(0, 2 ** 25, 1_000, 1_000, 2 ** 25 - 2 ** 24 - 1);
    expect(stamps.requestStartedAt(0)).toBe(-Infinity);
    stamps.write(0, 2 ** 25, 1_000, 1_000, 2 ** 25 - 2 ** 24);
    expect(stamps.requestStartedAt(0)).toBe(2 ** 24);
  });
});

describe('float32AtMost', () => {
  it('is the largest float32 not above its argument', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true }), (x) => {
        const f = float32AtMost(x);
        expect(f).toBeLessThanOrEqual(x);
        expect(Math.fround(f)).toBe(f);
        // The next float32 up is above x (or x is beyond the largest float32).
        const next = new Float32Array([f]);
        const bits = new Uint32Array(next.buffer);
        if (f > 0) bits[0] = (bits[0] as number) + 1;
        else if (f < 0) bits[0] = (bits[0] as number) - 1;
        else next[0] = 1.401298464324817e-45;
        if (Number.isFinite(next[0] as number) && f !== -Infinity) expect(next[0]).toBeGreaterThan(x);
      }),
      { numRuns: 2_000 },
    );
    // fround(0.1) is above 0.1, so the float32 below it; fround(-0.1) is below -0.1 already.
    expect([float32AtMost(0), float32AtMost(16_777_217), float32AtMost(0.1), float32AtMost(-0.1)]).toEqual([0, 16_777_216, 0.09999999403953552, Math.fround(-0.1)]);
    expect(Number.isNaN(float32AtMost(Number.NaN))).toBe(true);
  });
});

describe('requestedAgo', () => {
  it('rounds up to whole ms (older, never fresher) and marks a start 1 ms or more after the stamp, or -Infinity, as never fresh', () => {
    expect([requestedAgo(100, 99.5), requestedAgo(100, 100), requestedAgo(100, 101), requestedAgo(100, -Infinity), requestedAgo(100, Number.NaN)]).toEqual([1, 0, -1, -1, -1]);
    // Less than 1 ms after the stamp rounds to the stamp itself (still no fresher than the call).
    expect(requestedAgo(100, 100.5) === 0).toBe(true);
    expect([requestStartedAt(100, 1), requestStartedAt(100, -1)]).toEqual([99, -Infinity]);
  });
});
