// Why the gate refused, read from its typed errors by `code` only (no runtime import of core, no message text).

/**
 * The `code` of the problem+json answer a refusal becomes; the same words as core's `problemCodeOf()`. It is the
 * value of `licenzy.refusal.code` on the request span.
 *
 * @example
 * const refused = spans.filter((s) => s.attributes['licenzy.refusal.code'] === ('access_unavailable' satisfies RefusalCode))
 */
export type RefusalCode = 'subject_required' | 'subject_invalid' | 'access_denied' | 'access_unavailable' | 'access_misconfigured';

const REFUSAL_OF_CODE: Readonly<Record<string, RefusalCode>> = Object.freeze({
  ERR_LICENZY_SUBJECT_REQUIRED: 'subject_required',
  ERR_LICENZY_SUBJECT_INVALID: 'subject_invalid',
  ERR_LICENZY_ACCESS_DENIED: 'access_denied',
  ERR_LICENZY_UNAVAILABLE: 'access_unavailable',
  ERR_LICENZY_RESPONSE: 'access_unavailable',
  ERR_LICENZY_ABORTED: 'access_unavailable',
  ERR_LICENZY_AUTH: 'access_misconfigured',
  ERR_LICENZY_CONFIG: 'access_misconfigured',
});

const UNAVAILABLE_REASONS = new Set(['timeout', 'network', 'status', 'circuit_open', 'budget', 'overloaded']);

/** The error's `code` when it is one of licenzy-gate's, else `_OTHER` (the semantic conventions' fallback). */
export function errorTypeOf(error: unknown): string {
  const code = readString(error, 'code');
  return code !== undefined && Object.hasOwn(REFUSAL_OF_CODE, code) ? code : '_OTHER';
}

/** What the refusal of this error is answered with; anything unknown is `access_misconfigured`, as in core. */
export function refusalOf(error: unknown): RefusalCode {
  const code = readString(error, 'code');
  return (code !== undefined && Object.hasOwn(REFUSAL_OF_CODE, code) ? REFUSAL_OF_CODE[code] : undefined) ?? 'access_misconfigured';
}

/** `reason` of an `ERR_LICENZY_UNAVAILABLE` error (`timeout`, `network`, `status`, `circuit_open`, `budget`, `overloaded`). */
export function unavailableReasonOf(error: unknown): string | undefined {
  if (readString(error, 'code') !== 'ERR_LICENZY_UNAVAILABLE') return undefined;
  const reason = readString(error, 'reason');
  return reason !== undefined && UNAVAILABLE_REASONS.has(reason) ? reason : undefined;
}

/** A string property, read defensively: the error may be anything a checker threw (a getter may throw). */
function readString(value: unknown, key: string): string | undefined {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return undefined;
  try {
    const field: unknown = (value as Record<string, unknown>)[key];
    return typeof field === 'string' ? field : undefined;
  } catch {
    return undefined;
  }
}
