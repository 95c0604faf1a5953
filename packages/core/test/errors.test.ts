import { describe, expect, it } from 'vitest';
import {
  LicenzyAbortError,
  LicenzyAccessDeniedError,
  LicenzyAuthError,
  LicenzyConfigError,
  LicenzyError,
  LicenzyResponseError,
  LicenzySubjectInvalidError,
  LicenzySubjectRequiredError,
  LicenzyUnavailableError,
  LicenzyUsageExhaustedError,
  LicenzyIdempotencyConflictError,
  LicenzyIdempotencyKeyInvalidError,
  LicenzyWaitTimeoutError,
  isOutage,
  MAX_RETRY_AFTER_SECONDS,
  type LicenzyErrorCode,
} from '../src/index.js';

describe('error hierarchy', () => {
  it.each([
    [new LicenzyConfigError('cache.ttl', 'bad'), 'ERR_LICENZY_CONFIG', 500, false],
    [new LicenzySubjectRequiredError(), 'ERR_LICENZY_SUBJECT_REQUIRED', 401, true],
    [new LicenzySubjectInvalidError('bad'), 'ERR_LICENZY_SUBJECT_INVALID', 400, true],
    [new LicenzyAccessDeniedError('u'), 'ERR_LICENZY_ACCESS_DENIED', 403, true],
    [new LicenzyUnavailableError('timeout', 'slow'), 'ERR_LICENZY_UNAVAILABLE', 503, false],
    [new LicenzyResponseError('bad'), 'ERR_LICENZY_RESPONSE', 503, false],
    [new LicenzyAuthError(401, 'invalid_api_key'), 'ERR_LICENZY_AUTH', 500, false],
    [new LicenzyAbortError(), 'ERR_LICENZY_ABORTED', 503, false],
    [new LicenzyUsageExhaustedError('u', 2), 'ERR_LICENZY_USAGE_EXHAUSTED', 402, true],
    [new LicenzyIdempotencyConflictError(), 'ERR_LICENZY_IDEMPOTENCY_CONFLICT', 409, true],
    [new LicenzyIdempotencyKeyInvalidError(), 'ERR_LICENZY_IDEMPOTENCY_KEY_INVALID', 400, true],
    [new LicenzyWaitTimeoutError('u', 5_000), 'ERR_LICENZY_WAIT_TIMEOUT', 503, false],
  ] as const)('%s carries code, status, statusCode and expose', (error, code, status, expose) => {
    expect(error).toBeInstanceOf(LicenzyError);
    expect(error).toBeInstanceOf(Error);
    expect(error.code satisfies LicenzyErrorCode).toBe(code);
    expect(error.status).toBe(status);
    expect(error.statusCode).toBe(status);
    expect(error.expose).toBe(expose);
    expect(error.name).toBe(error.constructor.name);
  });

  it('unavailable errors carry a Retry-After of at least one second, rounded up from Licenzy\'s hint', () => {
    expect(new LicenzyUnavailableError('network', 'x').headers).toEqual({ 'retry-after': '1' });
    const hinted = new LicenzyUnavailableError('status', 'x', { upstreamStatus: 429, retryAfterMs: 2_500 });
    expect(hinted.headers['retry-after']).toBe('3');
    expect(hinted.retryAfter).toBe(3);
    expect(hinted.upstreamRetryAfterMs).toBe(2_500);
    const local = new LicenzyUnavailableError('circuit_open', 'x', { retryAfterMs: 2_000 });
    expect(local.retryAfter).toBe(2);
    expect(local.upstreamRetryAfterMs).toBeUndefined(); // only Licenzy's own hint is "upstream"
  });

  it('regression: Retry-After is always a whole number of seconds, capped (never "1e+25")', () => {
    expect(new LicenzyUnavailableError('status', 'x', { upstreamStatus: 503, retryAfterMs: 1e28 }).headers['retry-after']).toBe(String(MAX_RETRY_AFTER_SECONDS));
    expect(new LicenzyUnavailableError('status', 'x', { upstreamStatus: 503, retryAfterMs: Number.NaN }).headers['retry-after']).toBe('1');
    expect(new LicenzyUnavailableError('status', 'x', { upstreamStatus: 503, retryAfterMs: -5 }).headers['retry-after']).toBe('1');
    expect(new LicenzyUnavailableError('status', 'x', { upstreamStatus: 503, retryAfterMs: 1_500.7 }).headers['retry-after']).toBe('2');
    for (const ms of [0, 1, 999, 1000, 1001, 299_999, 300_000, 300_001, 1e9, Infinity]) {
      expect(new LicenzyUnavailableError('timeout', 'x', { retryAfterMs: ms }).headers['retry-after']).toMatch(/^[1-9]\d{0,2}$/);
    }
  });

  it('config errors name the option in the message and as a property', () => {
    const error = new LicenzyConfigError('cache.ttl', 'expected a number');
    expect(error.message).toContain('`cache.ttl`');
    expect(error.option).toBe('cache.ttl');
  });

  it('classifies outages (the only errors stale answers may cover)', () => {
    expect(isOutage(new LicenzyUnavailableError('timeout', 'x'))).toBe(true);
    expect(isOutage(new LicenzyUnavailableError('overloaded', 'x'))).toBe(true);
    // A reachable Licenzy answering nonsense is not an outage: nothing may stand in for it.
    expect(isOutage(new LicenzyResponseError('x'))).toBe(false);
    expect(isOutage(new LicenzyAuthError(403, undefined))).toBe(false);
    expect(isOutage(new Error('x'))).toBe(false);
  });
});
