import { useLocalLicenzy } from '@licenzy-gate/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { LicenzyAuthError, LicenzyConfigError, LicenzyResponseError, LicenzySubjectInvalidError, LicenzyUnavailableError, createAccessGate, type FetchLike } from '../src/index.js';
import { createLruDecisionStore } from '../src/decision-store.js';
import { COARSE_CLOCK_LAG, COARSE_CLOCK_PERIOD, forgetCoarseReading } from '../src/clock.js';
import { createClock, createFakeChecker, flush } from './fake-checker.js';

const outage = () => new LicenzyUnavailableError('status', 'Licenzy answered HTTP 503', { upstreamStatus: 503 });

function setup(options: Parameters<typeof createAccessGate>[0] = {}) {
  const fake = createFakeChecker();
  const clock = createClock();
  const gate = createAccessGate({ client: fake.checker, now: clock.now, ...options });
  return { fake, clock, gate };
}

describe('createAccessGate: decisions', () => {
  it('answers allowed from Licenzy, then from the cache', async () => {
    const { fake, gate, clock } = setup();
    const first = gate.check('user_1');
    fake.next().resolve(true);
    expect(await first).toEqual({ subjectRef: 'user_1', allowed: true, source: 'licenzy', checkedAt: clock.now(), mode: 'test' });
    expect(await gate.check('user_1')).toMatchObject({ allowed: true, source: 'cache' });
    expect(fake.calls).toEqual(['user_1']);
    expect(gate.stats()).toMatchObject({ hits: 1, misses: 1, upstreamCalls: 1, size: 1 });
  });

  it('answers denied and caches the denial separately', async () => {
    const { fake, gate } = setup();
    const first = gate.check('user_2');
    fake.next().resolve(false);
    expect(await first).toMatchObject({ allowed: false, source: 'licenzy' });
    expect(await gate.check('user_2')).toMatchObject({ allowed: false, source: 'cache' });
  });

  it('honours ttl for allowed and deniedTtl for denied answers separately (injected clock)', async () => {
    const { fake, gate, clock } = setup({ cache: { ttl: 30_000, deniedTtl: 5_000 } });
    const a = gate.check('paid');
    fake.next().resolve(true);
    await a;
    const d = gate.check('unpaid');
    fake.next().resolve(false);
    await d;

    clock.advance(4_999);
    expect((await gate.check('unpaid')).source).toBe('cache');
    clock.advance(1); // 5 s: the denial has expired, the grant has not
    const again = gate.check('unpaid');
    expect(fake.pending.map((p) => p.subjectRef)).toEqual(['unpaid']);
    fake.next().resolve(true);
    expect(await again).toMatchObject({ allowed: true, source: 'licenzy' });
    expect((await gate.check('paid')).source).toBe('cache');

    clock.advance(30_000 - 5_000 - 1); // paid was checked at t0: 29,999 ms later still cached
    expect((await gate.check('paid')).source).toBe('cache');
    clock.advance(1);
    const expired = gate.check('paid');
    expect(fake.pending).toHaveLength(1);
    fake.next().resolve(true);
    expect((await expired).source).toBe('licenzy');
  });

  it('uses the defaults 30 s / 5 s when no cache options are given', async () => {
    const { fake, gate, clock } = setup();
    const d = gate.check('unpaid');
    fake.next().resolve(false);
    await d;
    const a = gate.check('paid');
    fake.next().resolve(true);
    await a;
    clock.advance(4_999);
    expect(gate.peek('unpaid')).toMatchObject({ allowed: false });
    clock.advance(1);
    expect(gate.peek('unpaid')).toBeUndefined(); // denial gone at 5 s
    clock.advance(29_999 - 5_000);
    expect(gate.peek('paid')).toMatchObject({ allowed: true });
    clock.advance(1);
    expect(gate.peek('paid')).toBeUndefined(); // grant gone at 30 s
    expect(fake.calls).toEqual(['unpaid', 'paid']);
  });

  it('cache: false asks Licenzy on every check but still coalesces concurrent ones', async () => {
    const { fake, gate } = setup({ cache: false });
    const both = [gate.check('u'), gate.check('u')];
    fake.next().resolve(true);
    await Promise.all(both);
    void gate.check('u');
    expect(fake.calls).toEqual(['u', 'u']);
    expect(gate.peek('u')).toBeUndefined();
  });

  it('keeps at most cache.max subjects', async () => {
    const { fake, gate } = setup({ cache: { max: 3 } });
    for (const s of ['a', 'b', 'c', 'd', 'e']) {
      const p = gate.check(s);
      fake.next().resolve(true);
      await p;
    }
    expect(gate.stats().size).toBe(3);
    expect(gate.peek('a')).toBeUndefined();
    expect(gate.peek('e')).toMatchObject({ allowed: true });
  });
});

