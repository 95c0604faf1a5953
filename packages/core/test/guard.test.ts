import { afterEach, describe, expect, it, vi } from 'vitest';
import { captureLogger } from '@licenzy-gate/testing';
import { LicenzyAuthError, LicenzyResponseError, LicenzyUnavailableError, createAccessGate, resetDefaultGate, type GateLogger } from '../src/index.js';
import { createGuard, type GuardOutcome } from '../src/adapter.js';
import { createClock, createFakeChecker } from './fake-checker.js';

type Req = { user?: { id?: unknown } };
type Hook = (req: Req) => void;
const fromUser = (req: Req) => req.user?.id;

const capture = captureLogger;

function setup(options: Record<string, unknown> = {}) {
  const fake = createFakeChecker();
  const gate = createAccessGate({ client: fake.checker });
  const logger = capture();
  const guard = createGuard<Req, Hook>({ gate, logger, ...options }, fromUser);
  return { fake, gate, guard, logger };
}

afterEach(() => {
  vi.unstubAllEnvs();
  resetDefaultGate();
});

describe('createGuard', () => {
  it('answers a cache hit synchronously (no promise on the hot path)', async () => {
    const { fake, guard } = setup();
    const first = guard.run({ user: { id: 'u' } });
    expect(first).toBeInstanceOf(Promise);
    fake.next().resolve(true);
    await first;
    const hit = guard.run({ user: { id: 'u' } }) as GuardOutcome;
    expect(hit).not.toBeInstanceOf(Promise);
    expect(hit).toMatchObject({ allowed: true, decision: { source: 'cache', subjectRef: 'u' } });
  });

  it('turns a denial into a denied outcome carrying the decision', async () => {
    const { fake, guard } = setup();
    const pending = guard.run({ user: { id: 'u' } });
    fake.next().resolve(false);
    expect(await pending).toMatchObject({ allowed: false, kind: 'denied', error: { status: 403 }, decision: { allowed: false } });
  });

  it('refuses a missing subject with 401 and an invalid one with 400, without calling Licenzy', async () => {
    const { fake, guard } = setup();
    expect(guard.run({})).toMatchObject({ allowed: false, kind: 'unauthenticated', error: { status: 401 } });
    expect(guard.run({ user: { id: { evil: true } } })).toMatchObject({ kind: 'invalid-subject', error: { status: 400 } });
    expect(guard.run({ user: { id: 'x'.repeat(10_000) } })).toMatchObject({ kind: 'invalid-subject', error: { status: 400 } });
    expect(fake.calls).toEqual([]);
  });

  it('accepts async resolvers and numeric ids', async () => {
    const { fake, guard } = setup({ subject: async (req: Req) => req.user?.id });
    const pending = guard.run({ user: { id: 7 } });
    await Promise.resolve();
    await Promise.resolve();
    fake.next().resolve(true);
    expect(await pending).toMatchObject({ allowed: true, decision: { subjectRef: '7' } });
  });

  it('a throwing or rejecting resolver is a 500, never allowed, and its text stays off the outcome body', async () => {
    const { guard } = setup({
      subject: () => {
        throw new Error('db down');
      },
    });
    expect(guard.run({})).toMatchObject({ allowed: false, kind: 'misconfigured', error: { status: 500 } });
    const rejecting = setup({ subject: () => Promise.reject(new Error('nope')) }).guard;
    expect(await rejecting.run({})).toMatchObject({ allowed: false, error: { status: 500 } });
  });

  it("onUnavailable: 'allow' lets an outage through as fail-open and logs it", async () => {
    const { fake, guard, logger } = setup({ onUnavailable: 'allow' });
    const pending = guard.run({ user: { id: 'u' } });
    fake.next().reject(new LicenzyUnavailableError('timeout', 'slow'));
    expect(await pending).toMatchObject({ allowed: true, decision: { source: 'fail-open', allowed: true, subjectRef: 'u' } });
    expect(logger.text().join('\n')).toMatch(/warn .*onUnavailable: allow/);
  });

  it("onUnavailable: 'allow' does not cover a rejected key or a missing subject", async () => {
    const { fake, guard } = setup({ onUnavailable: 'allow' });
    const pending = guard.run({ user: { id: 'u' } });
    fake.next().reject(new LicenzyAuthError(401, 'invalid_api_key'));
    expect(await pending).toMatchObject({ allowed: false, kind: 'misconfigured', error: { status: 500 } });
    expect(guard.run({})).toMatchObject({ allowed: false, error: { status: 401 } });
  });

  it("logs a throwing resolver's own message once (regression: only a generic line was logged)", () => {
    const { guard, logger } = setup({
      subject: () => {
        throw new Error('session store unreachable');
      },
    });
    guard.run({});
    guard.run({});
    expect(logger.text().filter((l) => l.includes('session store unreachable'))).toHaveLength(1);
  });

  it('logs misconfiguration once per code, without the key', async () => {
    const { fake, guard, logger } = setup();
    for (const id of ['a', 'b']) {
      const pending = guard.run({ user: { id } });
      fake.next().reject(new LicenzyAuthError(401, 'invalid_api_key'));
      await pending;
    }
    expect(logger.text().filter((l) => l.startsWith('error'))).toHaveLength(1);
    expect(logger.text().join('')).not.toMatch(/lz_(test|live)_/);
  });

  it('fresh as a function is asked per request', async () => {
    const fake = createFakeChecker();
    const gate = createAccessGate({ client: fake.checker, freshInterval: 0 });
    const guard = createGuard<Req, Hook>({ gate, logger: capture(), fresh: (req: Req) => req.user?.id === 'buyer' }, fromUser);
    const a = guard.run({ user: { id: 'buyer' } });
    fake.next().resolve(true);
    await a;
    const b = guard.run({ user: { id: 'buyer' } });
    expect(b).toBeInstanceOf(Promise);
    expect(fake.calls).toEqual(['buyer', 'buyer']);
    fake.next().resolve(true);
    await b;
  });

  it.each([
    ['subject', { subject: 'req.user.id' }],
    ['fresh', { fresh: 'yes' }],
    ['onDenied', { onDenied: 403 }],
    ['onUnavailable', { onUnavailable: 'open' }],
    ['delegateErrors', { delegateErrors: 1 }],
    ['logger', { logger: { warn: () => undefined } }],
  ])('rejects a bad %s option by name', (option, bad) => {
    const gate = createAccessGate({ client: createFakeChecker().checker });
    expect(() => createGuard({ gate, ...(bad as object) }, fromUser)).toThrow(expect.objectContaining({ code: 'ERR_LICENZY_CONFIG', option }) as Error);
  });

  it('names a bad adapter option even when the environment has no key (regression: apiKey was blamed)', () => {
    vi.stubEnv('LICENZY_API_KEY', '');
    expect(() => createGuard({ fresh: 'yes' } as never, fromUser)).toThrow(expect.objectContaining({ option: 'fresh' }) as Error);
  });

  it("stamps a fail-open decision with the gate's clock (regression: Date.now was used)", async () => {
    const fake = createFakeChecker();
    const gate = createAccessGate({ client: fake.checker, now: () => 42 });
    const guard = createGuard<Req, Hook>({ gate, logger: capture(), onUnavailable: 'allow' }, fromUser);
    const pending = guard.run({ user: { id: 'u' } });
    fake.next().reject(new LicenzyUnavailableError('timeout', 'slow'));
    expect(await pending).toMatchObject({ allowed: true, decision: { checkedAt: 42, source: 'fail-open' } });
  });

  it('refuses gate together with gate options (ambiguous: which cache?)', () => {
    const gate = createAccessGate({ client: createFakeChecker().checker });
    expect(() => createGuard({ gate, cache: { ttl: 1 } }, fromUser)).toThrow(/`gate`.*cache/);
  });

  it('zero-argument guards share one default gate built from the environment, and fail fast without it', () => {
    vi.stubEnv('LICENZY_API_KEY', '');
    vi.stubEnv('LICENZY_API_URL', 'http://127.0.0.1:1');
    expect(() => createGuard(undefined, fromUser)).toThrow(/`apiKey`/);
    vi.stubEnv('LICENZY_API_KEY', 'lz_test_example_env_key');
    resetDefaultGate();
    const a = createGuard(undefined, fromUser);
    const b = createGuard({ onUnavailable: 'deny' }, fromUser);
    expect(a.gate).toBe(b.gate);
    expect(a.gate.mode).toBe('test');
    const own = createGuard({ cache: { ttl: 1 } }, fromUser);
    expect(own.gate).not.toBe(a.gate);
  });
});

