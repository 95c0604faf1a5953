// Type tests of the fixture: the options it takes and what it gives a test.
import type { AccessGateOptions, LicenzyGate } from '@licenzy-gate/core';
import type { MockLicenzy } from '@licenzy-gate/mock';
import { describe, expectTypeOf, it } from 'vitest';
import { startLocalLicenzy, useLocalLicenzy, type LocalLicenzy, type UseLocalLicenzyOptions } from '../src/index.js';

describe('fixture types', () => {
  it('gives a mock and gates', () => {
    expectTypeOf<LocalLicenzy['mock']>().toEqualTypeOf<MockLicenzy>();
    expectTypeOf<LocalLicenzy['gate']>().parameters.toEqualTypeOf<[options?: AccessGateOptions]>();
    expectTypeOf<ReturnType<LocalLicenzy['gate']>>().toEqualTypeOf<LicenzyGate>();
    expectTypeOf(startLocalLicenzy).returns.resolves.toEqualTypeOf<LocalLicenzy>();
    expectTypeOf(useLocalLicenzy).returns.toEqualTypeOf<LocalLicenzy>();
  });

  it('takes the runner hooks, the mock options and gate defaults, and nothing else', () => {
    expectTypeOf<UseLocalLicenzyOptions>().toHaveProperty('hooks');
    expectTypeOf<{ mock: { port: 0 }; gate: { retries: 0 } }>().toMatchTypeOf<UseLocalLicenzyOptions>();
    // @ts-expect-error a typo is a type error too
    useLocalLicenzy({ gates: {} });
  });
});
