// The Hono middleware: context → core guard → next() with the decision on c.get('licenzy'), or a problem+json refusal.
import type { RequestDecision } from '@licenzy-gate/core';
import { createGuard, markGate, type GuardOutcome, type RequireAccessOptions } from '@licenzy-gate/core/adapter';
import type { Context, MiddlewareHandler, Next } from 'hono';
import { refusalResponse, type HonoRefusalHook } from './refusal.js';
import { subjectFromContext } from './subject.js';

/** The variables this package sets: `c.get('licenzy')`, the request's access decision. */
export interface LicenzyVariables {
  /** Set by `requireAccess()` on every allowed request and on a Licenzy denial; with `usage` after `requireUsage()`. */
  licenzy?: RequestDecision;
}

/** The Hono env of this package's middleware, so `c.get('licenzy')` is typed in the handlers after it. */
export interface LicenzyEnv {
  Variables: LicenzyVariables;
}

/** Options of {@link requireAccess}: the shared adapter options, with the Hono `Context` as the request. */
export type HonoRequireAccessOptions = RequireAccessOptions<Context, HonoRefusalHook>;

/** Where a report-only request was: Hono's matched route pattern. */
export const whereOf = (c: Context) => ({ route: c.req.routePath, method: c.req.method });

/**
 * Creates middleware that lets a request through only when Licenzy says its subject may proceed. Options are
 * validated and the gate is built here, once; per request, a cached decision is answered synchronously.
 *
 * Allowed: `c.get('licenzy')` holds the decision and the next handler runs. Refused: it does not; the answer is 401
 * `subject_required`, 400 `subject_invalid`, 403 `access_denied`, 503 `access_unavailable` (with `Retry-After`) or 500
 * `access_misconfigured` as `application/problem+json`, unless `onDenied` / `onUnavailable` return a Response, or
 * `delegateErrors: true` throws the typed `LicenzyError` to `app.onError`.
 *
 * The subject comes from server-side auth ({@link subjectFromContext}, or your `subject: (c) => …`), never from the
 * URL, query or a client-set header.
 *
 * @throws {LicenzyConfigError} at setup, naming the invalid option.
 * @example
 * const app = new Hono()
 * app.use('/pro/*', requireAccess({ gate }))
 * app.get('/reports/:id', requireAccess({ gate }), (c) => c.json({ subject: c.get('licenzy')?.subjectRef }))
 */
export function requireAccess(options?: HonoRequireAccessOptions): MiddlewareHandler<LicenzyEnv> {
  const guard = createGuard<Context, HonoRefusalHook>(options, subjectFromContext);

  async function apply(outcome: GuardOutcome, c: Context<LicenzyEnv>, next: Next): Promise<Response | undefined> {
    if (outcome.allowed) {
      c.set('licenzy', outcome.decision);
      await next();
      return undefined;
    }
    if (outcome.kind === 'denied') c.set('licenzy', outcome.decision as RequestDecision);
    // Core decides (delegate, hook or problem); the adapter only writes it.
    return refusalResponse(guard.refusal(outcome), c);
  }

  function licenzyRequireAccess(c: Context<LicenzyEnv>, next: Next): Promise<Response | undefined> {
    const outcome = guard.decide(c);
    // The cache-hit path decides synchronously; only a Licenzy call or an async resolver awaits.
    return outcome instanceof Promise ? outcome.then((settled) => apply(settled, c, next)) : apply(outcome, c, next);
  }

  async function licenzyReportAccess(c: Context<LicenzyEnv>, next: Next): Promise<void> {
    // Never waits, never refuses: the decision (marked `enforced: false`) when the cache had one, and the handler runs.
    const decision = guard.observe(c, whereOf);
    if (decision !== undefined) c.set('licenzy', decision);
    await next();
  }

  function licenzyRequireAccessOrReport(c: Context<LicenzyEnv>, next: Next): Promise<Response | undefined | void> {
    return guard.reportsOnly(c) ? licenzyReportAccess(c, next) : licenzyRequireAccess(c, next);
  }

  // Picked once: an enforcing route runs exactly licenzyRequireAccess.
  const middleware = guard.reportOnly === false ? licenzyRequireAccess : guard.reportOnly === true ? licenzyReportAccess : licenzyRequireAccessOrReport;
  return markGate(middleware, 'access', options);
}
