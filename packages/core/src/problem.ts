// Turns any error met while gating into the HTTP answer every adapter sends: RFC 9457 problem+json, nothing internal.
import { LicenzyError } from './errors.js';

/** The `code` of a refusal in the response body, one per outcome. */
export type ProblemCode =
  | 'subject_required'
  | 'subject_invalid'
  | 'access_denied'
  | 'access_unavailable'
  | 'access_misconfigured'
  | 'usage_exhausted'
  | 'idempotency_conflict'
  | 'idempotency_key_invalid'
  | 'access_pending';

/** A refusal as an adapter sends it. */
export interface Problem {
  status: number;
  headers: Record<string, string>;
  body: { type: string; title: string; status: number; code: ProblemCode };
}

const TITLES: Record<ProblemCode, string> = {
  subject_required: 'Authentication required',
  subject_invalid: 'The authenticated subject is not a valid subject reference',
  access_denied: 'This resource requires an active entitlement',
  access_unavailable: 'Access could not be checked right now; try again shortly',
  access_misconfigured: 'Access checks are misconfigured on this server',
  usage_exhausted: 'Not enough usage left for this request',
  idempotency_conflict: 'This Idempotency-Key was already used for a different request',
  idempotency_key_invalid: 'The Idempotency-Key header must be 1 to 255 printable ASCII characters',
  access_pending: 'Access is not active yet; try again shortly',
};

/** Which problem an error becomes. Unknown errors are `access_misconfigured` (500), never a grant. */
export function problemCodeOf(error: unknown): ProblemCode {
  if (!(error instanceof LicenzyError)) return 'access_misconfigured';
  switch (error.code) {
    case 'ERR_LICENZY_SUBJECT_REQUIRED':
      return 'subject_required';
    case 'ERR_LICENZY_SUBJECT_INVALID':
      return 'subject_invalid';
    case 'ERR_LICENZY_ACCESS_DENIED':
      return 'access_denied';
    case 'ERR_LICENZY_UNAVAILABLE':
    case 'ERR_LICENZY_RESPONSE':
    case 'ERR_LICENZY_ABORTED':
      return 'access_unavailable';
    case 'ERR_LICENZY_AUTH':
    case 'ERR_LICENZY_CONFIG':
      return 'access_misconfigured';
    case 'ERR_LICENZY_USAGE_EXHAUSTED':
      return 'usage_exhausted';
    case 'ERR_LICENZY_IDEMPOTENCY_CONFLICT':
      return 'idempotency_conflict';
    case 'ERR_LICENZY_IDEMPOTENCY_KEY_INVALID':
      return 'idempotency_key_invalid';
    case 'ERR_LICENZY_WAIT_TIMEOUT':
      return 'access_pending';
  }
}

const STATUS: Record<ProblemCode, number> = {
  subject_required: 401,
  subject_invalid: 400,
  access_denied: 403,
  access_unavailable: 503,
  access_misconfigured: 500,
  usage_exhausted: 402,
  idempotency_conflict: 409,
  idempotency_key_invalid: 400,
  access_pending: 503,
};

/**
 * The response for a refusal: status, headers (`Content-Type: application/problem+json`,
 * `Cache-Control: no-store`, and `Retry-After` on 503) and a body with `type`, `title`, `status`, `code`.
 * Upstream text, stack traces and keys never reach it.
 *
 * @example
 * const { status, headers, body } = toProblem(err)
 * res.writeHead(status, headers).end(JSON.stringify(body))
 */
export function toProblem(error: unknown): Problem {
  const code = problemCodeOf(error);
  const status = STATUS[code];
  const headers: Record<string, string> = {
    'content-type': 'application/problem+json; charset=utf-8',
    // A refusal is about this user at this moment: no shared cache may keep it.
    'cache-control': 'no-store',
  };
  if (status === 503) {
    headers['retry-after'] = (error instanceof LicenzyError && error.headers['retry-after']) || '1';
  }
  return { status, headers, body: { type: `urn:licenzy-gate:problem:${code}`, title: TITLES[code], status, code } };
}
