// The upstream caller: open circuit fails fast before a slot, slots and a FIFO queue, the watchdog, the outage log.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LicenzyResponseError, LicenzyUnavailableError } from '../src/index.js';
import { createGateCounters } from '../src/gate-stats.js';
import { createUpstreamCaller, type UpstreamCallerDeps } from '../src/upstream-caller.js';
import { createClock, flush } from './fake-checker.js';

const outage = () => new LicenzyUnavailableError('status', 'Licenzy answered HTTP 503', { upstreamStatus: 503 });

function setup(overrides: Partial<UpstreamCallerDeps> = {}) {
  const clock = createClock();
  const counters = createGateCounters();
  const logger = { warn: vi.fn(), error: vi.fn() };
  const caller = createUpstreamCaller({
    mode: 'test', now: clock.now, logger, counters, circuitBreaker: undefined, maxConcurrent: 64, maxQueue: 1000, watchdogMs: 5_100, ...overrides,
  });
  /** A call the test settles by hand. */
  const held = () => {
    let settle!: { resolve: (value: string) => void; reject: (error: unknown) => void };
    const promise = caller.call('user_1', 'Test call', () => new Promise<string>((resolve, reject) => (settle = { resolve, reject })), (value) => value);
    return { promise, settle: () => settle };
  };
  return { clock, counters, logger, caller, held };
}

afterEach(() => void vi.useRealTimers());

describe('upstream caller: slots and queue', () => {
  it('runs at most maxConcurrent calls, queues the next ones in order, and sheds beyond maxQueue with 503 overloaded', async () => {
    const { caller, counters, held } = setup({ maxConcurrent: 1, maxQueue: 1 });
    const first = held();
    const second = held();
    await expect(caller.call('user_3', 'Test call', async () => 'x', (value) => value)).rejects.toMatchObject({ reason: 'overloaded', retryAfter: 1 });
    expect({ active: caller.active, queued: caller.queued, shed: counters.shed, upstreamCalls: counters.upstreamCalls }).toEqual({ active: 1, queued: 1, shed: 1, upstreamCalls: 1 });
    first.settle().resolve('one');
    await expect(first.promise).resolves.toBe('one');
    await flush();
    // The slot passed straight to the waiter.
    expect({ active: caller.active, queued: caller.queued, upstreamCalls: counters.upstreamCalls }).toEqual({ active: 1, queued: 0, upstreamCalls: 2 });
    second.settle().resolve('two');
    await expect(second.promise).resolves.toBe('two');
    expect(caller.active).toBe(0);
  });

  it('sheds a call that waited a whole watchdog period for a slot', async () => {
    vi.useFakeTimers();
    const { caller, counters, held } = setup({ maxConcurrent: 1, maxQueue: 10, watchdogMs: 500 });
    const first = held();
    const second = held();
    const third = held().promise;
    const refused = expect(third).rejects.toMatchObject({ reason: 'overloaded' });
    await vi.advanceTimersByTimeAsync(400);
    first.settle().resolve('one');
    await vi.advanceTimersByTimeAsync(100);
    // The second got the slot at 400 ms; the third has waited 500 ms for one.
    await refused;
    expect({ active: caller.active, queued: caller.queued, shed: counters.shed }).toEqual({ active: 1, queued: 0, shed: 1 });
    second.settle().resolve('two');
    await expect(second.promise).resolves.toBe('two');
  });
});

describe('upstream caller: watchdog and circuit', () => {
  it('gives up a call that never settles after watchdogMs, as a timeout outage', async () => {
    vi.useFakeTimers();
    const { caller } = setup({ watchdogMs: 300 });
    const hanging = caller.call('user_1', 'Access check', () => new Promise<never>(() => undefined), (value) => value);
    const refused = expect(hanging).rejects.toMatchObject({ reason: 'timeout', message: 'Access check did not settle within 300 ms' });
    await vi.advanceTimersByTimeAsync(300);
    await refused;
    expect(caller.active).toBe(0);
  });

  it('fails fast while the circuit is open, before a slot is taken or Licenzy called', async () => {
    const { caller, counters, clock } = setup({ circuitBreaker: { threshold: 2, cooldown: 1_000 } });
    for (const subject of ['a', 'b']) await caller.call(subject, 'Test call', () => Promise.reject(outage()), (v) => v).catch(() => undefined);
    expect(caller.circuit).toBe('open');
    const operation = vi.fn(async () => 'x');
    await expect(caller.call('c', 'Test call', operation, (v) => v)).rejects.toMatchObject({ reason: 'circuit_open' });
    expect({ called: operation.mock.calls.length, upstreamCalls: counters.upstreamCalls, active: caller.active }).toEqual({ called: 0, upstreamCalls: 2, active: 0 });
    clock.advance(1_000);
    await expect(caller.call('c', 'Test call', operation, (v) => v)).resolves.toBe('x');
    expect(caller.circuit).toBe('closed');
  });

  it('counts a malformed answer as Licenzy reached: it never opens the circuit', async () => {
    const { caller } = setup({ circuitBreaker: { threshold: 1, cooldown: 1_000 } });
    const malformed = () => {
      throw new LicenzyResponseError('bad');
    };
    await expect(caller.call('a', 'Test call', async () => 'x', malformed)).rejects.toBeInstanceOf(LicenzyResponseError);
    expect(caller.circuit).toBe('closed');
  });
});

describe('upstream caller: the outage log', () => {
  it('warns once when Licenzy becomes unavailable and once when it is back, with what the outage cost', async () => {
    const { caller, logger, clock } = setup();
    for (let i = 0; i < 3; i++) await caller.call('a', 'Test call', () => Promise.reject(outage()), (v) => v).catch(() => undefined);
    caller.refusedDuringOutage();
    caller.refusedDuringOutage();
    caller.servedStaleDuringOutage();
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(logger.warn).toHaveBeenLastCalledWith('Licenzy unavailable: checks the cache cannot answer are refused with 503', { mode: 'test', reason: 'status', upstreamStatus: 503 });
    clock.advance(4_000);
    await caller.call('a', 'Test call', async () => 'x', (v) => v);
    await caller.call('a', 'Test call', async () => 'x', (v) => v);
    expect(logger.warn).toHaveBeenCalledTimes(2);
    expect(logger.warn).toHaveBeenLastCalledWith('Licenzy available again', { mode: 'test', downForMs: 4_000, refused: 2, servedStale: 1 });
  });

  it('counts nothing outside an outage, and a logger that throws never breaks the call', async () => {
    const { caller, logger } = setup();
    caller.refusedDuringOutage();
    logger.warn.mockImplementation(() => {
      throw new Error('logger down');
    });
    await expect(caller.call('a', 'Test call', () => Promise.reject(outage()), (v) => v)).rejects.toMatchObject({ reason: 'status' });
    logger.warn.mockReset();
    await caller.call('a', 'Test call', async () => 'x', (v) => v);
    expect(logger.warn).toHaveBeenCalledWith('Licenzy available again', expect.objectContaining({ refused: 0 }));
  });
});
