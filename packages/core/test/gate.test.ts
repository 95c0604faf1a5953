import { describe, expect, it } from 'vitest';
import {
  LicenzyAuthError,
  LicenzyConfigError,
  LicenzyResponseError,
  LicenzySubjectInvalidError,
  LicenzyUnavailableError,
  createAccessGate,
  createLruDecisionStore,
} from '../src/index.js';
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
    const { fake, gate } = setup();
    const d = gate.check('buyer');
    fake.next().resolve(false);
    await d;
    const fresh = gate.check('buyer', { fresh: true });
    expect(fake.calls).toHaveLength(2);
    fake.next().resolve(true);
    expect(await fresh).toMatchObject({ allowed: true, source: 'licenzy' });
    expect(await gate.check('buyer')).toMatchObject({ allowed: true, source: 'cache' });
  });

  it('an older in-flight answer never overwrites a fresh one (regression: stale write after fresh)', async () => {
    const { fake, gate } = setup();
    const old = gate.check('buyer');
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

  it('malformed answers count as outages for the breaker and for staleIfError', async () => {
    const { fake, gate, clock } = setup({ cache: { ttl: 10, deniedTtl: 10, staleIfError: 1_000 } });
    const p = gate.check('u');
    fake.next().resolve(false);
    await p;
    clock.advance(10);
    const q = gate.check('u');
    fake.next().reject(new LicenzyResponseError('bad'));
    expect(await q).toMatchObject({ allowed: false, source: 'stale' });
  });
});

describe('createAccessGate: input and options', () => {
  it.each([
    ['empty', ''],
    ['blank', '   '],
    ['too long', 'x'.repeat(257)],
    ['control character', 'user\n1'],
    ['number', 42],
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

describe('createAccessGate over real HTTP (mock Licenzy)', async () => {
  const { createMockLicenzy } = await import('@licenzy-gate/testing');
  const CHECK = 'POST /v1/access/check';

  async function withMock(fn: (mock: Awaited<ReturnType<typeof createMockLicenzy>>) => Promise<void>) {
    const mock = await createMockLicenzy();
    try {
      await fn(mock);
    } finally {
      await mock.close();
    }
  }

  it('1,000 concurrent checks of one cold subject make exactly 1 Licenzy call', () =>
    withMock(async (mock) => {
      mock.grant('cold_user');
      const gate = createAccessGate({ apiKey: mock.testKey, baseUrl: mock.url });
      const decisions = await Promise.all(Array.from({ length: 1000 }, () => gate.check('cold_user')));
      expect(decisions.every((d) => d.allowed)).toBe(true);
      expect(mock.count(CHECK)).toBe(1);
    }));

  it('honours ttl and deniedTtl separately, with fresh and invalidate (injected clock)', () =>
    withMock(async (mock) => {
      const clock = createClock();
      const gate = createAccessGate({ apiKey: mock.testKey, baseUrl: mock.url, now: clock.now, cache: { ttl: 30_000, deniedTtl: 5_000 } });
      mock.grant('paid');
      expect(await gate.check('paid')).toMatchObject({ allowed: true, source: 'licenzy' });
      expect(await gate.check('buyer')).toMatchObject({ allowed: false, source: 'licenzy' });
      mock.grant('buyer'); // the payment lands
      clock.advance(4_999);
      expect(await gate.check('buyer')).toMatchObject({ allowed: false, source: 'cache' });
      expect(await gate.check('buyer', { fresh: true })).toMatchObject({ allowed: true, source: 'licenzy' });
      expect(await gate.check('buyer')).toMatchObject({ allowed: true, source: 'cache' });
      mock.revoke('paid'); // refund
      expect(await gate.check('paid')).toMatchObject({ allowed: true, source: 'cache' });
      gate.invalidate('paid');
      expect(await gate.check('paid')).toMatchObject({ allowed: false, source: 'licenzy' });
      expect(mock.count(CHECK)).toBe(4);
    }));

  it('a test gate and a live gate never share a decision', () =>
    withMock(async (mock) => {
      mock.grant('u', undefined, { mode: 'test' });
      const testGate = createAccessGate({ apiKey: mock.testKey, baseUrl: mock.url });
      const liveGate = createAccessGate({ apiKey: mock.liveKey, baseUrl: mock.url });
      expect((await testGate.check('u')).allowed).toBe(true);
      expect((await liveGate.check('u')).allowed).toBe(false);
    }));
});