describe('createAccessGate: coalescing', () => {
  it('1,000 concurrent checks of one cold subject make exactly 1 upstream call', async () => {
    const { fake, gate } = setup();
    const checks = Array.from({ length: 1000 }, () => gate.check('cold'));
    expect(fake.calls).toHaveLength(1);
    fake.next().resolve(true);
    const decisions = await Promise.all(checks);
    expect(decisions.every((d) => d.allowed && d.subjectRef === 'cold')).toBe(true);
    expect(gate.stats()).toMatchObject({ upstreamCalls: 1, coalesced: 999 });
  });

  it('shares a failure with every waiter and with checks in the errorTtl window', async () => {
    const { fake, gate, clock } = setup({ cache: { errorTtl: 1_000 }, circuitBreaker: false });
    const waiters = Array.from({ length: 10 }, () => gate.check('u'));
    fake.next().reject(outage());
    for (const w of waiters) await expect(w).rejects.toBeInstanceOf(LicenzyUnavailableError);
    clock.advance(999);
    await expect(gate.check('u')).rejects.toBeInstanceOf(LicenzyUnavailableError);
    expect(fake.calls).toHaveLength(1);
    clock.advance(1);
    void gate.check('u').catch(() => undefined);
    expect(fake.calls).toHaveLength(2);
  });

  it('a caller that aborts stops waiting while the shared call goes on for the others', async () => {
    const { fake, gate } = setup();
    const controller = new AbortController();
    const aborted = gate.check('u', { signal: controller.signal });
    const other = gate.check('u');
    controller.abort();
    await expect(aborted).rejects.toMatchObject({ code: 'ERR_LICENZY_ABORTED', status: 503 });
    fake.next().resolve(true);
    expect(await other).toMatchObject({ allowed: true });
  });
});

describe('createAccessGate: fresh and invalidate', () => {
  it('fresh bypasses a cached denial and stores the new answer', async () => {
    const { fake, gate, clock } = setup();
    const d = gate.check('buyer');
    fake.next().resolve(false);
    await d;
    clock.advance(1_000); // past freshInterval: the cached denial is no longer fresh enough
    const fresh = gate.check('buyer', { fresh: true });
    expect(fake.calls).toHaveLength(2);
    fake.next().resolve(true);
    expect(await fresh).toMatchObject({ allowed: true, source: 'licenzy' });
    expect(await gate.check('buyer')).toMatchObject({ allowed: true, source: 'cache' });
  });

  it('an older in-flight answer never overwrites a fresh one (regression: stale write after fresh)', async () => {
    const { fake, gate, clock } = setup();
    const old = gate.check('buyer');
    clock.advance(1_000); // the old call started before the payment could have shown: a fresh check may not join it
    const fresh = gate.check('buyer', { fresh: true });
    const [oldCall, freshCall] = [fake.next(), fake.next()];
    freshCall.resolve(true);
    await fresh;
    oldCall.resolve(false);
    expect((await old).allowed).toBe(false); // its own caller gets what it asked for
    expect(gate.peek('buyer')).toMatchObject({ allowed: true });
  });

  it('invalidate forgets the decision and drops the in-flight call from the cache', async () => {
    const { fake, gate } = setup();
    const first = gate.check('u');
    fake.next().resolve(true);
    await first;
    expect(gate.invalidate('u')).toBe(true);
    const inflight = gate.check('u');
    gate.invalidate('u'); // a refund webhook arrives while the call is out
    fake.next().resolve(true);
    await inflight;
    expect(gate.peek('u')).toBeUndefined();
    expect(gate.invalidate('nobody')).toBe(false);
  });

  it('clear forgets everything', async () => {
    const { fake, gate } = setup();
    const p = gate.check('u');
    fake.next().resolve(true);
    await p;
    gate.clear();
    expect(gate.stats().size).toBe(0);
  });
});

