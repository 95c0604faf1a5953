// The emulator's configuration error: core's LicenzyConfigError, so one `instanceof` covers every licenzy-gate package.
import { LicenzyConfigError } from '@licenzy-gate/core';

/**
 * Thrown synchronously (or as the rejection of `createMockLicenzy`) when the emulator is misconfigured: a bad option,
 * a control call with a bad field, a fault that cannot be scripted. A {@link LicenzyConfigError} (`code`
 * `'ERR_LICENZY_CONFIG'`); `option` names the offending option or argument and `reason` says what was wrong with it.
 * @example
 * try { mock.setLatency(-1); } catch (err) { if (err instanceof LicenzyConfigError) console.log(err.option); } // 'latency'
 */
export class MockLicenzyConfigError extends LicenzyConfigError {
  /** What was wrong, without the option's name (e.g. `'expected a non-empty string'`), for a CLI or a 400 body. */
  readonly reason: string;

  constructor(option: string, reason: string) {
    super(option, reason);
    this.reason = reason;
  }
}
