// Tests that the package entry exposes the public API and nothing internal.
import { describe, expect, it } from 'vitest';
import * as testing from '../src/index.js';

describe('@licenzy-gate/testing exports', () => {
  it('exposes the emulator, its keys, errors and the CLI function', () => {
    // A subset check: other modules (e.g. the conformance suite) add their own exports here.
    expect(Object.keys(testing)).toEqual(
      expect.arrayContaining(['DEFAULT_LIVE_KEY', 'DEFAULT_TEST_KEY', 'MockLicenzyConfigError', 'OMIT_FIELD', 'createMockLicenzy', 'runMockCli']),
    );
    // Internals stay internal.
    expect(Object.keys(testing)).not.toEqual(expect.arrayContaining(['MockState']));
    expect(Object.keys(testing)).not.toEqual(expect.arrayContaining(['planCall']));
    expect(testing.DEFAULT_TEST_KEY).toBe('lz_test_example_mock_key_000000');
    expect(testing.DEFAULT_LIVE_KEY).toBe('lz_live_example_mock_key_000000');
    expect(testing.OMIT_FIELD).toBe('__omit__');
  });

  it('exposes the fake gate and the webhook helpers', () => {
    expect(Object.keys(testing)).toEqual(expect.arrayContaining(['createFakeGate', 'generateWebhookSecret', 'signWebhook']));
    // The control API's internals are reached over HTTP, not imported.
    expect(Object.keys(testing)).not.toEqual(expect.arrayContaining(['handleControl']));
    expect(Object.keys(testing)).not.toEqual(expect.arrayContaining(['WebhookSender']));
  });
});