describe('createAccessGate: failure policy', () => {
  it('never turns an error into allowed (no staleIfError by default)', async () => {
    const { fake, gate, clock } = setup({ cache: { ttl: 1_000 } });
    const p = gate.check('u');
    fake.next().resolve(true);
    await p;
    clock.advance(1_000);
    const q = gate.check('u');
    fake.next().reject(outage());
    await expect(q).rejects.toMatchObject({ code: 'ERR_LICENZY_UNAVAILABLE', status: 503 });
  });

  it('staleIfError serves the last answer for a bounded time while Licenzy is unavailable', async () => {
    const { fake, gate, clock } = setup({ cache: { ttl: 1_000, staleIfError: 10_000, errorTtl: 0 }, circuitBreaker: false });
    const p = gate.check('u');
    fake.next().resolve(true);
    await p;
    clock.advance(1_000 + 9_999);
    const stale = gate.check('u');
    fake.next().reject(outage());
    expect(await stale).toMatchObject({ allowed: true, source: 'stale' });
    clock.advance(1);
    const late = gate.check('u');
    fake.next().reject(outage());
    await expect(late).rejects.toBeInstanceOf(LicenzyUnavailableError);
    expect(gate.stats().stale).toBe(1);
  });

  it('staleIfError does not cover a rejected key (auth errors are configuration, not outages)', async () => {
    const { fake, gate, clock } = setup({ cache: { ttl: 1_000, staleIfError: 10_000 } });
    const p = gate.check('u');
    fake.next().resolve(true);
    await p;
    clock.advance(1_000);
    const q = gate.check('u');
    fake.next().reject(new LicenzyAuthError(401, 'invalid_api_key'));
    await expect(q).rejects.toMatchObject({ code: 'ERR_LICENZY_AUTH', status: 500 });
  });

  it('rejects an answer for another subject or a non-boolean allowed from a custom checker', async () => {
    const { fake, gate } = setup();
    const p = gate.check('u');
    fake.next().answer({ subjectRef: 'someone_else', allowed: true });
    await expect(p).rejects.toBeInstanceOf(LicenzyResponseError);
    const q = gate.check('v');
    fake.next().answer({ subjectRef: 'v', allowed: 'true' as unknown as boolean });
    await expect(q).rejects.toBeInstanceOf(LicenzyResponseError);
    expect(gate.peek('u')).toBeUndefined();
  });

  it('opens the circuit after consecutive outages, fails fast, then lets one probe through', async () => {
    const { fake, gate, clock } = setup({ circuitBreaker: { threshold: 3, cooldown: 2_000 }, cache: { errorTtl: 0 } });
    for (const s of ['a', 'b', 'c']) {
      const p = gate.check(s);
      fake.next().reject(outage());
      await expect(p).rejects.toThrow();
    }
    expect(gate.stats().circuit).toBe('open');
    await expect(gate.check('d')).rejects.toMatchObject({ reason: 'circuit_open', retryAfter: 2 });
    expect(fake.calls).toHaveLength(3);
    clock.advance(2_000);
    const probe = gate.check('e');
    await expect(gate.check('f')).rejects.toMatchObject({ reason: 'circuit_open' }); // one probe at a time
    fake.next().resolve(true);
    await probe;
    expect(gate.stats().circuit).toBe('closed');
    const after = gate.check('g');
    expect(fake.calls).toEqual(['a', 'b', 'c', 'e', 'g']);
    fake.next().resolve(true);
    await after;
  });

  it('regression: a malformed answer is refused, never covered by a stale grant, and does not open the circuit', async () => {
    const { fake, gate, clock } = setup({ cache: { ttl: 10, deniedTtl: 10, staleIfError: 60_000, errorTtl: 0 }, circuitBreaker: { threshold: 1, cooldown: 60_000 } });
    const p = gate.check('u');
    fake.next().resolve(true);
    await p;
    clock.advance(10);
    const q = gate.check('u');
    fake.next().reject(new LicenzyResponseError('Licenzy answered HTTP 404', { upstreamStatus: 404 }));
    await expect(q).rejects.toMatchObject({ code: 'ERR_LICENZY_RESPONSE' });
    expect(gate.stats()).toMatchObject({ stale: 0, circuit: 'closed' });
    // Licenzy was reachable: the next check asks it again instead of failing fast.
    const r = gate.check('u');
    fake.next().resolve(true);
    expect(await r).toMatchObject({ allowed: true, source: 'licenzy' });
  });

  it('serves a stale answer for a transport outage only', async () => {
    const { fake, gate, clock } = setup({ cache: { ttl: 10, deniedTtl: 10, staleIfError: 1_000 }, circuitBreaker: false });
    const p = gate.check('u');
    fake.next().resolve(false);
    await p;
    clock.advance(10);
    const q = gate.check('u');
    fake.next().reject(outage());
    expect(await q).toMatchObject({ allowed: false, source: 'stale' });
  });
});

