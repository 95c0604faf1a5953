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

describe('regression: the plugin\'s options go through core\'s options path (issue 18)', () => {
  const registerError = async (options: unknown) => {
    const app = Fastify();
    try {
      return await app.register(licenzyGate, options as never).then(() => undefined, (error: unknown) => error);
    } finally {
      await app.close().catch(() => undefined);
    }
  };

  it('`globl` is a LicenzyConfigError naming it and `global` (there was no "did you mean")', async () => {
    const error = await registerError({ gate, globl: true });
    expect(error).toBeInstanceOf(LicenzyConfigError);
    expect(error).toMatchObject({ option: 'globl' });
    expect((error as Error).message).toContain('did you mean `global`?');
  });

  it('`logger: null` is a LicenzyConfigError naming `logger`, never "use the request log"', async () => {
    const error = await registerError({ gate, logger: null });
    expect(error).toBeInstanceOf(LicenzyConfigError);
    expect(error).toMatchObject({ option: 'logger' });
  });

  it('`global: null` is an error naming `global`, never the default', async () => {
    expect(await registerError({ gate, global: null })).toMatchObject({ code: 'ERR_LICENZY_CONFIG', option: 'global' });
  });

  it('a misspelt per-route option names the closest per-route one', async () => {
    const app = Fastify();
    await app.register(licenzyGate, { gate });
    expect(() => app.requireAccess({ fressh: true } as never)).toThrow(/`fressh`.*did you mean `fresh`\?/);
    await app.close();
  });
});
