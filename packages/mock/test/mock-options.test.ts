// Tests option validation and defaults of the Licenzy emulator.
import { describe, expect, it } from 'vitest';
import {
  checkMilliseconds,
  DEFAULT_LIVE_KEY,
  DEFAULT_TEST_KEY,
  MockLicenzyConfigError,
  modeOfKey,
  resolveMockOptions,
} from '../src/mock-options.js';

describe('resolveMockOptions', () => {
  it('fills in defaults', () => {
    const resolved = resolveMockOptions();
    expect(resolved).toMatchObject({ port: 0, host: '127.0.0.1', latency: 0, maxLoggedRequests: 10_000, now: Date.now });
    expect([...resolved.keys]).toEqual([
      [DEFAULT_TEST_KEY, 'test'],
      [DEFAULT_LIVE_KEY, 'live'],
    ]);
  });

  it.each([
    ['port', { port: 70_000 }],
    ['port', { port: 1.5 }],
    ['host', { host: '' }],
    ['now', { now: 5 as unknown as () => number }],
    ['latency', { latency: -1 }],
    ['latency', { latency: Infinity }],
    ['maxLoggedRequests', { maxLoggedRequests: -1 }],
    ['keys', { keys: [] }],
    ['keys[1]', { keys: ['lz_test_ok', 'sk_live_nope'] }],
    ['keys[0]', { keys: ['lz_test_with space'] }],
  ])('names the bad option %s', (option, options) => {
    try {
      resolveMockOptions(options);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(MockLicenzyConfigError);
      expect(err).toMatchObject({ option, code: 'ERR_LICENZY_MOCK_CONFIG' });
    }
  });

  it('never echoes a rejected key', () => {
    expect(() => resolveMockOptions({ keys: ['sk_live_secret_value'] })).toThrow(expect.not.objectContaining({ message: expect.stringContaining('secret') }));
  });
});

describe('modeOfKey', () => {
  it('reads the mode from the prefix', () => {
    expect([modeOfKey('lz_test_x'), modeOfKey('lz_live_x'), modeOfKey('lz_prod_x')]).toEqual(['test', 'live', undefined]);
  });
});

describe('checkMilliseconds', () => {
  it('accepts zero and rejects non-numbers', () => {
    expect(checkMilliseconds('latency', 0)).toBe(0);
    expect(() => checkMilliseconds('latency', '5')).toThrow(/latency/);
  });
});