describe('guard.admit (issue 25: nothing allocated per cache hit)', () => {
  it('answers a cached grant with the cached decision itself, the very object gate.peek returns', async () => {
    const { fake, gate, guard } = setup();
    const first = guard.admit({ user: { id: 'u' } });
    expect(first).toBeInstanceOf(Promise);
    fake.next().resolve(true);
    expect(await first).toMatchObject({ allowed: true, decision: { subjectRef: 'u', source: 'licenzy' } });
    const hit = guard.admit({ user: { id: 'u' } });
    expect(hit).toBe(gate.peek('u'));
    expect(hit).toMatchObject({ allowed: true, source: 'cache', subjectRef: 'u' });
    // decide() answers the same hit as an outcome, as always.
    expect(guard.decide({ user: { id: 'u' } })).toEqual({ allowed: true, decision: hit });
  });

  it('answers a cached denial, a refusal and a miss as outcomes, never as a bare decision', async () => {
    const { fake, guard } = setup();
    const pending = guard.admit({ user: { id: 'denied' } });
    fake.next().resolve(false);
    await pending;
    const denial = guard.admit({ user: { id: 'denied' } });
    expect(denial).toMatchObject({ allowed: false, kind: 'denied', decision: { allowed: false, source: 'cache' } });
    expect('source' in (denial as object)).toBe(false);
    expect(guard.admit({})).toMatchObject({ allowed: false, kind: 'unauthenticated' });
  });

  it('settles an async resolver\'s cache hit as an outcome (a promise never carries a bare decision)', async () => {
    const { fake, guard } = setup({ subject: async (req: Req) => req.user?.id });
    const first = guard.admit({ user: { id: 'u' } });
    await Promise.resolve();
    await Promise.resolve();
    fake.next().resolve(true);
    await first;
    const later = guard.admit({ user: { id: 'u' } });
    expect(later).toBeInstanceOf(Promise);
    expect(await later).toMatchObject({ allowed: true, decision: { source: 'cache', subjectRef: 'u' } });
  });
});

