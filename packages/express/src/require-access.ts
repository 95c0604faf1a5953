// The Express 4/5 middleware: request → core guard → next() or a problem+json refusal.
import { type RequestDecision } from '@licenzy-gate/core';
import { createGuard, markGate, type GuardOutcome, type RequireAccessOptions } from '@licenzy-gate/core/adapter';
import type { NextFunction, Request, Response } from 'express';
import { setRequestDecision } from './decision-property.js';
import { routeOf } from './route-pattern.js';
import { writeRefusal, type ExpressRefusalHook } from './refusal.js';
import { subjectFromRequest } from './subject.js';

declare global {
  // Express merges this namespace into its `Request` (@types/express 4 and 5 alike); only a namespace can.
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /**
       * The access decision for this request, set by `requireAccess()`: on every allowed request
       * (`source` `'licenzy'`, `'cache'`, `'stale'` or `'fail-open'`) and on a Licenzy denial.
       */
      licenzy?: RequestDecision;
    }
  }
}

/**
 * The middleware {@link requireAccess} returns: an Express `RequestHandler`, generic in the route
 * parameters so a per-route `app.get('/pro/:id', requireAccess(), handler)` keeps `req.params.id` typed.
 */
export type LicenzyMiddleware = <P = Request['params']>(req: Request<P>, res: Response, next: NextFunction) => void;

/** Options of {@link requireAccess}: the shared adapter options plus the core gate options (`apiKey`, `cache`, …). */
export type ExpressRequireAccessOptions = RequireAccessOptions<Request, ExpressRefusalHook>;

/**
 * Creates middleware that lets a request through only when Licenzy says its subject may proceed.
 * Options are validated and the gate is built here, once; the returned middleware decides per request,
 * synchronously when the decision is cached. It never throws into Express and never returns a promise,
 * so it behaves the same on Express 4 and 5.
 *
 * Allowed: `req.licenzy` holds the decision and `next()` runs once. Refused: the route handler does not
 * run; the answer is 401 `subject_required`, 400 `subject_invalid`, 403 `access_denied`, 503
 * `access_unavailable` (with `Retry-After`) or 500 `access_misconfigured` as `application/problem+json`,
 * unless `onDenied` / `onUnavailable` answer, or `delegateErrors: true` hands the {@link LicenzyError}
 * to `next(err)` for the app's error handler.
 *
 * With `reportOnly: true` (or `(req) => boolean`) the route only reports: the handler always runs, `req.licenzy` holds
 * the cached decision marked `enforced: false` when there was one, a miss is checked in the background, and what
 * would have been refused goes to `licenzy-gate:report`, the `@licenzy-gate/otel` metric and a summary log line.
 *
 * Without options the key and URL come from `LICENZY_API_KEY` / `LICENZY_API_URL` through one
 * process-wide gate; the subject comes from {@link subjectFromRequest}.
 *
 * @throws {LicenzyConfigError} at setup, naming the invalid option.
 * @example
 * const gate = createAccessGate() // one cache for every paid route
 * app.use('/pro', requireAccess({ gate }))
 * app.get('/reports/:id', requireAccess({ gate }), (req, res) => {
 *   res.json({ subject: req.licenzy?.subjectRef })
 * })
 * // The page checkout returns to: ask Licenzy now (bounded per subject by the gate's `freshInterval`).
 * // Freshness is the route's choice, never the client's: no `fresh: (req) => req.query.paid === '1'`.
 * app.get('/welcome', requireAccess({ gate, fresh: true }), welcome)
 * // Rolling out: report what would be refused, enforce later.
 * app.get('/beta/report', requireAccess({ gate, reportOnly: true }), report)
 */
export function requireAccess(options?: ExpressRequireAccessOptions): LicenzyMiddleware {
  const guard = createGuard<Request, ExpressRefusalHook>(options, subjectFromRequest);
  // Held here, so a hit reads no guard object first (issue 25: every object a hit reads is a cache line).
  const admit = guard.admit;

  function apply(outcome: GuardOutcome, req: Request, res: Response, next: NextFunction): void {
    if (outcome.allowed) {
      setRequestDecision(req, outcome.decision, res);
      next();
      return;
    }
    if (outcome.kind === 'denied') setRequestDecision(req, outcome.decision, res);
    // Core decides (delegate, hook or problem); the adapter only writes it.
    writeRefusal(guard.refusal(outcome), req, res, next);
  }

  function licenzyRequireAccess<P>(request: Request<P>, res: Response, next: NextFunction): void {
    // The route's params type is irrelevant to the gate; resolvers and hooks see the plain Request.
    const req = request as unknown as Request;
    const admission = admit(req);
    // The cache-hit path stays synchronous and allocates nothing: a grant ready now is the decision itself.
    if ('source' in admission) {
      setRequestDecision(req, admission, res);
      next();
    } else if (admission instanceof Promise) {
      // Only a Licenzy call or an async resolver awaits.
      void admission.then((settled) => apply(settled, req, res, next));
    } else {
      apply(admission, req, res, next);
    }
  }

  function licenzyReportAccess<P>(request: Request<P>, res: Response, next: NextFunction): void {
    const req = request as unknown as Request;
    // Never waits, never refuses: the decision (marked `enforced: false`) when the cache had one, and the handler runs.
    const decision = guard.observe(req, routeOf);
    if (decision !== undefined) setRequestDecision(req, decision, res);
    next();
  }

  function licenzyRequireAccessOrReport<P>(request: Request<P>, res: Response, next: NextFunction): void {
    if (guard.reportsOnly(request as unknown as Request)) licenzyReportAccess(request, res, next);
    else licenzyRequireAccess(request, res, next);
  }

  // Picked once: an enforcing route runs exactly licenzyRequireAccess.
  const middleware = guard.reportOnly === false ? licenzyRequireAccess : guard.reportOnly === true ? licenzyReportAccess : licenzyRequireAccessOrReport;
  return markGate(middleware, 'access', options);
}
