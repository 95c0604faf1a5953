// gate.consumeUsage() (usage-consume.ts): through the gate's slots, breaker and watchdog; never cached; coalesced per key.
import { channel } from 'node:diagnostics_channel';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  CHANNELS,
  LicenzyConfigError,
  LicenzyIdempotencyConflictError,
  LicenzyResponseError,
  LicenzyUnavailableError,
  createAccessGate,
  type ConsumeUsageResult,
  type UsageEvent,
} from '../src/index.js';
import { flush } from './fake-checker.js';
import { setup } from './fake-client.js';

const usageEvents: UsageEvent[] = [];
const listener = (message: unknown) => void usageEvents.push(message as UsageEvent);
channel(CHANNELS.usage).subscribe(listener);
afterEach(() => {
  usageEvents.length = 0;
  vi.useRealTimers();
});

describe('gate.consumeUsage', () => {
  it('charges through the client with the event key and publishes the charge', async () => {
    const { fake, gate } = setup();
    const charged = gate.consumeUsage('user_1', 3, { idempotencyKey: 'evt_1' });
    await flush();
    expect(fake.consumes.map((c) => c.args)).toEqual([['user_1', 3, 'evt_1']]);
    fake.consumes[0]!.resolve({ ok: true, consumed: 3, usageRemaining: 4 });
    expect(await charged).toEqual({ ok: true, consumed: 3, usageRemaining: 4 });
    expect(usageEvents).toEqual([{ type: 'charged', mode: 'test', subjectRef: 'user_1', units: 3, idempotencyKey: 'evt_1', remaining: 4 }]);
  });

  it('answers insufficient_usage as a result, not an error, and never from a cache', async () => {
    const { fake, gate } = setup();
    const first = gate.consumeUsage('user_1', 1, { idempotencyKey: 'a' });
    await flush();
    fake.consumes[0]!.resolve({ ok: false, reason: 'insufficient_usage' });
    expect(await first).toEqual({ ok: false, reason: 'insufficient_usage' });
    const second = gate.consumeUsage('user_1', 1, { idempotencyKey: 'b' });
    await flush();
    expect(fake.consumes).toHaveLength(2);
    fake.consumes[1]!.resolve({ ok: true, consumed: 1, usageRemaining: 0 });
    expect((await second).ok).toBe(true);
    expect(usageEvents.map((e) => e.type)).toEqual(['exhausted', 'charged']);
  });

  it.each([0, -1, 1.5, Number.NaN, 2 ** 53, '1'])('rejects units %s as a configuration error without calling Licenzy', async (units) => {
    const { fake, gate } = setup();
    await expect(gate.consumeUsage('user_1', units as number, { idempotencyKey: 'k' })).rejects.toMatchObject({ code: 'ERR_LICENZY_CONFIG', option: 'units' });
    expect(fake.consumes).toHaveLength(0);
  });

  it.each(['', 'a b', 'x'.repeat(256), undefined])('rejects idempotency key %j', async (key) => {
    const { fake, gate } = setup();
    await expect(gate.consumeUsage('user_1', 1, { idempotencyKey: key as string })).rejects.toBeInstanceOf(LicenzyConfigError);
    expect(fake.consumes).toHaveLength(0);
  });

  it('shares one Licenzy call between concurrent calls of one event; another event under its key is a conflict', async () => {
    const { fake, gate } = setup();
    const a = gate.consumeUsage('user_1', 2, { idempotencyKey: 'same' });
    const b = gate.consumeUsage('user_1', 2, { idempotencyKey: 'same' });
    await expect(gate.consumeUsage('user_1', 5, { idempotencyKey: 'same' })).rejects.toBeInstanceOf(LicenzyIdempotencyConflictError);
    await expect(gate.consumeUsage('user_2', 2, { idempotencyKey: 'same' })).rejects.toBeInstanceOf(LicenzyIdempotencyConflictError);
    await flush();
    expect(fake.consumes).toHaveLength(1);
    fake.consumes[0]!.resolve({ ok: true, consumed: 2, usageRemaining: 8 });
    expect(await a).toEqual(await b);
  });

  it("turns Licenzy's rejection of a reused key (a 409 other than insufficient_usage) into a conflict error", async () => {
    const { fake, gate } = setup();
    const charged = gate.consumeUsage('user_1', 1, { idempotencyKey: 'k' });
    await flush();
    fake.consumes[0]!.reject(new LicenzyResponseError('Licenzy refused the usage event (409)', { upstreamStatus: 409 }));
    await expect(charged).rejects.toMatchObject({ code: 'ERR_LICENZY_IDEMPOTENCY_CONFLICT', status: 409 });
    expect(usageEvents).toMatchObject([{ type: 'failed' }]);
  });

  it('waits for a slot under maxConcurrent like access checks do', async () => {
    const { fake, gate } = setup({ maxConcurrent: 1, cache: false });
    const check = gate.check('user_9');
    const charged = gate.consumeUsage('user_1', 1, { idempotencyKey: 'k' });
    await flush();
    expect(gate.stats()).toMatchObject({ active: 1, queued: 1 });
    expect(fake.consumes).toHaveLength(0);
    fake.checks[0]!.resolve({ subjectRef: 'user_9', allowed: true });
    await check;
    await flush();
    expect(fake.consumes).toHaveLength(1);
    fake.consumes[0]!.resolve({ ok: true, consumed: 1, usageRemaining: 0 });
    await charged;
    expect(gate.stats()).toMatchObject({ active: 0, queued: 0 });
  });

  it('fails fast with 503 while the circuit is open, without calling Licenzy', async () => {
    const { fake, gate } = setup({ circuitBreaker: { threshold: 1, cooldown: 2_000 } });
    const check = gate.check('user_9');
    await flush();
    fake.checks[0]!.reject(new LicenzyUnavailableError('status', 'down', { upstreamStatus: 503 }));
    await expect(check).rejects.toBeInstanceOf(LicenzyUnavailableError);
    await expect(gate.consumeUsage('user_1', 1, { idempotencyKey: 'k' })).rejects.toMatchObject({ reason: 'circuit_open', status: 503 });
    expect(fake.consumes).toHaveLength(0);
  });

  it('is bounded by the watchdog when the client never settles', async () => {
    vi.useFakeTimers();
    const { gate } = setup({ totalTimeout: 1_000 });
    const charged = gate.consumeUsage('user_1', 1, { idempotencyKey: 'k' });
    const outcome = expect(charged).rejects.toMatchObject({ code: 'ERR_LICENZY_UNAVAILABLE', reason: 'timeout' });
    await vi.advanceTimersByTimeAsync(1_100);
    await outcome;
    expect(gate.stats().active).toBe(0);
  });

  it('refuses a custom checker without consumeUsage() as a configuration error', async () => {
    const gate = createAccessGate({ client: { mode: 'test', checkAccess: async (subjectRef) => ({ subjectRef, allowed: true }) } });
    await expect(gate.consumeUsage('user_1', 1, { idempotencyKey: 'k' })).rejects.toMatchObject({ code: 'ERR_LICENZY_CONFIG', option: 'client' });
  });

  it('treats a malformed answer from a custom client as a malformed response, never as a charge', async () => {
    const { fake, gate } = setup();
    const charged = gate.consumeUsage('user_1', 1, { idempotencyKey: 'k' });
    await flush();
    fake.consumes[0]!.resolve({ ok: 'yes' } as unknown as ConsumeUsageResult);
    await expect(charged).rejects.toBeInstanceOf(LicenzyResponseError);
  });
});
