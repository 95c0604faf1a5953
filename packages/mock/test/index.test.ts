// Tests that the package entry exposes the public API and nothing internal.
import { LicenzyConfigError } from '@licenzy-gate/core';
import { describe, expect, it } from 'vitest';
import * as mock from '../src/index.js';

describe('@licenzy-gate/mock exports', () => {
  it('exposes the emulator, its keys, errors, webhook helpers and the CLI function, and nothing else', () => {
    expect(Object.keys(mock).sort()).toEqual([
      'DEFAULT_LIVE_KEY', 'DEFAULT_TEST_KEY', 'MockLicenzyConfigError', 'OMIT_FIELD', 'createMockLicenzy', 'generateWebhookSecret', 'runMockCli', 'signWebhook',
    ]);
    expect(mock.DEFAULT_TEST_KEY).toBe('lz_test_example_mock_key_000000');
    expect(mock.DEFAULT_LIVE_KEY).toBe('lz_live_example_mock_key_000000');
    expect(mock.OMIT_FIELD).toBe('__omit__');
  });

  it('makes MockLicenzyConfigError a LicenzyConfigError, so one instanceof covers every package', () => {
    const error = new mock.MockLicenzyConfigError('latency', 'expected a number');
    expect(error).toBeInstanceOf(LicenzyConfigError);
    expect(error).toMatchObject({ code: 'ERR_LICENZY_CONFIG', option: 'latency', reason: 'expected a number' });
  });
});
