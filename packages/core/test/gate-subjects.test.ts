// Regression (issue 23, item 2): every gate method that takes a subject takes what a resolver may return (a numeric id
// as its decimal string) or throws a typed error; never a silent miss that keeps a revoked grant.
import { describe, expect, it } from 'vitest';
import { LicenzySubjectInvalidError, createAccessGate, type AccessChecker, type ConsumeUsageResult, type CustomerAccess } from '../src/index.js';
import { createGuard } from '../src/guard.js';
import { createClock, createFakeChecker, flush } from './fake-checker.js';

/** A checker that also meters and summarises, recording each subject it is asked about. */
function meteringChecker() {
  const fake = createFakeChecker();
  const asked: string[] = [];
  const checker: AccessChecker = {
    ...fake.checker,
    consumeUsage: async (subjectRef, units): Promise<ConsumeUsageResult> => {
      asked.push(`consume ${subjectRef}`);
      return { ok: true, consumed: units, usageRemaining: 10 };
    },
    getCustomerAccess: async (subjectRef): Promise<CustomerAccess> => {
      asked.push(`summary ${subjectRef}`);
      return { subjectRef, hasAccess: true, status: 'active', entitlements: [], raw: {} };
    },
  };
  return { fake, checker, asked };
}

/** A gate whose resolver returned 42: the grant is cached under '42'. */
async function grantedToNumericSubject() {
  const { fake, checker, asked } = meteringChecker();
  const clock = createClock();
  const gate = createAccessGate({ client: checker, now: clock.now });
  const guard = createGuard<object, () => void>({ gate }, () => 42);
  const pending = guard.decide({});
  await flush();
  fake.next().resolve(true);
  const outcome = await pending;
  expect(outcome).toMatchObject({ allowed: true, decision: { subjectRef: '42' } });
  return { fake, gate, guard, asked };
}

// Plain JavaScript callers: the types say string, the values are what a resolver returned.
const numeric = 42 as unknown as string;

describe('gate methods and numeric subjects (issue 23, item 2)', () => {
  it('invalidate(42) forgets what a resolver returning 42 cached', async () => {
    const { gate, guard } = await grantedToNumericSubject();
    expect(gate.peek(numeric)).toMatchObject({ subjectRef: '42', allowed: true });
    expect(gate.invalidate(numeric)).toBe(true);
    expect(gate.peek('42')).toBeUndefined();
    // The next request asks Licenzy again instead of serving the revoked grant.
    expect(guard.decide({})).toBeInstanceOf(Promise);
  });

  it('invalidateEverywhere(42) forgets it too and resolves true', async () => {
    const { gate } = await grantedToNumericSubject();
    await expect(gate.invalidateEverywhere(numeric)).resolves.toBe(true);
    expect(gate.peek('42')).toBeUndefined();
  });

  it('check, consumeUsage, customerAccess and waitForAccess take 42 as "42"', async () => {
    const { gate, fake, asked } = await grantedToNumericSubject();
    await expect(gate.check(numeric)).resolves.toMatchObject({ subjectRef: '42', source: 'cache' });
    await expect(gate.consumeUsage(numeric, 1, { idempotencyKey: 'k1' })).resolves.toMatchObject({ ok: true, consumed: 1 });
    await expect(gate.customerAccess(numeric)).resolves.toMatchObject({ subjectRef: '42' });
    const waiting = gate.waitForAccess(numeric, { timeout: 1_000 });
    await flush();
    for (const call of fake.pending.splice(0)) call.resolve(true);
    await expect(waiting).resolves.toMatchObject({ subjectRef: '42', allowed: true });
    expect(asked).toEqual(['consume 42', 'summary 42']);
  });

  it('a value no resolver could turn into a subject is refused with a typed error, never a silent miss', async () => {
    const { gate } = await grantedToNumericSubject();
    for (const bad of [undefined, null, -1, 4.2, Number.NaN, 2 ** 53, '', ' 42', {}, [42]] as unknown as string[]) {
      expect(() => gate.invalidate(bad)).toThrow(LicenzySubjectInvalidError);
      await expect(gate.invalidateEverywhere(bad)).rejects.toBeInstanceOf(LicenzySubjectInvalidError);
      await expect(gate.consumeUsage(bad, 1, { idempotencyKey: 'k2' })).rejects.toBeInstanceOf(LicenzySubjectInvalidError);
      await expect(gate.customerAccess(bad)).rejects.toBeInstanceOf(LicenzySubjectInvalidError);
      await expect(gate.waitForAccess(bad, { timeout: 10 })).rejects.toBeInstanceOf(LicenzySubjectInvalidError);
      await expect(gate.check(bad)).rejects.toBeInstanceOf(LicenzySubjectInvalidError);
    }
    // peek's fast path stays a plain cache read for strings (an invalid string is never stored, so it misses) …
    expect(gate.peek(' 42')).toBeUndefined();
    // … and refuses what is neither a string nor a numeric id.
    for (const bad of [undefined, null, -1, 4.2, {}] as unknown as string[]) expect(() => gate.peek(bad)).toThrow(LicenzySubjectInvalidError);
    // None of it touched the grant.
    expect(gate.peek('42')).toMatchObject({ allowed: true });
  });

  it('a numeric id and another subject spelled alike stay one subject, never two (no "042", no "42.0")', async () => {
    const { gate } = await grantedToNumericSubject();
    expect(gate.peek('042')).toBeUndefined();
    expect(gate.invalidate('042')).toBe(false);
    expect(gate.peek(42.0 as unknown as string)).toMatchObject({ subjectRef: '42' });
  });
});
