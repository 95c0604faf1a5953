// Gates a fetch handler `(request, ...rest) => Response` on a Licenzy access check: the handler, or a refusal Response.
import type { RequestDecision } from '@licenzy-gate/core';
import { createGuard, markGate, type Guard, type GuardOutcome, type RequireAccessOptions } from '@licenzy-gate/core/adapter';
import { setDecision } from './decision.js';
import { refusalResponse, type FetchRefusalHook } from './respond.js';
import { noDefaultSubject, requiredSubject } from './subject.js';

/**
 * Options of {@link withAccess} and {@link checkRequest}: the shared adapter options (`gate` or gate options,
 * `fresh`, `onDenied`, `onUnavailable`, `delegateErrors`, `reportOnly`, `logger`) with `subject` **required**:
 * `(request) => subject` from your server-side session or verified token.
 */
export type FetchAccessOptions = RequireAccessOptions<Request, FetchRefusalHook> & { subject: (request: Request) => unknown };

/** A fetch handler: the request first, anything else the runtime passes after it (Next.js `{ params }`, Workers' `env, ctx`). */
export type FetchHandler<Rest extends unknown[] = unknown[]> = (request: Request, ...rest: Rest) => Response | Promise<Response>;

/** Builds the guard of a fetch route: the `subject` resolver is required. @throws {LicenzyConfigError} */
export function fetchGuard(options: FetchAccessOptions): Guard<Request, FetchRefusalHook> {
  requiredSubject<Request>(options);
  return createGuard<Request, FetchRefusalHook>(options, noDefaultSubject);
}

/** Where a report-only request was: a bare handler knows no route pattern (a URL path would grow without bound). */
export const whereOf = (request: Request) => ({ route: undefined, method: request.method });

/**
 * The refusal `Response` for this request, or `null` when it may proceed (its decision then on
 * {@link decisionOf}). Report-only routes always answer `null`.
 */
function checkWith(guard: Guard<Request, FetchRefusalHook>, request: Request): Response | null | Promise<Response | null> {
  if (guard.reportOnly === true || (guard.reportOnly === 'per-request' && guard.reportsOnly(request))) {
    const decision = guard.observe(request, whereOf);
    if (decision !== undefined) setDecision(request, decision);
    return null;
  }
  const outcome = guard.decide(request);
  // A cache hit is decided synchronously; only a Licenzy call or an async resolver awaits.
  return outcome instanceof Promise ? outcome.then((settled) => settle(guard, settled, request)) : settle(guard, outcome, request);
}

function settle(guard: Guard<Request, FetchRefusalHook>, outcome: GuardOutcome, request: Request): Response | null | Promise<Response> {
  if (outcome.allowed) {
    setDecision(request, outcome.decision);
    return null;
  }
  if (outcome.kind === 'denied') setDecision(request, outcome.decision as RequestDecision);
  // Core decides (delegate, hook or problem); the adapter only writes it.
  return refusalResponse(guard.refusal(outcome), request);
}

/**
 * Wraps a fetch handler so it runs only when Licenzy says the request's subject may proceed. Options are validated
 * and the gate is built here, once. The wrapped handler keeps the handler's signature (Next.js route handlers,
 * `Bun.serve`, `Deno.serve`, a Worker's `fetch`), and the decision is on {@link decisionOf}`(request)`.
 *
 * Refused: the handler does not run; the answer is 401 `subject_required`, 400 `subject_invalid`, 403
 * `access_denied`, 503 `access_unavailable` (with `Retry-After`) or 500 `access_misconfigured` as
 * `application/problem+json` — the bodies of every licenzy-gate adapter — unless `onDenied` / `onUnavailable` return
 * a `Response`, or `delegateErrors: true` rejects with the typed error.
 *
 * @throws {LicenzyConfigError} at setup, naming the invalid option (`subject` is required).
 * @example
 * const gate = createAccessGate()
 * const subject = async (request: Request) => (await auth(request))?.userId // your session, never a client header
 * export const GET = withAccess(async (request) => Response.json({ report: decisionOf(request)?.subjectRef }), { gate, subject })
 */
export function withAccess<Rest extends unknown[]>(handler: FetchHandler<Rest>, options: FetchAccessOptions): FetchHandler<Rest> {
  const guard = fetchGuard(options);
  async function licenzyWithAccess(request: Request, ...rest: Rest): Promise<Response> {
    const refusal = await checkWith(guard, request);
    return refusal ?? handler(request, ...rest);
  }
  return markGate(licenzyWithAccess, 'access', options);
}

/** Guards built by {@link checkRequest}, one per options object, so a module-level options object builds one gate. */
const guards = new WeakMap<object, Guard<Request, FetchRefusalHook>>();

/**
 * Checks a request for middleware-style use (Next.js middleware, a custom router): resolves to the refusal
 * `Response` to send, or `null` when the request may proceed (its decision then on {@link decisionOf}). The guard is
 * built on the first call for an options object and reused for that object: keep `options` in a module constant.
 *
 * @throws {LicenzyConfigError} on the first call with invalid options (`subject` is required).
 * @example
 * const access = { gate, subject: sessionUserId }
 * const refusal = await checkRequest(request, access)
 * if (refusal) return refusal
 */
export async function checkRequest(request: Request, options: FetchAccessOptions): Promise<Response | null> {
  let guard = guards.get(options);
  if (guard === undefined) {
    guard = fetchGuard(options);
    guards.set(options, guard);
  }
  return checkWith(guard, request);
}
