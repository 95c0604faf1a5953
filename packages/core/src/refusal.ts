// The one refusal policy every adapter writes: the typed error to the framework, else the route's hook, else problem+json.
import type { LicenzyError } from './errors.js';
import { toProblem, type Problem } from './problem.js';

/**
 * What an adapter does with a refused request, decided in core so that every adapter (and every route kind:
 * `requireAccess`, `requireUsage`) applies the same precedence: `delegateErrors` first, then the hook configured for
 * this kind of refusal, else the problem+json answer. The adapter only writes it.
 */
export type RefusalAction<Hook> =
  /** Hand the typed error to the framework's error handling (`next(err)`, a throw, `done(err)`). */
  | { readonly type: 'delegate'; readonly error: LicenzyError }
  /** Call the route's hook (`onDenied`, `onExhausted`, `onUnavailable`) with the typed error. */
  | { readonly type: 'hook'; readonly hook: Hook; readonly error: LicenzyError }
  /** Answer with this problem+json (status, headers, body). */
  | { readonly type: 'problem'; readonly error: LicenzyError; readonly problem: Problem };

/** A route's refusal settings: whether to delegate, and the hook (if any) for each kind of refusal. */
export interface RefusalPolicy<Hook> {
  readonly delegateErrors: boolean;
  readonly hooks: Readonly<Partial<Record<string, Hook>>>;
}

/**
 * Decides what to do with a refusal of `kind` (`denied`, `exhausted`, `unavailable`, `refused`, …).
 *
 * @example
 * const action = refusalAction({ delegateErrors: false, hooks: { denied: onDenied } }, 'denied', error)
 * if (action.type === 'problem') res.status(action.problem.status).set(action.problem.headers).json(action.problem.body)
 */
export function refusalAction<Hook>(policy: RefusalPolicy<Hook>, kind: string, error: LicenzyError): RefusalAction<Hook> {
  if (policy.delegateErrors) return { type: 'delegate', error };
  const hook = Object.hasOwn(policy.hooks, kind) ? policy.hooks[kind] : undefined;
  if (hook !== undefined) return { type: 'hook', hook, error };
  return { type: 'problem', error, problem: toProblem(error) };
}

/**
 * What a request refused before any decision means, from its error: no subject (401), a subject that is not a
 * valid subject_ref (400), a malformed request such as a bad `Idempotency-Key` or a reused one (400/409), or a
 * misconfigured gate or resolver (500).
 */
export type RequestRefusalKind = 'unauthenticated' | 'invalid-subject' | 'invalid-request' | 'misconfigured';

/** The {@link RequestRefusalKind} of an error that is neither a denial nor unavailability. */
export function requestRefusalKind(error: LicenzyError): RequestRefusalKind {
  switch (error.code) {
    case 'ERR_LICENZY_SUBJECT_REQUIRED':
      return 'unauthenticated';
    case 'ERR_LICENZY_SUBJECT_INVALID':
      return 'invalid-subject';
    case 'ERR_LICENZY_IDEMPOTENCY_CONFLICT':
    case 'ERR_LICENZY_IDEMPOTENCY_KEY_INVALID':
      return 'invalid-request';
    default:
      return 'misconfigured';
  }
}
