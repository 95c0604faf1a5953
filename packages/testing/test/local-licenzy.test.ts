// Tests the fixture: a local Licenzy and gates on it, started and stopped by the runner's hooks or by hand.
import { LicenzyConfigError } from '@licenzy-gate/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startLocalLicenzy, useLocalLicenzy, type FixtureHooks, type LocalLicenzyOptions } from '../src/index.js';

describe('useLocalLicenzy with vitest hooks', () => {
  const licenzy = useLocalLicenzy({ hooks: { beforeAll, afterAll, afterEach }, gate: { retries: 0, circuitBreaker: false } });

  it('answers a gate from the local Licenzy with its test key', async () => {
    licenzy.mock.grant('fixture_paid');
    expect(await licenzy.gate().check('fixture_paid')).toMatchObject({ allowed: true, source: 'licenzy' });
    expect(await licenzy.gate().check('fixture_unpaid')).toMatchObject({ allowed: false });
    expect(licenzy.mock.count('POST /v1/access/check')).toBe(2);
  });

  it('leaves a fault scripted by one test behind for no other (1/2: script it)', () => {
    licenzy.mock.fault({ type: 'status', status: 503 });
    expect(licenzy.mock.activeFaults()).toHaveLength(1);
  });

  it('leaves a fault scripted by one test behind for no other (2/2: gone)', () => {
    expect(licenzy.mock.activeFaults()).toEqual([]);
  });
});

describe('useLocalLicenzy hooks, driven by hand', () => {
  const registered = (): FixtureHooks & { run(name: 'beforeAll' | 'afterAll' | 'afterEach'): Promise<void> } => {
    const fns: Record<string, Array<() => Promise<void> | void>> = { beforeAll: [], afterAll: [], afterEach: [] };
    return {
      beforeAll: (fn) => void fns.beforeAll?.push(fn),
      afterAll: (fn) => void fns.afterAll?.push(fn),
      afterEach: (fn) => void fns.afterEach?.push(fn),
      run: async (name) => {
        for (const fn of fns[name] ?? []) await fn();
      },
    };
  };

  it('throws before beforeAll ran, starts in beforeAll and stops in afterAll', async () => {
    const hooks = registered();
    const licenzy = useLocalLicenzy({ hooks });
    expect(() => licenzy.mock).toThrow(/not running/);
    await hooks.run('beforeAll');
    const { url } = licenzy.mock;
    expect((await fetch(`${url}/v1/access/check`, { method: 'POST' })).status).toBe(401);
    await hooks.run('afterAll');
    await expect(fetch(`${url}/v1/access/check`, { method: 'POST' })).rejects.toThrow();
  });

  it('without hooks or global ones, names the hooks option', () => {
    expect(() => useLocalLicenzy()).toThrow(LicenzyConfigError);
    expect(() => useLocalLicenzy()).toThrow(/hooks/);
  });
});

describe('startLocalLicenzy', () => {
  it('layers gate options: its key and URL, then the fixture defaults, then the call', async () => {
    const licenzy = await startLocalLicenzy({ gate: { cache: false } });
    try {
      licenzy.mock.grant('layered');
      const gate = licenzy.gate({ retries: 0 });
      await gate.check('layered');
      await gate.check('layered');
      // cache: false from the fixture defaults: each check asks Licenzy.
      expect(licenzy.mock.count('POST /v1/access/check')).toBe(2);
    } finally {
      await licenzy.close();
    }
  });

  it('rejects a typo naming the closest option', async () => {
    await expect(startLocalLicenzy({ gates: {} } as LocalLicenzyOptions)).rejects.toThrow(/`gates`.*did you mean `gate`/);
    await expect(startLocalLicenzy({ mock: { prot: 0 } } as LocalLicenzyOptions)).rejects.toThrow(/`prot`.*did you mean `port`/);
  });
});
