// The metered-route guard without HTTP: idempotency keys an attacker cannot steer, units validation, outcomes.
import { describe, expect, it } from 'vitest';
import { LicenzyResponseError, LicenzyUnavailableError, createAccessGate, type AccessChecker, type ConsumeUsageResult } from '../src/index.js';
import { createUsageGuard } from '../src/adapter.js';
import { usageIdempotencyKey } from '../src/usage-input.js';

interface Req {
  user?: string;
}

function setup(answer: (subjectRef: string, units: number, key: string) => Promise<ConsumeUsageResult>) {
  const keys: string[] = [];
  const client: AccessChecker = {
    mode: 'test',
    checkAccess: async (subjectRef) => ({ subjectRef, allowed: true }),
    consumeUsage: (subjectRef, units, options) => {
      keys.push(options.idempotencyKey);
      return answer(subjectRef, units, options.idempotencyKey);
    },
  };
  const gate = createAccessGate({ client, circuitBreaker: false, logger: { warn: () => undefined, error: () => undefined } });
  return { gate, keys };
}
const quiet = { warn: () => undefined, error: () => undefined };
const subject = (req: Req) => req.user;
const info = (extra: Partial<{ method: string; url: string; idempotencyKey: unknown; body: unknown }> = {}) => ({ method: 'POST', url: '/export', idempotencyKey: undefined, ...extra });
const charged = async (_s: string, units: number): Promise<ConsumeUsageResult> => ({ ok: true, consumed: units, usageRemaining: 10 });

describe('usageIdempotencyKey', () => {
  const base = { mode: 'test', subjectRef: 'alice', route: 'POST /export', clientKey: 'k1' };
  it('is stable for one event, so a client retry is charged once', () => {
    expect(usageIdempotencyKey(base)).toBe(usageIdempotencyKey({ ...base }));
    expect(usageIdempotencyKey(base)).toMatch(/^lzg_[\w-]{43}$/);
  });
  it('never lets one client key name another user, route, body or mode', () => {
    const key = usageIdempotencyKey({ ...base, body: { pages: 1 } });
    for (const other of [
      { ...base, subjectRef: 'bob', body: { pages: 1 } },
      { ...base, route: 'POST /export?x=1', body: { pages: 1 } },
      { ...base, body: { pages: 2 } },
      { ...base, mode: 'live', body: { pages: 1 } },
      { ...base, clientKey: 'k2', body: { pages: 1 } },
    ]) {
      expect(usageIdempotencyKey(other)).not.toBe(key);
    }
  });
  it('never sends the client key itself, and is random per request without one', () => {
    expect(usageIdempotencyKey(base)).not.toContain('k1');
    const { clientKey: _omit, ...withoutKey } = base;
    expect(usageIdempotencyKey(withoutKey)).not.toBe(usageIdempotencyKey(withoutKey));
  });
});

describe('createUsageGuard', () => {
  it('charges the request and puts { consumed, remaining } on the decision', async () => {
    const { gate } = setup(charged);
    const guard = createUsageGuard<Req, never>({ gate, units: 3, subject, logger: quiet }, () => undefined);
    const outcome = await guard.run({ user: 'alice' }, info());
    expect(outcome).toMatchObject({ ok: true, decision: { subjectRef: 'alice', allowed: true, usage: { units: 3, consumed: 3, remaining: 10, source: 'licenzy' } } });
  });

  it('keeps the decision requireAccess() made for the same subject', async () => {
    const { gate } = setup(charged);
    const guard = createUsageGuard<Req, never>({ gate, units: 1, subject, logger: quiet }, () => undefined);
    const existing = { subjectRef: 'alice', allowed: true, source: 'cache' as const, checkedAt: 1, mode: 'test' as const };
    const outcome = await guard.run({ user: 'alice' }, info(), existing);
    expect(outcome).toMatchObject({ ok: true, decision: { source: 'cache', checkedAt: 1, usage: { consumed: 1 } } });
  });

  it.each([0, -2, 1.5, Number.NaN, '2', undefined, null])('refuses static units %s at setup', (units) => {
    expect(() => createUsageGuard<Req, never>({ units: units as number, subject }, () => undefined)).toThrow(/`units`/);
  });

  it.each([
    ['zero', () => 0],
    ['fractional', () => 0.5],
    ['a string', () => '3'],
    ['a promise', () => Promise.resolve(1)],
    ['a throw', () => {
      throw new Error('boom');
    }],
  ])('answers 500, never a free request, when units() returns %s', async (_name, units) => {
    const { gate, keys } = setup(charged);
    const guard = createUsageGuard<Req, never>({ gate, units: units as () => number, subject, logger: quiet }, () => undefined);
    const outcome = await guard.run({ user: 'alice' }, info());
    expect(outcome).toMatchObject({ ok: false, kind: 'misconfigured', error: { status: 500 } });
    expect(keys).toHaveLength(0);
  });

  it('answers 402 usage_exhausted on insufficient usage, 401 without a subject, 400 on a malformed client key', async () => {
    const { gate } = setup(async () => ({ ok: false, reason: 'insufficient_usage' }));
    const guard = createUsageGuard<Req, never>({ gate, units: 1, subject, logger: quiet }, () => undefined);
    expect(await guard.run({ user: 'alice' }, info())).toMatchObject({ ok: false, kind: 'exhausted', error: { status: 402, code: 'ERR_LICENZY_USAGE_EXHAUSTED' } });
    expect(await guard.run({}, info())).toMatchObject({ ok: false, error: { status: 401 } });
    expect(await guard.run({ user: 'alice' }, info({ idempotencyKey: 'bad\u0001key' }))).toMatchObject({ ok: false, error: { status: 400, code: 'ERR_LICENZY_IDEMPOTENCY_KEY_INVALID' } });
  });

  it('fails open only for a transport outage, and only when the route opted in', async () => {
    const { gate } = setup(async () => {
      throw new LicenzyUnavailableError('status', 'down', { upstreamStatus: 503 });
    });
    const strict = createUsageGuard<Req, never>({ gate, units: 1, subject, logger: quiet }, () => undefined);
    expect(await strict.run({ user: 'alice' }, info())).toMatchObject({ ok: false, kind: 'unavailable', error: { status: 503 } });
    const lenient = createUsageGuard<Req, never>({ gate, units: 1, subject, logger: quiet, onUnavailable: 'allow' }, () => undefined);
    expect(await lenient.run({ user: 'alice' }, info())).toMatchObject({ ok: true, decision: { source: 'fail-open', usage: { consumed: 0, source: 'fail-open' } } });

    const nonsense = setup(async () => {
      throw new LicenzyResponseError('malformed');
    });
    const lenientToo = createUsageGuard<Req, never>({ gate: nonsense.gate, units: 1, subject, logger: quiet, onUnavailable: 'allow' }, () => undefined);
    expect(await lenientToo.run({ user: 'alice' }, info())).toMatchObject({ ok: false, kind: 'unavailable' });
  });

  it('rejects options that belong to requireAccess()', () => {
    expect(() => createUsageGuard<Req, never>({ units: 1, subject, fresh: true } as never, () => undefined)).toThrow(/`fresh`/);
    expect(() => createUsageGuard<Req, never>({ units: 1, subject, charge: 'later' as never }, () => undefined)).toThrow(/`charge`/);
  });
});
