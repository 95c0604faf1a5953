import { afterEach, describe, expect, it, vi } from 'vitest';
import { coarseNow, forgetCoarseReading } from '../src/clock.js';

afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
});

describe('coarseNow', () => {
  it('reuses one performance.now() reading within a tick and reads again once its 1 ms timer fired', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    forgetCoarseReading(); // no reading taken on the real clock may survive into the fake one
    let mono = 1_000;
    vi.spyOn(performance, 'now').mockImplementation(() => mono);
    const first = coarseNow();
    expect(first).toBe(1_000);
    mono += 50;
    expect(coarseNow()).toBe(first); // same reading until the timer clears it
    vi.advanceTimersByTime(1);
    expect(coarseNow()).toBe(1_050);
  });

  it('keeps one timer while read every millisecond, a fresh reading after each expiry, and stops when idle', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    forgetCoarseReading();
    let mono = 5_000;
    vi.spyOn(performance, 'now').mockImplementation(() => mono);
    for (let i = 0; i < 5; i++) {
      expect(coarseNow()).toBe(mono);
      expect(vi.getTimerCount()).toBe(1);
      mono += 1;
      expect(coarseNow()).toBe(mono - 1); // still the cached reading
      vi.advanceTimersByTime(1);
      expect(vi.getTimerCount()).toBe(1); // read in the last millisecond: the timer re-armed itself
    }
    vi.advanceTimersByTime(1); // a millisecond without a read
    expect(vi.getTimerCount()).toBe(0); // an idle process is not woken
    mono += 7;
    expect(coarseNow()).toBe(mono); // the next read starts it again
    expect(vi.getTimerCount()).toBe(1);
  });

  it('regression: does not follow the wall clock when it steps (NTP, a manual change)', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now: 1_700_000_000_000 });
    forgetCoarseReading();
    const before = coarseNow();
    vi.setSystemTime(1_700_000_000_000 - 3_600_000); // the wall clock steps back an hour
    vi.advanceTimersByTime(1);
    const after = coarseNow();
    expect(after).toBeGreaterThanOrEqual(before);
    expect(after - before).toBeLessThan(1_000);
  });
});
