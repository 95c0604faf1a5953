// The Express 4/5 metered-route middleware: charge the subject's usage pack (before or after the handler), or refuse.
import { createUsageGuard, markGate, type RequireUsageOptions, type UsageOutcome } from '@licenzy-gate/core/adapter';
import type { NextFunction, Request, Response } from 'express';
import type { LicenzyMiddleware } from './require-access.js';
import { setRequestDecision } from './decision-property.js';
import { routeOf } from './route-pattern.js';
import { writeRefusal, type ExpressRefusalHook } from './refusal.js';
import { subjectFromRequest } from './subject.js';

/**
 * Options of {@link requireUsage}: `units` (required), `charge`, `onExhausted`, and the options every adapter
 * shares (`gate` or gate options, `subject`, `onUnavailable`, `delegateErrors`, `logger`).
 */
export type ExpressRequireUsageOptions = RequireUsageOptions<Request, ExpressRefusalHook>;

/**
 * Creates middleware for a metered route: each request is charged `units` of the subject's usage packs through
 * `gate.consumeUsage()` (`POST /v1/usage/consume`, never from a cache) before the handler runs. On success
 * `req.licenzy.usage` holds `{ units, consumed, remaining, source }`. Too few units left: 402 `usage_exhausted`
 * (or `onExhausted`). Licenzy unavailable: 503 with `Retry-After` (or `onUnavailable`; `'allow'` serves the request
 * uncharged during a transport outage only). A bad `units` value: 500, never a free request.
 *
 * Idempotency: a client's `Idempotency-Key` header makes a retry of the same request (same user, method, URL and,
 * when a body parser ran first, body) one charge; without it every request is its own event.
 * With `charge: 'after'` the request is charged only once its response is 2xx/3xx — see the README for the trade-off.
 * With `reportOnly` nothing is charged and the handler always runs; a request that would exhaust the subject's units
 * (from its usage summary, in the background) is reported instead.
 *
 * @throws {LicenzyConfigError} at setup, naming the invalid option.
 * @example
 * app.post('/api/reports', express.json(), requireUsage({ gate, units: 1 }), (req, res) => {
 *   res.json({ report: build(req.body), left: req.licenzy?.usage?.remaining })
 * })
 * app.get('/api/export', requireUsage({ gate, units: (req) => Number(req.query.pages) || 1 }), exportPages)
 */
export function requireUsage(options: ExpressRequireUsageOptions): LicenzyMiddleware {
  const guard = createUsageGuard<Request, ExpressRefusalHook>(options, subjectFromRequest);

  function apply(outcome: UsageOutcome, req: Request, res: Response, next: NextFunction): void {
    if (outcome.allowed) {
      setRequestDecision(req, outcome.decision, res);
      guard.watch(res, outcome);
      next();
      return;
    }
    // Core decides (delegate, hook or problem); the adapter only writes it.
    writeRefusal(guard.refusal(outcome), req, res, next);
  }

  const infoOf = (req: Request) => ({ method: req.method, url: req.originalUrl, idempotencyKey: req.headers['idempotency-key'], body: req.body as unknown });

  function licenzyRequireUsage<P>(request: Request<P>, res: Response, next: NextFunction): void {
    const req = request as unknown as Request;
    void guard.meter(req, infoOf(req), req.licenzy).then((outcome) => apply(outcome, req, res, next));
  }

  function licenzyReportUsage<P>(request: Request<P>, _res: Response, next: NextFunction): void {
    const req = request as unknown as Request;
    // Never charges, never waits: "would exhaust" is estimated in the background and reported.
    guard.observe(req, infoOf(req), routeOf);
    next();
  }

  function licenzyRequireUsageOrReport<P>(request: Request<P>, res: Response, next: NextFunction): void {
    if (guard.reportsOnly(request as unknown as Request)) licenzyReportUsage(request, res, next);
    else licenzyRequireUsage(request, res, next);
  }

  // Picked once: an enforcing route runs exactly licenzyRequireUsage.
  const middleware = guard.reportOnly === false ? licenzyRequireUsage : guard.reportOnly === true ? licenzyReportUsage : licenzyRequireUsageOrReport;
  return markGate(middleware, 'usage', options);
}