describe('regression: the guard never throws', () => {
  const hostile: Array<[string, () => unknown]> = [
    ['a thenable whose `then` getter throws', () => ({ get then() { throw new Error('app secret text'); } })],
    ['a Proxy that throws on every trap', () => new Proxy({}, { get: () => { throw new Error('app secret text'); }, getPrototypeOf: () => { throw new Error('app secret text'); }, has: () => { throw new Error('app secret text'); } })],
    ['a revoked Proxy', () => { const { proxy, revoke } = Proxy.revocable({}, {}); revoke(); return proxy; }],
    ['a thenable that rejects with a throwing Proxy', () => Promise.reject(new Proxy({}, { get: () => { throw new Error('x'); }, getPrototypeOf: () => { throw new Error('x'); } }))],
  ];

  it.each(hostile)('a resolver returning %s → 500 access_misconfigured, app text kept off the outcome', async (_label, make) => {
    const { guard, fake } = setup({ subject: make });
    let outcome: GuardOutcome | Promise<GuardOutcome> | undefined;
    expect(() => (outcome = guard.run({}))).not.toThrow();
    const settled = await outcome!;
    expect(settled).toMatchObject({ allowed: false, kind: 'misconfigured', error: { code: 'ERR_LICENZY_CONFIG', status: 500, expose: false } });
    expect((settled as { error: Error }).error.message).not.toContain('app secret text');
    expect(fake.calls).toEqual([]);
  });

  it('a logger that throws does not turn a refusal into an exception', async () => {
    const fake = createFakeChecker();
    const gate = createAccessGate({ client: fake.checker });
    const logger: GateLogger = { warn: () => { throw new Error('log down'); }, error: () => { throw new Error('log down'); } };
    const guard = createGuard<Req, Hook>({ gate, logger, subject: () => { throw new Error('resolver bug'); } }, fromUser);
    expect(guard.run({})).toMatchObject({ allowed: false, kind: 'misconfigured' });
  });
});

describe('regression: fail-open only for transport outages', () => {
  it.each([
    ['an answer for another subject', new LicenzyResponseError('Licenzy answered for a different subject_ref', { upstreamStatus: 200 })],
    ['a 404', new LicenzyResponseError('Licenzy answered HTTP 404', { upstreamStatus: 404 })],
    ['"allowed":"false"', new LicenzyResponseError('Licenzy answer has no boolean `allowed`', { upstreamStatus: 200 })],
  ])('onUnavailable: allow does not let %s through', async (_label, error) => {
    const { fake, guard } = setup({ onUnavailable: 'allow' });
    const outcome = guard.run({ user: { id: 'u' } });
    fake.next().reject(error);
    expect(await outcome).toMatchObject({ allowed: false, kind: 'unavailable', error: { code: 'ERR_LICENZY_RESPONSE', status: 503 } });
  });

  it('onUnavailable: allow still fails open on a timeout', async () => {
    const { fake, guard } = setup({ onUnavailable: 'allow' });
    const outcome = guard.run({ user: { id: 'u' } });
    fake.next().reject(new LicenzyUnavailableError('timeout', 'slow'));
    expect(await outcome).toMatchObject({ allowed: true, decision: { source: 'fail-open' } });
  });
});

describe('regression: misconfiguration logs are de-duplicated per code over a window, not capped for good', () => {
  it('after 150 distinct resolver errors a rejected API key is still logged, and repeats come back after the window', async () => {
    const clock = createClock();
    const fake = createFakeChecker();
    const gate = createAccessGate({ client: fake.checker, now: clock.now });
    const logger = capture();
    let n = 0;
    const guard = createGuard<Req, Hook>({ gate, logger, subject: (req) => { if (req.user === undefined) throw new Error(`resolver bug ${++n}`); return req.user.id; } }, fromUser);
    for (let i = 0; i < 150; i++) guard.run({});
    expect(logger.text()).toHaveLength(1); // one line per code and window, not one per request (nor per message)
    const keyRejected = guard.run({ user: { id: 'u' } });
    fake.next().reject(new LicenzyAuthError(401, 'invalid_api_key'));
    await keyRejected;
    expect(logger.text()).toHaveLength(2);
    expect(logger.text()[1]).toContain('ERR_LICENZY_AUTH');
    clock.advance(60_000);
    guard.run({});
    expect(logger.text()).toHaveLength(3);
    expect(logger.text()[2]).toContain('"suppressedSinceLast":149');
  });
});
