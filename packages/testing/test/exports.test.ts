// Tests that the package entry exposes the test kit, and the names that moved to @licenzy-gate/mock for one release.
import * as mock from '@licenzy-gate/mock';
import { describe, expect, it } from 'vitest';
import * as testing from '../src/index.js';

describe('@licenzy-gate/testing exports', () => {
  it('exposes the fixture, the fake gate, the helpers and the conformance suite', () => {
    expect(Object.keys(testing)).toEqual(
      expect.arrayContaining(['createFakeGate', 'useLocalLicenzy', 'startLocalLicenzy', 'runConformance', 'conformanceSuites', 'listen', 'uniqueSubject']),
    );
  });

  it('re-exports every runtime name of @licenzy-gate/mock, the same values, for one release', () => {
    for (const name of Object.keys(mock) as Array<keyof typeof mock>) {
      expect(testing[name as keyof typeof testing], name).toBe(mock[name]);
    }
  });
});
