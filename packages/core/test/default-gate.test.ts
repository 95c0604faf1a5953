import { afterEach, describe, expect, it, vi } from 'vitest';
import { getDefaultGate, resetDefaultGate } from '../src/index.js';

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
