import { describe, expect, it } from 'vitest';
import { LicenzyAccessDeniedError, LicenzyUnavailableError, createAccessGate } from '../src/index.js';
import { createGuard, refusalAction } from '../src/adapter.js';
import { createFakeChecker } from './fake-checker.js';

const denied = new LicenzyAccessDeniedError('u');
const outage = new LicenzyUnavailableError('timeout', 'slow');
const hook = () => undefined;

describe('refusalAction: one precedence for every adapter', () => {
  it('delegateErrors wins over a hook and over the problem', () => {
    expect(refusalAction({ delegateErrors: true, hooks: { denied: hook } }, 'denied', denied)).toEqual({ type: 'delegate', error: denied });
  });

  it('then the hook configured for this kind of refusal', () => {
    expect(refusalAction({ delegateErrors: false, hooks: { denied: hook } }, 'denied', denied)).toEqual({ type: 'hook', hook, error: denied });
    // A hook for another kind does not apply.
    const action = refusalAction({ delegateErrors: false, hooks: { denied: hook } }, 'unavailable', outage);
    expect(action.type).toBe('problem');
  });

  it('else problem+json, with the status and headers of the error', () => {
    const action = refusalAction({ delegateErrors: false, hooks: {} }, 'unavailable', outage);
    expect(action).toMatchObject({ type: 'problem', problem: { status: 503, headers: { 'retry-after': '1' }, body: { code: 'access_unavailable' } } });
  });

  it('a hook is never taken from the prototype chain (only configured hooks apply)', () => {
    expect(refusalAction({ delegateErrors: false, hooks: {} }, 'toString', denied).type).toBe('problem');
  });

  it("the guard applies it with the route's onDenied and onUnavailable", async () => {
    const fake = createFakeChecker();
    const gate = createAccessGate({ client: fake.checker, circuitBreaker: false, cache: { errorTtl: 0 } });
    const onDenied = () => 'denied hook';
    const guard = createGuard<{ id: string }, typeof onDenied>({ gate, onDenied }, (req) => req.id);
    const pending = guard.run({ id: 'u' });
    fake.next().resolve(false);
    const outcome = await pending;
    if (outcome.allowed) throw new Error('expected a refusal');
    expect(guard.refusal(outcome)).toMatchObject({ type: 'hook', hook: onDenied });
    const failing = guard.run({ id: 'v' });
    fake.next().reject(outage);
    const unavailable = await failing;
    if (unavailable.allowed) throw new Error('expected a refusal');
    expect(guard.refusal(unavailable)).toMatchObject({ type: 'problem', problem: { status: 503 } });
  });
});
