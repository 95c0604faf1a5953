// The decision of a gated Request, kept beside it (a WeakMap), since a Request's own properties are not ours to add.
import type { RequestDecision } from '@licenzy-gate/core';

const decisions = new WeakMap<Request, RequestDecision>();

/**
 * The access decision `withAccess()` / `withUsage()` / `checkRequest()` made for this request: set on every allowed
 * request (`source` `'licenzy'`, `'cache'`, `'stale'` or `'fail-open'`; `usage` after `withUsage()`) and on a Licenzy
 * denial answered by an `onDenied` hook; `undefined` for a request no gate saw. Kept in a WeakMap: nothing is added
 * to the `Request` and nothing outlives it.
 *
 * @example
 * export const GET = withAccess((request) => Response.json({ plan: decisionOf(request)?.subjectRef }), { gate, subject })
 */
export function decisionOf(request: Request): RequestDecision | undefined {
  return decisions.get(request);
}

/** Records the decision of a request. */
export function setDecision(request: Request, decision: RequestDecision): void {
  decisions.set(request, decision);
}