describe('createAccessGate: input and options', () => {
  it.each([
    ['empty', ''],
    ['blank', '   '],
    ['too long', 'x'.repeat(257)],
    ['control character', 'user\n1'],
    // A numeric id is a subject (issue 23, item 2: gate-subjects.test.ts); a number no resolver could mean is not.
    ['negative number', -1],
    ['fractional number', 4.2],
    ['object', { id: 'u' }],
  ])('refuses a %s subject before any call', async (_label, subject) => {
    const { fake, gate } = setup();
    await expect(gate.check(subject as string)).rejects.toBeInstanceOf(LicenzySubjectInvalidError);
    expect(fake.calls).toHaveLength(0);
  });

  it.each([
    ['cache.ttl', { cache: { ttl: -1 } }],
    ['cache.deniedTtl', { cache: { deniedTtl: Number.NaN } }],
    ['cache.max', { cache: { max: 0 } }],
    ['cache.staleIfError', { cache: { staleIfError: '10' } }],
    ['cache', { cache: 'yes' }],
    ['circuitBreaker.threshold', { circuitBreaker: { threshold: 0.5 } }],
    ['now', { now: 5 }],
  ])('names the bad option %s', (option, bad) => {
    const fake = createFakeChecker();
    expect(() => createAccessGate({ client: fake.checker, ...(bad as object) })).toThrow(
      expect.objectContaining({ code: 'ERR_LICENZY_CONFIG', option }) as Error,
    );
    expect(() => createAccessGate({ client: fake.checker, ...(bad as object) })).toThrow(LicenzyConfigError);
  });

  it('keeps test and live decisions apart when they share one store', async () => {
    const shared = createLruDecisionStore(100);
    const testSide = createFakeChecker('test');
    const liveSide = createFakeChecker('live');
    const testGate = createAccessGate({ client: testSide.checker, store: shared });
    const liveGate = createAccessGate({ client: liveSide.checker, store: shared });
    const t = testGate.check('u');
    testSide.next().resolve(true);
    await t;
    expect(liveGate.peek('u')).toBeUndefined();
    const l = liveGate.check('u');
    expect(liveSide.calls).toEqual(['u']);
    liveSide.next().resolve(false);
    expect(await l).toMatchObject({ allowed: false, mode: 'live' });
    expect(testGate.peek('u')).toMatchObject({ allowed: true, mode: 'test' });
    await flush();
  });
});

describe('createAccessGate over real HTTP (mock Licenzy)', () => {
  const CHECK = 'POST /v1/access/check';
  const licenzy = useLocalLicenzy({ hooks: { beforeAll, afterAll, afterEach } });
  // Each test starts from an empty Licenzy (no grants, no calls counted), as if it had its own.
  afterEach(() => licenzy.mock.reset());

  it('1,000 concurrent checks of one cold subject make exactly 1 Licenzy call', async () => {
    licenzy.mock.grant('cold_user');
    const gate = licenzy.gate();
    const decisions = await Promise.all(Array.from({ length: 1000 }, () => gate.check('cold_user')));
    expect(decisions.every((d) => d.allowed)).toBe(true);
    expect(licenzy.mock.count(CHECK)).toBe(1);
  });

  it('honours ttl and deniedTtl separately, with fresh and invalidate (injected clock)', async () => {
    const clock = createClock();
    const gate = licenzy.gate({ now: clock.now, cache: { ttl: 30_000, deniedTtl: 5_000 } });
    licenzy.mock.grant('paid');
    expect(await gate.check('paid')).toMatchObject({ allowed: true, source: 'licenzy' });
    expect(await gate.check('buyer')).toMatchObject({ allowed: false, source: 'licenzy' });
    licenzy.mock.grant('buyer'); // the payment lands
    clock.advance(4_999);
    expect(await gate.check('buyer')).toMatchObject({ allowed: false, source: 'cache' });
    expect(await gate.check('buyer', { fresh: true })).toMatchObject({ allowed: true, source: 'licenzy' });
    expect(await gate.check('buyer')).toMatchObject({ allowed: true, source: 'cache' });
    licenzy.mock.revoke('paid'); // refund
    expect(await gate.check('paid')).toMatchObject({ allowed: true, source: 'cache' });
    gate.invalidate('paid');
    expect(await gate.check('paid')).toMatchObject({ allowed: false, source: 'licenzy' });
    expect(licenzy.mock.count(CHECK)).toBe(4);
  });

  it('a test gate and a live gate never share a decision', async () => {
    licenzy.mock.grant('u', undefined, { mode: 'test' });
    const testGate = licenzy.gate();
    const liveGate = licenzy.gate({ apiKey: licenzy.mock.liveKey });
    expect((await testGate.check('u')).allowed).toBe(true);
    expect((await liveGate.check('u')).allowed).toBe(false);
  });
});

