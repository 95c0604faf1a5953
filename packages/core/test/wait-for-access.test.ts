// gate.waitForAccess(): backoff, per-subject coalescing, the freshInterval bound, wake-ups, timeout — on fake timers.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LicenzyAbortError, LicenzyAuthError, LicenzyUnavailableError, LicenzyWaitTimeoutError, createAccessGate, type AccessCheckResult, type AccessChecker, type SharedTier } from '../src/index.js';
import { type SharedEvent } from '../src/adapter.js';

/** A checker answering from a set of paid subjects, on the next microtask; scripted failures first. */
function createScriptedChecker() {
  const paid = new Set<string>();
  const failures: unknown[] = [];
  const calls: Array<{ subjectRef: string; at: number }> = [];
  const checker: AccessChecker = {
    mode: 'test',
    async checkAccess(subjectRef): Promise<AccessCheckResult> {
      calls.push({ subjectRef, at: Date.now() });
      const failure = failures.shift();
      if (failure !== undefined) throw failure;
      return { subjectRef, allowed: paid.has(subjectRef) };
    },
  };
  return { checker, paid, failures, calls };
}

function setup(options: Parameters<typeof createAccessGate>[0] = {}) {
  const fake = createScriptedChecker();
  // The gate's clock follows the fake timers, so freshInterval and TTLs move with them.
  const gate = createAccessGate({
    client: fake.checker,
    now: () => Date.now(),
    random: () => 0.999_999,
    circuitBreaker: false,
    cache: { errorTtl: 0 },
    logger: { warn: () => undefined, error: () => undefined },
    ...options,
  });
  return { fake, gate };
}

