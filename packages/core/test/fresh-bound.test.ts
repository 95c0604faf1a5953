// The freshInterval rule, written once.
import { describe, expect, it } from 'vitest';
import { createFreshBound } from '../src/fresh-bound.js';

describe('createFreshBound', () => {
  it('an answer requested less than freshInterval ago is fresh enough; at the bound it is not', () => {
    const freshEnough = createFreshBound(1_000);
    expect([freshEnough(5_000, 5_999), freshEnough(5_000, 6_000)]).toEqual([true, false]);
  });

  it('a shared-tier fill (-Infinity) never is, and freshInterval 0 turns the bound off', () => {
    expect(createFreshBound(1_000)(-Infinity, 0)).toBe(false);
    expect(createFreshBound(0)(5_000, 5_000)).toBe(false);
  });
});