describe('regression: decisions are timed on a monotonic clock', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('a 300 ms grant is not served after the wall clock steps back an hour', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'], now: 1_700_000_000_000 });
    forgetCoarseReading(); // no reading taken on the real clock may survive into the fake one
    const fake = createFakeChecker();
    const gate = createAccessGate({ client: fake.checker, cache: { ttl: 300 } });
    const first = gate.check('u');
    fake.next().resolve(true);
    expect(await first).toMatchObject({ allowed: true, checkedAt: Date.now() }); // checkedAt stays wall time
    vi.setSystemTime(Date.now() - 3_600_000); // NTP steps the wall clock back
    // Served until the default clock's lag before the TTL (expiry is judged at reading + lag), never at 300 ms.
    vi.advanceTimersByTime(299 - COARSE_CLOCK_LAG);
    expect(gate.peek('u')).toMatchObject({ allowed: true });
    vi.advanceTimersByTime(COARSE_CLOCK_LAG + 1); // 300 ms on the monotonic clock
    expect(gate.peek('u')).toBeUndefined();
  });

  it('issue 25: a coarse reading up to a period old never serves a grant or a denial past its TTL', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    forgetCoarseReading();
    const fake = createFakeChecker();
    const gate = createAccessGate({ client: fake.checker, cache: { ttl: 305, deniedTtl: 205 } }); // not multiples of the period: readings fall between
    const granted = gate.check('paid');
    fake.next().resolve(true);
    await granted;
    const denied = gate.check('unpaid');
    fake.next().resolve(false);
    await denied;
    const start = performance.now();
    // Read every millisecond (as under load), so the timer keeps a reading that lags the true time by up to a period.
    let lastGrant = -1;
    let lastDenial = -1;
    for (let ms = 0; ms <= 320; ms++) {
      if (gate.peek('paid') !== undefined) lastGrant = performance.now() - start;
      if (gate.peek('unpaid') !== undefined) lastDenial = performance.now() - start;
      vi.advanceTimersByTime(1);
    }
    expect(lastGrant).toBeLessThan(305); // never served at or past its TTL, however old the reading
    expect(lastDenial).toBeLessThan(205); // a denial never locks a paying user out longer than deniedTtl either
    // …and refreshed at most two periods early (a stamp and a judgement each up to a period behind).
    expect(lastGrant).toBeGreaterThanOrEqual(305 - 2 * COARSE_CLOCK_PERIOD - 1);
    expect(lastDenial).toBeGreaterThanOrEqual(205 - 2 * COARSE_CLOCK_PERIOD - 1);
  });

  /**
   * Checks once a millisecond (fake timers) until a check reaches Licenzy (answered allowed); returns how long after the
   * first of them the last one was refused without a call, or -1.
   */
  async function lastRefusedWithoutCall(gate: ReturnType<typeof createAccessGate>, fake: ReturnType<typeof createFakeChecker>, subjectAt: (ms: number) => string, limit: number): Promise<number> {
    const since = performance.now();
    let last = -1;
    for (let ms = 0; ms <= limit; ms++) {
      const calls = fake.calls.length;
      const check = gate.check(subjectAt(ms)).catch(() => 'refused');
      if (fake.calls.length !== calls) {
        fake.next().resolve(true);
        await check;
        break;
      }
      last = performance.now() - since;
      await check;
      vi.advanceTimersByTime(1);
    }
    return last;
  }

  it('issue 25: a coarse reading never makes a remembered failure or an open circuit refuse for longer than configured', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    forgetCoarseReading();
    const outage = () => new LicenzyUnavailableError('timeout', 'no answer');
    // errorTtl 205 (not a multiple of the period), no breaker: one failure is remembered, not retried, for errorTtl.
    const fake = createFakeChecker();
    const gate = createAccessGate({ client: fake.checker, circuitBreaker: false, cache: { errorTtl: 205 } });
    gate.peek('warm'); // starts the coarse clock's timer, so readings lag from here on
    vi.advanceTimersByTime(3);
    const first = gate.check('u').catch(() => 'refused');
    fake.next().reject(outage());
    expect(await first).toBe('refused');
    const lastRemembered = await lastRefusedWithoutCall(gate, fake, () => 'u', 230);
    expect(lastRemembered).toBeGreaterThanOrEqual(205 - 2 * COARSE_CLOCK_PERIOD - 1);
    expect(lastRemembered).toBeLessThan(205);

    // A breaker opened by one failure (threshold 1, cooldown 305) fails fast for less than 305 ms of real time.
    const fake2 = createFakeChecker();
    const breaking = createAccessGate({ client: fake2.checker, circuitBreaker: { threshold: 1, cooldown: 305 }, cache: { errorTtl: 0 } });
    breaking.peek('warm');
    vi.advanceTimersByTime(2); // opened on a reading 2 ms old, so the end is judged on readings up to 9 ms old
    const opening = breaking.check('a').catch(() => 'refused');
    fake2.next().reject(outage());
    expect(await opening).toBe('refused');
    const lastFailedFast = await lastRefusedWithoutCall(breaking, fake2, (ms) => `s${ms}`, 330);
    expect(lastFailedFast).toBeGreaterThanOrEqual(305 - 2 * COARSE_CLOCK_PERIOD - 1);
    expect(lastFailedFast).toBeLessThan(305);
  });

  it('an entry stamped in the future (a clock stepped back, a foreign store) is not trusted', async () => {
    const clock = createClock(10_000);
    const fake = createFakeChecker();
    const gate = createAccessGate({ client: fake.checker, now: clock.now, cache: { ttl: 30_000 } });
    const first = gate.check('u');
    fake.next().resolve(true);
    await first;
    clock.set(5_000); // an injected clock that goes back
    expect(gate.peek('u')).toBeUndefined();
  });
});

