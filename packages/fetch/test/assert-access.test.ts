// assertAccess(): the decision for a subject without a Request (server actions), or a typed refusal carrying the problem.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { uniqueSubject, useLocalLicenzy } from '@licenzy-gate/testing';
import { LicenzyConfigError, LicenzyRefusalError, assertAccess, type AccessGate, type AssertAccessOptions } from '../src/index.js';

const licenzy = useLocalLicenzy({ hooks: { beforeAll, afterAll, afterEach }, gate: { retries: 0, circuitBreaker: false } });
let gate: AccessGate;
beforeAll(() => {
  gate = licenzy.gate();
});

async function refusalOf(promise: Promise<unknown>): Promise<LicenzyRefusalError> {
  const error: unknown = await promise.then(() => undefined, (reason: unknown) => reason);
  expect(error).toBeInstanceOf(LicenzyRefusalError);
  return error as LicenzyRefusalError;
}

describe('assertAccess', () => {
  it('resolves to the decision of a subject with access', async () => {
    const paid = uniqueSubject('assert_paid');
    licenzy.mock.grant(paid);
    const decision = await assertAccess(paid, { gate });
    expect(decision).toMatchObject({ allowed: true, subjectRef: paid });
  });

  it('throws LicenzyRefusalError with the problem body: 403, 401, 400 and 503 + Retry-After', async () => {
    const options = { gate };
    const denied = await refusalOf(assertAccess(uniqueSubject('assert_free'), options));
    expect(denied).toMatchObject({ status: 403, code: 'ERR_LICENZY_ACCESS_DENIED', problem: { code: 'access_denied', status: 403 } });
    expect(denied.cause.code).toBe('ERR_LICENZY_ACCESS_DENIED');
    expect((await refusalOf(assertAccess(undefined, options))).problem.code).toBe('subject_required');
    expect((await refusalOf(assertAccess({ id: 'u' }, options))).problem.code).toBe('subject_invalid');
    licenzy.mock.fault({ type: 'status', status: 503 });
    const down = await refusalOf(assertAccess(uniqueSubject('assert_down'), options));
    expect(down).toMatchObject({ status: 503, problem: { code: 'access_unavailable' } });
    expect(down.headers['retry-after']).toMatch(/^\d+$/);
  });

  it("onUnavailable: 'allow' serves during an outage, marked fail-open", async () => {
    licenzy.mock.fault({ type: 'status', status: 503 });
    const decision = await assertAccess(uniqueSubject('assert_open'), { gate, onUnavailable: 'allow' });
    expect(decision.source).toBe('fail-open');
  });

  it('refuses request-route options, naming them', async () => {
    for (const key of ['subject', 'onDenied', 'delegateErrors', 'reportOnly']) {
      const options = { gate, [key]: () => 'x' } as unknown as AssertAccessOptions;
      await expect(assertAccess('user_1', options)).rejects.toThrow(LicenzyConfigError);
      await expect(assertAccess('user_1', options)).rejects.toThrow(`\`${key}\``);
    }
  });
});
