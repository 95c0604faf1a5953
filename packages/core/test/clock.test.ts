import { afterEach, describe, expect, it, vi } from 'vitest';
import { coarseNow } from '../src/clock.js';

afterEach(() => vi.useRealTimers());

describe('coarseNow', () => {
  it('reuses one Date.now() reading within a tick and reads again once its 1 ms timer fired', () => {
    vi.useFakeTimers({ now: 1_000 });
    vi.advanceTimersByTime(5); // let any reading left from an earlier test expire
    const first = coarseNow();
    vi.setSystemTime(first + 50);
    expect(coarseNow()).toBe(first); // same reading until the timer clears it
    vi.advanceTimersByTime(1);
    expect(coarseNow()).toBe(first + 51);
  });
});