describe('regression: fresh checks are coalesced and bounded per subject', () => {
  it('100 concurrent fresh checks of one subject make one Licenzy call', async () => {
    const { fake, gate } = setup();
    const checks = Array.from({ length: 100 }, () => gate.check('buyer', { fresh: true }));
    expect(fake.calls).toEqual(['buyer']);
    fake.next().resolve(true);
    expect((await Promise.all(checks)).every((d) => d.allowed)).toBe(true);
  });

  it('a flood of fresh checks costs at most one Licenzy call per freshInterval', async () => {
    const { fake, gate, clock } = setup({ freshInterval: 1_000 });
    for (let ms = 0; ms < 10_000; ms += 10) {
      const pending = gate.check('flooder', { fresh: true });
      while (fake.pending.length > 0) fake.next().resolve(false);
      await pending;
      clock.advance(10);
    }
    expect(fake.calls.length).toBe(10);
  });

  it('a fresh check does not join a call started more than freshInterval before it (it may predate the payment)', async () => {
    const { fake, gate, clock } = setup({ freshInterval: 1_000 });
    const old = gate.check('buyer');
    clock.advance(999);
    const joined = gate.check('buyer', { fresh: true });
    expect(fake.calls).toHaveLength(1);
    clock.advance(1);
    const renewed = gate.check('buyer', { fresh: true });
    expect(fake.calls).toHaveLength(2);
    fake.next().resolve(false);
    fake.next().resolve(true);
    expect(await old).toMatchObject({ allowed: false });
    expect(await joined).toMatchObject({ allowed: false });
    expect(await renewed).toMatchObject({ allowed: true });
  });

  it('freshInterval 0 turns the bound off', async () => {
    const { fake, gate } = setup({ freshInterval: 0 });
    void gate.check('u', { fresh: true });
    void gate.check('u', { fresh: true });
    expect(fake.calls).toEqual(['u', 'u']);
    for (const call of fake.pending.splice(0)) call.resolve(true);
    await flush();
  });
});

