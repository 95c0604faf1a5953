import { afterEach, describe, expect, it, vi } from 'vitest';
import { getDefaultGate, resetDefaultGate } from '../src/index.js';
import { createGuard } from '../src/guard.js';
import { createUsageGuard } from '../src/usage.js';

afterEach(() => {
  vi.unstubAllEnvs();
  resetDefaultGate();
});

describe('getDefaultGate', () => {
  it('builds one gate from LICENZY_API_KEY / LICENZY_API_URL and reuses it', () => {
    vi.stubEnv('LICENZY_API_KEY', 'lz_live_example_env_key');
    vi.stubEnv('LICENZY_API_URL', 'https://licenzy.example');
    const gate = getDefaultGate();
    expect(gate.mode).toBe('live');
    expect(getDefaultGate()).toBe(gate);
    resetDefaultGate();
    expect(getDefaultGate()).not.toBe(gate);
  });

  it('fails with a config error naming the missing setting', () => {
    vi.stubEnv('LICENZY_API_KEY', 'lz_test_example_env_key');
    vi.stubEnv('LICENZY_API_URL', '');
    expect(() => getDefaultGate()).toThrow(/`baseUrl`.*LICENZY_API_URL/);
  });
});

describe('routes on the default gate follow resetDefaultGate() (issue 23, item 3)', () => {
  it('a zero-argument guard built before a reset decides with the gate built after it', async () => {
    vi.stubEnv('LICENZY_API_KEY', 'lz_test_old_key');
    vi.stubEnv('LICENZY_API_URL', 'https://old.licenzy.example');
    const guard = createGuard<object, () => void>(undefined, () => 'user_1');
    const usage = createUsageGuard<object, () => void>({ units: 1 }, () => 'user_1');
    const old = getDefaultGate();
    vi.stubEnv('LICENZY_API_KEY', 'lz_live_new_key');
    vi.stubEnv('LICENZY_API_URL', 'https://new.licenzy.example');
    resetDefaultGate();
    const current = getDefaultGate();
    expect(current).not.toBe(old);
    const oldPeek = vi.spyOn(old, 'peek');
    const oldCheck = vi.spyOn(old, 'check');
    const peek = vi.spyOn(current, 'peek').mockReturnValue({ subjectRef: 'user_1', allowed: false, source: 'cache', checkedAt: 0, mode: 'live' });
    expect(guard.decide({})).toMatchObject({ allowed: false, kind: 'denied' });
    expect(peek).toHaveBeenCalledWith('user_1');
    expect(oldPeek).not.toHaveBeenCalled();
    expect(oldCheck).not.toHaveBeenCalled();
    // What the app sees on the route's gate is the current gate's: its mode (the new key's), its stats.
    expect(guard.gate.mode).toBe('live');
    expect(usage.gate.mode).toBe('live');
    expect(guard.gate.stats()).toEqual(current.stats());
  });

  it('a zero-argument guard still fails at setup when the environment has no key', () => {
    vi.stubEnv('LICENZY_API_KEY', '');
    vi.stubEnv('LICENZY_API_URL', 'https://licenzy.example');
    expect(() => createGuard<object, () => void>(undefined, () => 'user_1')).toThrow(expect.objectContaining({ code: 'ERR_LICENZY_CONFIG' }));
  });

  it('a reset to a broken environment refuses the route with 500, never the old key', async () => {
    vi.stubEnv('LICENZY_API_KEY', 'lz_test_old_key');
    vi.stubEnv('LICENZY_API_URL', 'https://old.licenzy.example');
    const guard = createGuard<object, () => void>({ logger: { warn() {}, error() {} } }, () => 'user_1');
    vi.stubEnv('LICENZY_API_KEY', '');
    resetDefaultGate();
    const outcome = await guard.decide({});
    expect(outcome).toMatchObject({ allowed: false, kind: 'misconfigured' });
  });
});
