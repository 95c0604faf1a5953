// createAccessStatus() and loadCustomerAccess() without HTTP: answers, refusals, options, and no grant from input.
import { describe, expect, it } from 'vitest';
import { LicenzyUnavailableError, createAccessGate, type AccessChecker, type CustomerAccess } from '../src/index.js';
import { createAccessStatus, loadCustomerAccess } from '../src/adapter.js';

interface Req {
  user?: string;
  query?: Record<string, string>;
}

function setup(answer: (subjectRef: string) => Promise<boolean>) {
  const client: AccessChecker = {
    mode: 'test',
    checkAccess: async (subjectRef) => ({ subjectRef, allowed: await answer(subjectRef) }),
    getCustomerAccess: async (subjectRef): Promise<CustomerAccess> => ({ subjectRef, hasAccess: true, status: 'active', entitlements: [{ kind: 'usage_pack', usage_remaining: 3 }], raw: {} }),
  };
  return createAccessGate({ client, circuitBreaker: false, freshInterval: 0, cache: { errorTtl: 0 }, logger: { warn: () => undefined, error: () => undefined } });
}
const subject = (req: Req) => req.user;
const quiet = { warn: () => undefined, error: () => undefined };

describe('createAccessStatus', () => {
  it('answers 200 {"allowed":true} for access and 202 with Retry-After without, no-store both', async () => {
    const gate = setup(async (s) => s === 'paid');
    const route = createAccessStatus<Req>({ gate, subject, wait: 0, retryAfter: 3, logger: quiet }, () => undefined);
    expect(await route.run({ user: 'paid' })).toEqual({ status: 200, headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }, body: { allowed: true } });
    const pending = await route.run({ user: 'unpaid', query: { allowed: 'true', paid: '1' } });
    expect(pending).toMatchObject({ status: 202, headers: { 'retry-after': '3', 'cache-control': 'no-store' }, body: { allowed: false, retryAfter: 3 } });
  });

  it('re-checks a cached denial: it may predate the payment', async () => {
    let paid = false;
    const gate = setup(async () => paid);
    const route = createAccessStatus<Req>({ gate, subject, wait: 0, logger: quiet }, () => undefined);
    expect((await route.run({ user: 'buyer' })).status).toBe(202);
    paid = true;
    expect((await route.run({ user: 'buyer' })).status).toBe(200);
  });

  it('answers 503 when the wait ran out while Licenzy was failing, 401 without a subject', async () => {
    const gate = setup(async () => {
      throw new LicenzyUnavailableError('status', 'down', { upstreamStatus: 503 });
    });
    const route = createAccessStatus<Req>({ gate, subject, wait: 50, logger: quiet }, () => undefined);
    expect(await route.run({ user: 'buyer' })).toMatchObject({ status: 503, body: { code: 'access_unavailable' } });
    expect(await route.run({})).toMatchObject({ status: 401, body: { code: 'subject_required' } });
  });

  it('answers 500 when the resolver throws, without its text', async () => {
    const gate = setup(async () => true);
    const route = createAccessStatus<Req>({ gate, subject: () => { throw new Error('secret detail'); }, logger: quiet }, () => undefined);
    const reply = await route.run({});
    expect(reply.status).toBe(500);
    expect(JSON.stringify(reply.body)).not.toContain('secret detail');
  });

  it.each([[{ wait: 30_001 }, 'wait'], [{ wait: -1 }, 'wait'], [{ retryAfter: 0 }, 'retryAfter'], [{ retryAfter: 1.5 }, 'retryAfter']])('refuses %j at setup', (options, option) => {
    const gate = setup(async () => true);
    expect(() => createAccessStatus<Req>({ gate, subject, ...options }, () => undefined)).toThrow(new RegExp(`\`${option}\``));
  });

  it('refuses a gate that cannot wait (a hand-written AccessGate)', () => {
    const gate = { mode: 'test' as const, now: () => 0, check: async () => { throw new Error('x'); }, peek: () => undefined, invalidate: () => false, clear: () => undefined, stats: () => ({}) };
    expect(() => createAccessStatus<Req>({ gate: gate as never, subject }, () => undefined)).toThrow(/`gate`/);
  });
});

describe('loadCustomerAccess', () => {
  it("loads the request subject's summary, and rejects 401 without one", async () => {
    const gate = setup(async () => true);
    expect((await loadCustomerAccess<Req>({ user: 'u1' }, { gate }, subject)).entitlements[0]).toMatchObject({ usage_remaining: 3 });
    await expect(loadCustomerAccess<Req>({}, { gate }, subject)).rejects.toMatchObject({ code: 'ERR_LICENZY_SUBJECT_REQUIRED', status: 401 });
  });
});