describe('regression: the circuit reflects Licenzy, not one subject', () => {
  it('one subject failing over and over leaves the circuit closed for everyone else', async () => {
    const { fake, gate } = setup({ cache: { errorTtl: 0 }, circuitBreaker: { threshold: 5, cooldown: 60_000 } });
    for (let i = 0; i < 20; i++) {
      const failing = gate.check('unlucky');
      fake.next().reject(outage());
      await expect(failing).rejects.toMatchObject({ code: 'ERR_LICENZY_UNAVAILABLE' });
    }
    expect(gate.stats().circuit).toBe('closed');
    const other = gate.check('entitled');
    fake.next().resolve(true);
    expect(await other).toMatchObject({ allowed: true, source: 'licenzy' });
  });

  it('outages of five distinct subjects open it', async () => {
    const { fake, gate } = setup({ cache: { errorTtl: 0 }, circuitBreaker: { threshold: 5, cooldown: 60_000 } });
    for (const subject of ['a', 'b', 'c', 'd', 'e']) {
      const failing = gate.check(subject);
      fake.next().reject(outage());
      await failing.catch(() => undefined);
    }
    expect(gate.stats().circuit).toBe('open');
    await expect(gate.check('f')).rejects.toMatchObject({ reason: 'circuit_open' });
    expect(fake.calls).toHaveLength(5);
  });
});

