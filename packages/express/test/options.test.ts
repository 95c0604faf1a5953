// Options as a user mistypes them: every unknown key is a LicenzyConfigError naming it, at setup, before any request.
import { describe, expect, it } from 'vitest';
import { LicenzyConfigError, createAccessGate, requireAccess, requireUsage } from '../src/index.js';

const gate = createAccessGate({ client: { mode: 'test', checkAccess: async (subjectRef) => ({ subjectRef, allowed: true }) } });

describe('regression: requireAccess({ gate, onDeny }) was accepted and the misspelt hook never ran', () => {
  it.each([
    ['requireAccess({ gate, onDeny })', () => requireAccess({ gate, onDeny: () => undefined } as never), 'onDeny', 'onDenied'],
    ['requireAccess({ gate, delegateError })', () => requireAccess({ gate, delegateError: true } as never), 'delegateError', 'delegateErrors'],
    ['requireAccess({ apiKey, cache: { tll } })', () => requireAccess({ apiKey: 'lz_test_example_x', baseUrl: 'https://licenzy.example', cache: { tll: 5 } } as never), 'cache.tll', 'cache.ttl'],
    ['requireUsage({ gate, units, onExhaust })', () => requireUsage({ gate, units: 1, onExhaust: () => undefined } as never), 'onExhaust', 'onExhausted'],
  ])('%s throws naming the key and the closest option', (_label, setup, option, suggestion) => {
    expect(setup).toThrow(LicenzyConfigError);
    expect(setup).toThrow(expect.objectContaining({ option, message: expect.stringContaining(`did you mean \`${suggestion}\`?`) }) as Error);
  });
});

describe('one name for the same thing in every adapter', () => {
  it('subjectFromRequest is the default subject reader; subjectFromAuth stays as its deprecated alias', async () => {
    const { subjectFromAuth, subjectFromRequest } = await import('../src/index.js');
    expect(subjectFromAuth).toBe(subjectFromRequest);
    expect(subjectFromRequest({ user: { id: 'u_1' } } as never)).toBe('u_1');
  });
});
