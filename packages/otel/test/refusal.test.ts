// refusalOf/errorTypeOf agree with core's problemCodeOf for every error code, and read hostile errors safely.
import { LicenzyError, LicenzyUnavailableError, problemCodeOf, type LicenzyErrorCode } from '@licenzy-gate/core';
import { describe, expect, it } from 'vitest';
import { errorTypeOf, refusalOf, unavailableReasonOf } from '../src/refusal.js';

const CODES: LicenzyErrorCode[] = [
  'ERR_LICENZY_CONFIG',
  'ERR_LICENZY_SUBJECT_REQUIRED',
  'ERR_LICENZY_SUBJECT_INVALID',
  'ERR_LICENZY_ACCESS_DENIED',
  'ERR_LICENZY_UNAVAILABLE',
  'ERR_LICENZY_RESPONSE',
  'ERR_LICENZY_AUTH',
  'ERR_LICENZY_ABORTED',
];

describe('refusalOf', () => {
  it.each(CODES)('maps %s as core answers it', (code) => {
    const error = new LicenzyError(code, 'x', { status: 500 });
    expect(refusalOf(error)).toBe(problemCodeOf(error));
    expect(errorTypeOf(error)).toBe(code);
  });

  it('treats anything else as access_misconfigured / _OTHER, as core does', () => {
    for (const error of [new Error('boom'), 'text', undefined, null, { code: 'ECONNRESET' }, { code: 42 }]) {
      expect(refusalOf(error)).toBe('access_misconfigured');
      expect(errorTypeOf(error)).toBe('_OTHER');
    }
  });

  it('never throws on a hostile error (a throwing getter, a revoked proxy)', () => {
    const getter = Object.defineProperty({}, 'code', { get: () => { throw new Error('no'); } });
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    for (const error of [getter, proxy]) {
      expect(refusalOf(error)).toBe('access_misconfigured');
      expect(errorTypeOf(error)).toBe('_OTHER');
      expect(unavailableReasonOf(error)).toBeUndefined();
    }
  });
});

describe('unavailableReasonOf', () => {
  it('reads the reason of an outage only, and only a known one', () => {
    expect(unavailableReasonOf(new LicenzyUnavailableError('circuit_open', 'x'))).toBe('circuit_open');
    expect(unavailableReasonOf(new LicenzyUnavailableError('timeout', 'x'))).toBe('timeout');
    expect(unavailableReasonOf({ code: 'ERR_LICENZY_UNAVAILABLE', reason: 'user_42' })).toBeUndefined();
    expect(unavailableReasonOf({ code: 'ERR_LICENZY_AUTH', reason: 'timeout' })).toBeUndefined();
  });
});
