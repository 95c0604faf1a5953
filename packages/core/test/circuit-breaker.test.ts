import { describe, expect, it } from 'vitest';
import { createCircuitBreaker, type CircuitState } from '../src/circuit-breaker.js';
import { createClock } from './fake-checker.js';

describe('createCircuitBreaker', () => {
  it('stays closed below the threshold of distinct subjects and resets on success', () => {
    const clock = createClock();
    const breaker = createCircuitBreaker(3, 1_000, clock.now);
    breaker.failure('a');
    breaker.failure('b');
    breaker.success();
    breaker.failure('a');
    breaker.failure('b');
    expect(breaker.state).toBe('closed');
    expect(breaker.blockedFor()).toBeUndefined();
  });

  it('issue 25: with a lag, the open circuit and the probe lease are judged at the reading plus it (never longer than cooldown)', () => {
    const clock = createClock(0);
    const breaker = createCircuitBreaker({ threshold: 1, cooldown: 1_000, now: clock.now, lag: 10 });
    breaker.failure('a');
    clock.advance(989);
    expect(breaker.state).toBe('open');
    expect(breaker.blockedFor()).toBe(1);
    clock.advance(1); // a reading of 990 may stand for a real 1,000: the cool-down may be over
    expect(breaker.state).toBe('half-open');
    expect(breaker.blockedFor()).toBeUndefined(); // the probe, leased from the reading 990 for 1,000
    clock.advance(989);
    expect(breaker.blockedFor()).toBe(1); // others still wait for it
    clock.advance(1);
    expect(breaker.blockedFor()).toBeUndefined(); // the lease is over: a second probe
    // The same breaker without a lag fails fast until the reading itself reaches the end.
    const plain = createCircuitBreaker({ threshold: 1, cooldown: 1_000, now: clock.now });
    plain.failure('a');
    clock.advance(990);
    expect(plain.blockedFor()).toBe(10);
  });

  it('opens at the threshold, half-opens after the cooldown for one probe, reopens if it fails', () => {
    const clock = createClock();
    const breaker = createCircuitBreaker(2, 1_000, clock.now);
    breaker.failure('a');
    breaker.failure('b');
    expect(breaker.state).toBe('open');
    expect(breaker.blockedFor()).toBe(1_000);
    clock.advance(400);
    expect(breaker.blockedFor()).toBe(600);
    clock.advance(600);
    expect(breaker.state).toBe('half-open');
    expect(breaker.blockedFor()).toBeUndefined(); // the probe
    expect(breaker.blockedFor()).toBe(1_000); // others wait for it
    breaker.failure('a');
    expect(breaker.state).toBe('open');
    clock.advance(1_000);
    expect(breaker.blockedFor()).toBeUndefined();
    breaker.success();
    expect(breaker.state).toBe('closed');
  });

  it('regression: one subject failing again and again never opens the circuit for everyone', () => {
    const clock = createClock();
    const breaker = createCircuitBreaker(5, 1_000, clock.now);
    for (let i = 0; i < 100; i++) breaker.failure('flooder');
    expect(breaker.state).toBe('closed');
    expect(breaker.blockedFor()).toBeUndefined();
    for (const subject of ['b', 'c', 'd']) breaker.failure(subject);
    expect(breaker.state).toBe('closed');
    breaker.failure('e'); // the fifth distinct subject: Licenzy itself looks down
    expect(breaker.state).toBe('open');
  });

  it('regression: a probe that never reports frees the probe slot after one cooldown instead of for ever', () => {
    const clock = createClock();
    const breaker = createCircuitBreaker(1, 1_000, clock.now);
    breaker.failure('a');
    clock.advance(1_000);
    expect(breaker.blockedFor()).toBeUndefined(); // the probe goes out … and never settles
    clock.advance(999);
    expect(breaker.blockedFor()).toBe(1);
    clock.advance(1);
    expect(breaker.blockedFor()).toBeUndefined(); // a new probe may go
  });

  it('reports each transition once', () => {
    const clock = createClock();
    const transitions: string[] = [];
    const breaker = createCircuitBreaker(1, 1_000, clock.now, (from: CircuitState, to: CircuitState) => transitions.push(`${from}->${to}`));
    breaker.failure('a');
    breaker.failure('a');
    clock.advance(1_000);
    breaker.blockedFor();
    breaker.success();
    breaker.success();
    expect(transitions).toEqual(['closed->open', 'open->half-open', 'half-open->closed']);
  });

  it('without a key counts every failure (the Redis tier: consecutive failures), and a success resets the count', () => {
    const clock = createClock();
    const breaker = createCircuitBreaker({ threshold: 3, cooldown: 1_000, now: clock.now });
    breaker.failure();
    breaker.failure();
    breaker.success();
    breaker.failure();
    breaker.failure();
    expect(breaker.state).toBe('closed');
    breaker.failure();
    expect(breaker.state).toBe('open');
    expect(breaker.blockedFor()).toBe(1_000);
  });

  it('a probe lease longer than the cooldown keeps a second probe out while the first is still waiting', () => {
    const clock = createClock();
    const breaker = createCircuitBreaker({ threshold: 1, cooldown: 50, now: clock.now, probeLease: 200 });
    breaker.failure();
    clock.advance(50);
    expect(breaker.blockedFor()).toBeUndefined(); // the probe
    clock.advance(100);
    expect(breaker.blockedFor()).toBe(100); // past the cooldown, still its slot
    breaker.failure(); // the probe failed: another cooldown
    expect(breaker.blockedFor()).toBe(50);
  });
});
