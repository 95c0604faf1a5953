// Tests option validation and defaults of the Licenzy emulator.
import { LicenzyConfigError } from '@licenzy-gate/core';
import { describe, expect, it } from 'vitest';
import { createMockLicenzy, MockLicenzyConfigError, type MockLicenzyOptions } from '../src/index.js';
import { checkMilliseconds, DEFAULT_LIVE_KEY, DEFAULT_TEST_KEY, modeOfKey, resolveMockOptions } from '../src/mock-options.js';

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
      expect(err).toBeInstanceOf(LicenzyConfigError);
      expect(err).toMatchObject({ option, code: 'ERR_LICENZY_CONFIG' });
    }
  });

  it.each([
    ['prot', 'port', { prot: 0 }],
    ['testKeys', 'keys', { testKeys: ['lz_test_x'] }],
    ['webhookTimout', 'webhookTimeout', { webhookTimout: 10 }],
  ])('rejects the unknown key %s as a LicenzyConfigError suggesting %s', (key, suggestion, options) => {
    const call = () => resolveMockOptions(options as MockLicenzyOptions);
    expect(call).toThrow(LicenzyConfigError);
    expect(call).toThrow(expect.objectContaining({ option: key, message: expect.stringContaining(`did you mean \`${suggestion}\``) }));
  });

  it.each(['port', 'host', 'keys', 'now', 'latency', 'maxLoggedRequests', 'webhooks', 'webhookRetryDelays', 'webhookTimeout'])(
    'never reads %s: null as "use the default"',
    (key) => {
      expect(() => resolveMockOptions({ [key]: null } as MockLicenzyOptions)).toThrow(
        expect.objectContaining({ option: key, code: 'ERR_LICENZY_CONFIG', message: expect.stringContaining('null') }),
      );
    },
  );

  it('rejects options that are not an object', () => {
    expect(() => resolveMockOptions('fast' as MockLicenzyOptions)).toThrow(expect.objectContaining({ option: 'options' }));
  });

  it('makes createMockLicenzy reject a typo before listening', async () => {
    await expect(createMockLicenzy({ latncy: 5 } as MockLicenzyOptions)).rejects.toThrow(/`latncy`.*did you mean `latency`/);
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
