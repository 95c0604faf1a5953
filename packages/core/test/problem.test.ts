import { describe, expect, it } from 'vitest';
import {
  LicenzyAccessDeniedError,
  LicenzyAuthError,
  LicenzyConfigError,
  LicenzyResponseError,
  LicenzySubjectInvalidError,
  LicenzySubjectRequiredError,
  LicenzyUnavailableError,
  LicenzyUsageExhaustedError,
  LicenzyIdempotencyConflictError,
  LicenzyIdempotencyKeyInvalidError,
  LicenzyWaitTimeoutError,
  toProblem,
} from '../src/index.js';

describe('toProblem', () => {
  it.each([
    [new LicenzySubjectRequiredError(), 401, 'subject_required'],
    [new LicenzySubjectInvalidError('x'), 400, 'subject_invalid'],
    [new LicenzyAccessDeniedError('u'), 403, 'access_denied'],
    [new LicenzyUnavailableError('timeout', 'x'), 503, 'access_unavailable'],
    [new LicenzyResponseError('x'), 503, 'access_unavailable'],
    [new LicenzyAuthError(401, 'invalid_api_key'), 500, 'access_misconfigured'],
    [new LicenzyConfigError('apiKey', 'x'), 500, 'access_misconfigured'],
    [new TypeError('boom'), 500, 'access_misconfigured'],
    ['a string', 500, 'access_misconfigured'],
    [new LicenzyUsageExhaustedError('u', 1), 402, 'usage_exhausted'],
    [new LicenzyIdempotencyConflictError(), 409, 'idempotency_conflict'],
    [new LicenzyIdempotencyKeyInvalidError(), 400, 'idempotency_key_invalid'],
    [new LicenzyWaitTimeoutError('u', 1_000), 503, 'access_pending'],
  ])('maps %s to %i %s', (error, status, code) => {
    const problem = toProblem(error);
    expect(problem.status).toBe(status);
    expect(problem.body).toEqual({ type: `urn:licenzy-gate:problem:${code}`, title: expect.any(String), status, code });
    expect(problem.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(problem.headers['cache-control']).toBe('no-store');
  });

  it('sends Retry-After on 503, from Licenzy\'s hint when there was one', () => {
    expect(toProblem(new LicenzyUnavailableError('status', 'x', { retryAfterMs: 7_000 })).headers['retry-after']).toBe('7');
    expect(toProblem(new LicenzyResponseError('x')).headers['retry-after']).toBe('1');
    expect(toProblem(new LicenzyAccessDeniedError('u')).headers['retry-after']).toBeUndefined();
  });

  it('never copies an error message into the body', () => {
    const body = JSON.stringify(toProblem(new TypeError('lz_live_secret leaked in message')).body);
    expect(body).not.toContain('secret');
  });
});
