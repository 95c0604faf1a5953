import { afterEach, describe, expect, it, vi } from 'vitest';
import { COARSE_CLOCK_PERIOD, coarseNow, forgetCoarseReading } from '../src/clock.js';

afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
});

describe('coarseNow', () => {
  it('reuses one performance.now() reading within a period and reads again once its timer fired', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    forgetCoarseReading(); // no reading taken on the real clock may survive into the fake one
    let mono = 1_000;
    vi.spyOn(performance, 'now').mockImplementation(() => mono);
    const first = coarseNow();
    expect(first).toBe(1_000);
    mono += 50;
    expect(coarseNow()).toBe(first); // same reading until the timer clears it
    vi.advanceTimersByTime(COARSE_CLOCK_PERIOD - 1);
    expect(coarseNow()).toBe(first); // not yet: the timer fires once per period, not every millisecond
    vi.advanceTimersByTime(1);
    expect(coarseNow()).toBe(1_050);
  });

  it('keeps one timer while read in every period, a fresh reading after each expiry, and stops when idle', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    forgetCoarseReading();
    let mono = 5_000;
    vi.spyOn(performance, 'now').mockImplementation(() => mono);
    for (let i = 0; i < 5; i++) {
      expect(coarseNow()).toBe(mono);
      expect(vi.getTimerCount()).toBe(1);
      mono += 1;
      expect(coarseNow()).toBe(mono - 1); // still the cached reading
      vi.advanceTimersByTime(COARSE_CLOCK_PERIOD);
      expect(vi.getTimerCount()).toBe(1); // read in the last period: the timer re-armed itself
    }
    vi.advanceTimersByTime(COARSE_CLOCK_PERIOD); // a period without a read
    expect(vi.getTimerCount()).toBe(0); // an idle process is not woken
    mono += 7;
    expect(coarseNow()).toBe(mono); // the next read starts it again
    expect(vi.getTimerCount()).toBe(1);
  });

  it('while in use, the timer takes the next reading, so no read on the request path calls performance.now()', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    forgetCoarseReading();
    let mono = 2_000;
    const reads = vi.spyOn(performance, 'now').mockImplementation(() => mono);
    expect(coarseNow()).toBe(2_000); // the first read, idle before: reads the clock itself
    expect(reads).toHaveBeenCalledTimes(1);
    for (let i = 1; i <= 3; i++) {
      mono += COARSE_CLOCK_PERIOD;
      vi.advanceTimersByTime(COARSE_CLOCK_PERIOD); // the timer fires: read in the last period, so it reads the clock for the next
      expect(reads).toHaveBeenCalledTimes(1 + i);
      expect(coarseNow()).toBe(mono); // already current: no call of its own
      expect(coarseNow()).toBe(mono);
      expect(reads).toHaveBeenCalledTimes(1 + i);
    }
    vi.advanceTimersByTime(COARSE_CLOCK_PERIOD); // read in the last period: one more reading, taken by the timer
    vi.advanceTimersByTime(COARSE_CLOCK_PERIOD); // not read since: the reading is dropped and the timer stops
    expect(vi.getTimerCount()).toBe(0);
    const before = reads.mock.calls.length;
    mono += 100;
    expect(coarseNow()).toBe(mono); // never a reading older than the idle gap
    expect(reads).toHaveBeenCalledTimes(before + 1);
  });

  it('regression: does not follow the wall clock when it steps (NTP, a manual change)', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now: 1_700_000_000_000 });
    forgetCoarseReading();
    const before = coarseNow();
    vi.setSystemTime(1_700_000_000_000 - 3_600_000); // the wall clock steps back an hour
    vi.advanceTimersByTime(COARSE_CLOCK_PERIOD);
    const after = coarseNow();
    expect(after).toBeGreaterThanOrEqual(before);
    expect(after - before).toBeLessThan(1_000);
  });
});

describe('coarseNow where setTimeout returns a number (workerd, Deno, browsers)', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    forgetCoarseReading();
  });

  it('regression (issue 21): keeps moving on every read instead of stopping, and leaves no timer behind', () => {
    const cleared: unknown[] = [];
    let armed = 0;
    vi.stubGlobal('setTimeout', () => ++armed); // a numeric handle: no refresh(), no unref()
    vi.stubGlobal('clearTimeout', (id: unknown) => void cleared.push(id));
    forgetCoarseReading();
    let mono = 10_000;
    vi.spyOn(performance, 'now').mockImplementation(() => mono);
    expect(coarseNow()).toBe(10_000);
    mono += 5;
    expect(coarseNow()).toBe(10_005); // a numeric timer cannot be re-armed: no cached reading to go stale
    mono += 60_000;
    expect(coarseNow()).toBe(70_005); // a TTL measured on it expires
    expect(armed).toBe(1); // detected once, not a timer per read
    expect(cleared).toEqual([1]);
  });

  it('returns to the coarse reading once forgotten under Node timers again', () => {
    vi.stubGlobal('setTimeout', () => 7);
    vi.stubGlobal('clearTimeout', () => undefined);
    forgetCoarseReading();
    coarseNow();
    vi.unstubAllGlobals();
    forgetCoarseReading();
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let mono = 1;
    vi.spyOn(performance, 'now').mockImplementation(() => mono);
    expect(coarseNow()).toBe(1);
    mono = 2;
    expect(coarseNow()).toBe(1); // coarse again
  });
});
