// The decision cache's stamp columns (decision-stamps.ts, issue 25): exact for ordinary TTLs, never late otherwise.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecisionStamps, float32AtMost, requestStartedAt, requestedAgo } from '../src/decision-stamps.js';

describe('DecisionStamps', () => {
  it('keeps the stale window and how long before expiry the call started, rounded so never late and never fresher', () => {
    const stamps = new DecisionStamps(4);
    stamps.write(2, 30_000, 40_000, 31_000, 990);
    expect(stamps.staleWindow(2)).toBe(10_000);
    expect(requestStartedAt(31_000, stamps.requestedBefore(2))).toBe(990);
    // A call that started at 989.75: kept as 30,011 whole ms before expiry (older, never fresher).
    stamps.write(2, 30_000, 40_000, 31_000, 989.75);
    expect(requestStartedAt(31_000, stamps.requestedBefore(2))).toBe(989);
    // Never fresh: a shared-tier fill (-Infinity), or a start after the expiry.
    stamps.write(1, 100, 100, 200, -Infinity);
    stamps.write(3, 100, 100, 200, 201);
    expect([requestStartedAt(200, stamps.requestedBefore(1)), requestStartedAt(200, stamps.requestedBefore(3))]).toEqual([-Infinity, -Infinity]);
  });

  it('keeps each slot to itself: rewriting a slot replaces its stamps, and growing keeps the others', () => {
    const stamps = new DecisionStamps(2);
    stamps.write(0, 60_000, 90_000, 60_000, 0);
    stamps.write(1, 1_000, 1_500, 1_000, 0);
    stamps.grow(8);
    expect(stamps.capacity).toBe(8);
    stamps.write(7, 100, 200, 600, 500);
    // A slot reused for a shorter stale window does not keep the longer one it held before.
    stamps.write(0, 5, 5, 5, 0);
    expect([stamps.staleWindow(0), stamps.staleWindow(1), stamps.staleWindow(7)]).toEqual([0, 500, 100]);
    expect([requestStartedAt(1_000, stamps.requestedBefore(1)), requestStartedAt(600, stamps.requestedBefore(7))]).toEqual([0, 500]);
  });

  it('never stands in past the window it was given, and never makes a call look fresher than it was, whatever the spans', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1e12, noNaN: true }),
        fc.double({ min: 0, max: 1e12, noNaN: true }),
        fc.double({ min: 0, max: 1e12, noNaN: true }),
        fc.double({ min: 0, max: 1e9, noNaN: true }),
        (lifetime, staleFor, until, ago) => {
          const stamps = new DecisionStamps(1);
          stamps.write(0, lifetime, lifetime + staleFor, until, until - ago);
          expect(stamps.staleWindow(0)).toBeLessThanOrEqual(lifetime + staleFor - lifetime);
          expect(requestStartedAt(until, stamps.requestedBefore(0))).toBeLessThanOrEqual(until - ago);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('keeps whole-ms stale windows up to 2^24 ms (4.6 h) exactly', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 24 }), (staleFor) => {
        const stamps = new DecisionStamps(1);
        stamps.write(0, 30_000, 30_000 + staleFor, 1_000_000, 0);
        expect(stamps.staleWindow(0)).toBe(staleFor);
      }),
      { numRuns: 300 },
    );
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
