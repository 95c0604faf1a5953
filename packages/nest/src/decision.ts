// Where a request's decision is kept between the guard, the usage interceptor and `@LicenzyDecision()`: a WeakMap, so
// no property is added to the request (an own property per request copies its hidden class; see the Express adapter).
import type { RequestDecision } from '@licenzy-gate/core';

const decisions = new WeakMap<object, RequestDecision>();

/** Records the decision for a request (by the guard on every allowed request and on a denial; by the usage interceptor). */
export function setRequestDecision(request: object, decision: RequestDecision): void {
  decisions.set(request, decision);
}

/**
 * The access decision of a request, as `req.licenzy` holds it in Express: set by `LicenzyGuard` on every allowed
 * request (and on a denial), with `usage` once `@RequireUsage()` charged it. `undefined` on a route with no gate.
 *
 * @example
 * intercept(context: ExecutionContext, next: CallHandler) {
 *   const decision = licenzyDecision(context.switchToHttp().getRequest())
 * }
 */
export function licenzyDecision(request: object): RequestDecision | undefined {
  return decisions.get(request);
}