beforeEach(() => {
  vi.useFakeTimers({ now: 1_700_000_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('gate.waitForAccess', () => {
  it('resolves with the first allowed decision, checking with a backoff of 250 ms doubling to 2 s', async () => {
    const { fake, gate } = setup({ freshInterval: 0 });
    const start = Date.now();
    const waiting = gate.waitForAccess('buyer', { timeout: 60_000 });
    await vi.advanceTimersByTimeAsync(0);
    await vi.advanceTimersByTimeAsync(250 + 500 + 1_000 + 2_000 + 2_000);
    // random() just under 1: each pause just under its full length (timers fire on whole ms).
    expect(fake.calls.map((c) => Math.round((c.at - start) / 50) * 50)).toEqual([0, 250, 750, 1_750, 3_750, 5_750]);
    fake.paid.add('buyer');
    await vi.advanceTimersByTimeAsync(2_000);
    await expect(waiting).resolves.toMatchObject({ subjectRef: 'buyer', allowed: true, source: 'licenzy' });
    const calls = fake.calls.length;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(fake.calls).toHaveLength(calls); // the loop stopped
  });

  it('jitters each pause between half and all of it', async () => {
    const { fake, gate } = setup({ freshInterval: 0, random: () => 0 });
    const start = Date.now();
    void gate.waitForAccess('buyer', { timeout: 2_000 }).catch(() => undefined);
    await vi.advanceTimersByTimeAsync(125 + 250 + 500);
    expect(fake.calls.map((c) => c.at - start)).toEqual([0, 125, 375, 875]);
  });

  it('runs one loop per subject however many callers wait', async () => {
    const { fake, gate } = setup({ freshInterval: 0 });
    const tabs = Array.from({ length: 20 }, () => gate.waitForAccess('buyer', { timeout: 60_000 }));
    await vi.advanceTimersByTimeAsync(250 + 500);
    expect(fake.calls).toHaveLength(3);
    fake.paid.add('buyer');
    await vi.advanceTimersByTimeAsync(1_000);
    const decisions = await Promise.all(tabs);
    expect(new Set(decisions).size).toBe(1);
    expect(fake.calls).toHaveLength(4);
  });

  it("stays within the gate's freshInterval: no more than one Licenzy call per interval", async () => {
    const { fake, gate } = setup({ freshInterval: 1_000 });
    void gate.waitForAccess('buyer', { timeout: 4_000 }).catch(() => undefined);
    await vi.advanceTimersByTimeAsync(4_000);
    const times = fake.calls.map((c) => c.at);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(1_000);
  });

  it('is woken by an invalidation of the subject (e.g. the webhook receiver): checks as soon as freshInterval allows, long before its backoff', async () => {
    const { fake, gate } = setup({ freshInterval: 1_000 });
    const start = Date.now();
    const waiting = gate.waitForAccess('buyer', { timeout: 60_000 });
    // Checks at 0, 1 000, 2 000, 3 000 (pauses floored at freshInterval); the backoff's next is at 5 000.
    await vi.advanceTimersByTimeAsync(3_100);
    expect(fake.calls.map((c) => c.at - start)).toEqual([0, 1_000, 2_000, 3_000]);
    fake.paid.add('buyer');
    gate.invalidate('buyer', { reason: 'webhook' });
    await vi.advanceTimersByTimeAsync(899);
    expect(fake.calls).toHaveLength(4); // a wake-up never skips freshInterval
    await vi.advanceTimersByTimeAsync(1);
    await expect(waiting).resolves.toMatchObject({ allowed: true });
    expect(fake.calls.map((c) => c.at - start)).toEqual([0, 1_000, 2_000, 3_000, 4_000]);
  });

  it("is woken by another instance's invalidation through the shared tier, as soon as freshInterval allows", async () => {
    let deliver: (event: SharedEvent) => void = () => undefined;
    const shared: SharedTier = {
      bind: () => ({
        read: async () => ({ entry: undefined, token: 't' }),
        write: async () => true,
        invalidate: async () => undefined,
        clear: async () => undefined,
        subscribe: (listener) => {
          deliver = listener;
          return () => undefined;
        },
      }),
      close: async () => undefined,
    };
    const { fake, gate } = setup({ freshInterval: 1_000, shared, apiKey: 'lz_test_waitforaccess_shared_key' });
    const start = Date.now();
    const waiting = gate.waitForAccess('buyer', { timeout: 60_000 });
    await vi.advanceTimersByTimeAsync(3_100);
    fake.paid.add('buyer');
    deliver({ type: 'invalidate', subjectRef: 'buyer' });
    await vi.advanceTimersByTimeAsync(900);
    await expect(waiting).resolves.toMatchObject({ allowed: true });
    expect(fake.calls.at(-1)!.at - start).toBe(4_000);
  });

  it.each([1_000, 300, 0])('wake-ups at any pace never make more than one check per freshInterval (%i ms; at least 125 ms apart) (issue 23, item 6)', async (freshInterval) => {
    const { fake, gate } = setup({ freshInterval });
    void gate.waitForAccess('buyer', { timeout: 10_000 }).catch(() => undefined);
    // An invalidation every 5 ms for 10 s (a replayed message, a ping-pong with another instance, a webhook storm).
    for (let t = 0; t < 10_000; t += 5) {
      gate.invalidate('buyer');
      await vi.advanceTimersByTimeAsync(5);
    }
    const gap = Math.max(freshInterval, 125);
    const times = fake.calls.map((c) => c.at);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(gap);
    expect(times.length).toBeLessThanOrEqual(Math.ceil(10_000 / gap) + 1);
  });

  it('is not woken by the invalidation of another subject', async () => {
    const { fake, gate } = setup({ freshInterval: 0 });
    void gate.waitForAccess('buyer', { timeout: 60_000 }).catch(() => undefined);
    await vi.advanceTimersByTimeAsync(0);
    gate.invalidate('someone_else');
    await vi.advanceTimersByTimeAsync(100);
    expect(fake.calls).toHaveLength(1);
  });

  it('answers at once from a cached grant', async () => {
    const { fake, gate } = setup();
    fake.paid.add('buyer');
    await gate.check('buyer');
    await expect(gate.waitForAccess('buyer')).resolves.toMatchObject({ allowed: true, source: 'cache' });
    expect(fake.calls).toHaveLength(1);
  });

  it('checks again rather than trust a cached denial (it may predate the payment)', async () => {
    const { fake, gate } = setup({ freshInterval: 0 });
    await gate.check('buyer');
    fake.paid.add('buyer');
    await expect(gate.waitForAccess('buyer')).resolves.toMatchObject({ allowed: true, source: 'licenzy' });
  });

  it('rejects with a typed timeout error, carrying the last failure as its cause', async () => {
    const { fake, gate } = setup({ freshInterval: 0 });
    const down = new LicenzyUnavailableError('status', 'down', { upstreamStatus: 503 });
    fake.failures.push(down, down, down, down, down, down, down, down);
    const waiting = gate.waitForAccess('buyer', { timeout: 3_000 });
    const outcome = expect(waiting).rejects.toSatisfy((error: unknown) => error instanceof LicenzyWaitTimeoutError && error.cause === down && error.waitedMs === 3_000);
    await vi.advanceTimersByTimeAsync(3_000);
    await outcome;
    // Denied all along (no failure): no cause.
    fake.failures.length = 0;
    const denied = gate.waitForAccess('nobody', { timeout: 1_000 });
    const plain = expect(denied).rejects.toSatisfy((error: unknown) => error instanceof LicenzyWaitTimeoutError && error.cause === undefined);
    await vi.advanceTimersByTimeAsync(1_000);
    await plain;
  });

  it('rejects at once on an error no retry can fix (a rejected key)', async () => {
    const { fake, gate } = setup({ freshInterval: 0 });
    fake.failures.push(new LicenzyAuthError(401, 'invalid_api_key'));
    const waiting = gate.waitForAccess('buyer', { timeout: 60_000 });
    const outcome = expect(waiting).rejects.toBeInstanceOf(LicenzyAuthError);
    await vi.advanceTimersByTimeAsync(0);
    await outcome;
  });

  it('stops waiting on abort while other waiters go on', async () => {
    const { fake, gate } = setup({ freshInterval: 0 });
    const controller = new AbortController();
    const leaving = gate.waitForAccess('buyer', { signal: controller.signal });
    const staying = gate.waitForAccess('buyer', { timeout: 60_000 });
    const left = expect(leaving).rejects.toBeInstanceOf(LicenzyAbortError);
    await vi.advanceTimersByTimeAsync(100);
    controller.abort();
    await left;
    fake.paid.add('buyer');
    await vi.advanceTimersByTimeAsync(2_000);
    await expect(staying).resolves.toMatchObject({ allowed: true });
  });

  it('validates its arguments', async () => {
    const { gate } = setup();
    await expect(gate.waitForAccess('', {})).rejects.toMatchObject({ code: 'ERR_LICENZY_SUBJECT_INVALID' });
    await expect(gate.waitForAccess('buyer', { timeout: -1 })).rejects.toMatchObject({ code: 'ERR_LICENZY_CONFIG', option: 'timeout' });
  });
});