describe('regression: a half-open probe through an odd custom client cannot wedge the circuit', () => {
  function oddClient(behaviour: () => unknown) {
    const calls: string[] = [];
    const checker = {
      mode: 'test' as const,
      checkAccess(subjectRef: string) {
        calls.push(subjectRef);
        return behaviour() as Promise<{ subjectRef: string; allowed: boolean }>;
      },
    };
    return { checker, calls };
  }

  it.each([
    ['throws synchronously', () => { throw new TypeError('boom'); }],
    ['returns a non-promise garbage value', () => 42],
  ])('a probe that %s: later checks reach the client again', async (_label, probeBehaviour) => {
    const clock = createClock();
    let behaviour: () => unknown = () => Promise.reject(outage());
    const { checker, calls } = oddClient(() => behaviour());
    const gate = createAccessGate({ client: checker, now: clock.now, cache: { errorTtl: 0 }, circuitBreaker: { threshold: 1, cooldown: 1_000 } });
    await expect(gate.check('a')).rejects.toMatchObject({ code: 'ERR_LICENZY_UNAVAILABLE' });
    clock.advance(1_000);
    behaviour = probeBehaviour;
    await expect(gate.check('a')).rejects.toBeDefined(); // the probe: refused, never allowed
    behaviour = () => ({ subjectRef: 'a', allowed: true }); // Licenzy (through a synchronous client) is fine again
    clock.advance(1_000);
    expect(await gate.check('a')).toMatchObject({ allowed: true });
    expect(calls).toEqual(['a', 'a', 'a']);
  });

  it('a probe that never settles is cut by the gate watchdog (totalTimeout) and the circuit probes again', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const clock = createClock();
      let behaviour: () => unknown = () => Promise.reject(outage());
      const { checker, calls } = oddClient(() => behaviour());
      const gate = createAccessGate({ client: checker, now: clock.now, totalTimeout: 500, cache: { errorTtl: 0 }, circuitBreaker: { threshold: 1, cooldown: 1_000 } });
      await expect(gate.check('a')).rejects.toBeDefined();
      clock.advance(1_000);
      behaviour = () => new Promise(() => undefined);
      const hung = gate.check('a').catch((e: unknown) => e);
      await vi.advanceTimersByTimeAsync(600);
      expect(await hung).toMatchObject({ code: 'ERR_LICENZY_UNAVAILABLE', reason: 'timeout' });
      behaviour = () => Promise.resolve({ subjectRef: 'a', allowed: true });
      clock.advance(1_000);
      expect(await gate.check('a')).toMatchObject({ allowed: true });
      expect(calls).toHaveLength(3);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('regression: concurrent Licenzy calls are bounded (maxConcurrent, maxQueue)', () => {
  it('500 distinct subjects while Licenzy hangs: 64 calls out, the queue bounded, the rest 503 at once', async () => {
    const { fake, gate } = setup({ maxConcurrent: 64, maxQueue: 100, circuitBreaker: false });
    const outcomes = Array.from({ length: 500 }, (_, i) => gate.check(`s${i}`).then((d) => d.allowed, (e: { reason?: string }) => e.reason));
    await flush();
    expect(fake.calls).toHaveLength(64);
    expect(gate.stats()).toMatchObject({ active: 64, queued: 100, shed: 336 });
    // As calls finish, queued ones take their slots, one for one.
    for (let i = 0; i < 64; i++) fake.next().resolve(true);
    await flush();
    expect(fake.calls).toHaveLength(128);
    while (fake.pending.length > 0) {
      fake.next().resolve(true);
      await flush();
    }
    const settled = await Promise.all(outcomes);
    expect(settled.filter((o) => o === true)).toHaveLength(164);
    expect(settled.filter((o) => o === 'overloaded')).toHaveLength(336);
    expect(gate.stats()).toMatchObject({ active: 0, queued: 0 });
  });

  it('a shed check answers 503 with Retry-After and never allows', async () => {
    const { gate } = setup({ maxConcurrent: 1, maxQueue: 0 });
    void gate.check('first').catch(() => undefined);
    const error = await gate.check('second').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_LICENZY_UNAVAILABLE', reason: 'overloaded', status: 503 });
    expect((error as LicenzyUnavailableError).headers['retry-after']).toBe('1');
  });

  it.each([
    ['maxConcurrent', { maxConcurrent: 0 }],
    ['maxQueue', { maxQueue: -1 }],
    ['freshInterval', { freshInterval: -5 }],
    ['shared', { shared: {} }],
  ])('names the bad option %s', (option, bad) => {
    expect(() => createAccessGate({ client: createFakeChecker().checker, ...(bad as object) })).toThrow(
      expect.objectContaining({ code: 'ERR_LICENZY_CONFIG', option }) as Error,
    );
  });
});

describe('regression: a store shared by gates is namespaced by key and base URL, not by mode alone', () => {
  /** A transport that grants only for one key, so a leaked grant between gates is visible. */
  function fetchGranting(grantingKey: string): FetchLike {
    return async (_url, init) => {
      const auth = (init.headers as Record<string, string>).authorization;
      const { subject_ref } = JSON.parse(String(init.body)) as { subject_ref: string };
      return Response.json({ subject_ref, allowed: auth === `Bearer ${grantingKey}` });
    };
  }

  it.each([
    ['two keys of one mode (two accounts)', ['lz_live_example_account_a', 'https://licenzy.example'], ['lz_live_example_account_b', 'https://licenzy.example']],
    ['one key at two base URLs', ['lz_live_example_account_a', 'https://licenzy.example'], ['lz_live_example_account_a', 'https://staging.licenzy.example']],
  ] as const)('%s never serve each other’s grants', async (_label, [keyA, urlA], [keyB, urlB]) => {
    const store = createLruDecisionStore(100);
    const gateA = createAccessGate({ apiKey: keyA, baseUrl: urlA, store, fetch: fetchGranting(keyA) });
    const gateB = createAccessGate({ apiKey: keyB, baseUrl: urlB, store, fetch: urlA === urlB ? fetchGranting(keyA) : fetchGranting('nobody') });
    expect(await gateA.check('u')).toMatchObject({ allowed: true });
    expect(gateB.peek('u')).toBeUndefined();
    expect(await gateB.check('u')).toMatchObject({ allowed: false, source: 'licenzy' });
    expect(gateA.peek('u')).toMatchObject({ allowed: true });
  });

  it('the store never sees the key', async () => {
    const keys: string[] = [];
    const inner = createLruDecisionStore(10);
    const spy = { ...inner, get: inner.get, set: (key: string, value: Parameters<typeof inner.set>[1]) => (keys.push(key), inner.set(key, value)), delete: inner.delete, clear: inner.clear, get size() { return inner.size; } };
    const gate = createAccessGate({ apiKey: 'lz_live_example_secret_part', baseUrl: 'https://licenzy.example', store: spy, fetch: fetchGranting('x') });
    await gate.check('u');
    expect(keys).toHaveLength(1);
    expect(keys[0]).not.toContain('secret_part');
    expect(keys[0]).toMatch(/^[0-9a-f]{32}:u$/);
  });
});
