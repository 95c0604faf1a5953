// Plugin options as a user mistypes them: every unknown key is a LicenzyConfigError naming it, when registering.
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { LicenzyConfigError, createAccessGate, licenzyGate } from '../src/index.js';

const gate = createAccessGate({ client: { mode: 'test', checkAccess: async (subjectRef) => ({ subjectRef, allowed: true }) } });

describe('regression: register(licenzyGate, { onDeny }) was accepted and the misspelt hook never ran', () => {
  it('rejects an unknown plugin option at register time, naming it and the closest option', async () => {
    const app = Fastify();
    await expect(app.register(licenzyGate, { gate, onDeny: () => undefined } as never)).rejects.toSatisfy(
      (error: unknown) => error instanceof LicenzyConfigError && error.option === 'onDeny' && error.message.includes('did you mean `onDenied`?'),
    );
  });

  it('still accepts `global` and the keys Fastify itself reads from register options', async () => {
    const app = Fastify();
    await app.register(licenzyGate, { gate, global: true, prefix: '/paid', logLevel: 'warn' } as never);
    await app.ready();
    await app.close();
  });
});
