// Options as a user mistypes them: every unknown key is a LicenzyConfigError naming it, at setup, before any request.
import { describe, expect, it } from 'vitest';
import { LicenzyConfigError, createAccessGate, requireAccess } from '../src/index.js';

const gate = createAccessGate({ client: { mode: 'test', checkAccess: async (subjectRef) => ({ subjectRef, allowed: true }) } });

describe('regression: requireAccess({ gate, onDeny }) was accepted and the misspelt hook never ran', () => {
  it.each([
    ['requireAccess({ gate, onDeny })', () => requireAccess({ gate, onDeny: () => undefined } as never), 'onDeny', 'onDenied'],
    ['requireAccess({ gate, onUnavailible })', () => requireAccess({ gate, onUnavailible: 'allow' } as never), 'onUnavailible', 'onUnavailable'],
  ])('%s throws naming the key and the closest option', (_label, setup, option, suggestion) => {
    expect(setup).toThrow(LicenzyConfigError);
    expect(setup).toThrow(expect.objectContaining({ option, message: expect.stringContaining(`did you mean \`${suggestion}\`?`) }) as Error);
  });
});

describe('one name for the same thing in every adapter', () => {
  it('subjectFromRequest is the default subject reader; subjectFromAuth stays as its deprecated alias', async () => {
    const { subjectFromAuth, subjectFromRequest } = await import('../src/index.js');
    expect(subjectFromAuth).toBe(subjectFromRequest);
    expect(subjectFromRequest({ state: { user: { id: 'u_1' } } } as never)).toBe('u_1');
  });
});
