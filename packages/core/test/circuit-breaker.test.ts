import { describe, expect, it } from 'vitest';
import { createCircuitBreaker } from '../src/circuit-breaker.js';
import { createClock } from './fake-checker.js';

describe('createCircuitBreaker', () => {
  it('stays closed below the threshold and resets on success', () => {
    const clock = createClock();
    const breaker = createCircuitBreaker(3, 1_000, clock.now);
    breaker.failure();
    breaker.failure();
    breaker.success();
    breaker.failure();
    breaker.failure();
    expect(breaker.state).toBe('closed');
    expect(breaker.blockedFor()).toBeUndefined();
  });

  it('opens at the threshold, half-opens after the cooldown for one probe, reopens if it fails', () => {
    const clock = createClock();
    const breaker = createCircuitBreaker(2, 1_000, clock.now);
    breaker.failure();
    breaker.failure();
    expect(breaker.state).toBe('open');
    expect(breaker.blockedFor()).toBe(1_000);
    clock.advance(400);
    expect(breaker.blockedFor()).toBe(600);
    clock.advance(600);
    expect(breaker.state).toBe('half-open');
    expect(breaker.blockedFor()).toBeUndefined(); // the probe
    expect(breaker.blockedFor()).toBe(1_000); // others wait for it
    breaker.failure();
    expect(breaker.state).toBe('open');
    clock.advance(1_000);
    expect(breaker.blockedFor()).toBeUndefined();
    breaker.success();
    expect(breaker.state).toBe('closed');
  });
});
