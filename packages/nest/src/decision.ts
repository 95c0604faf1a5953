// Where a request's decision is kept between the guard, the usage interceptor and `@LicenzyDecision()`. On Node's
// IncomingMessage (Nest on Express) in a WeakMap: on Node 20 every IncomingMessage has a hidden class (V8 map) of its
// own, so a property added per request copies it (see the Express adapter's decision-property.ts). Elsewhere (Fastify's
// request, whose instances share one shape) under a symbol, which costs a shared shape transition instead of a WeakMap
// entry (a few ns against a few hundred per request under load, benchmark 2).
import { IncomingMessage } from 'node:http';
import type { RequestDecision } from '@licenzy-gate/core';

const decisions = new WeakMap<object, RequestDecision>();
const DECISION = Symbol.for('@licenzy-gate/nest:decision');

type Holder = { [DECISION]?: RequestDecision };

/** Records the decision for a request (by the guard on every allowed request and on a denial; by the usage interceptor). */
export function setRequestDecision(request: object, decision: RequestDecision): void {
  if (request instanceof IncomingMessage) decisions.set(request, decision);
  else (request as Holder)[DECISION] = decision;
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
  return request instanceof IncomingMessage ? decisions.get(request) : (request as Holder)[DECISION];
}
