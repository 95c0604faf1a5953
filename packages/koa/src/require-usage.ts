// The Koa metered-route middleware: charge the subject's usage pack (before or after the handler), or refuse.
import { createUsageGuard, markGate, type RequireUsageOptions, type UsageOutcome } from '@licenzy-gate/core/adapter';
import type { Context, Middleware, Next } from 'koa';
import { writeRefusal, type KoaRefusalHook } from './refusal.js';
import { routeOf } from './route-pattern.js';
import { subjectFromRequest } from './subject.js';

/**
 * Options of the Koa {@link requireUsage}: `units` (required: a positive safe integer or `(ctx) => number`),
 * `charge` (`'before'` default, or `'after'`), `onExhausted(ctx, next, error)`, and the options every adapter
 * shares (`gate` or gate options, `subject`, `onUnavailable`, `delegateErrors`, `logger`).
 *
 * @example
 * const options: KoaRequireUsageOptions = { gate, units: (ctx) => Number(ctx.query.pages) || 1 }
 */
export type KoaRequireUsageOptions = RequireUsageOptions<Context, KoaRefusalHook>;

/**
 * Creates Koa (2 or 3) middleware for a metered route: each request is charged `units` of the subject's usage packs
 * through `gate.consumeUsage()` (never from a cache) before `next()`, with `{ units, consumed, remaining, source }`
 * on `ctx.state.licenzy.usage`. Too few units: 402 `usage_exhausted` (or `onExhausted`); Licenzy unavailable: 503 with
 * `Retry-After` (or `onUnavailable`); a bad `units`: 500, never free. A client's `Idempotency-Key` makes a retry of
 * the same request one charge. `charge: 'after'` charges only a 2xx/3xx response (see the README for the trade-off).
 * `reportOnly` never charges and always calls `next()`; a request that would exhaust the units is reported instead.
 *
 * @throws {LicenzyConfigError} at setup, naming the bad option.
 * @example
 * router.post('/api/reports', bodyParser(), requireUsage({ gate, units: 1 }), (ctx) => {
 *   ctx.body = { report: build(ctx.request.body), left: ctx.state.licenzy?.usage?.remaining }
 * })
 */
export function requireUsage(options: KoaRequireUsageOptions): Middleware {
  const guard = createUsageGuard<Context, KoaRefusalHook>(options, subjectFromRequest);

  async function settle(outcome: UsageOutcome, ctx: Context, next: Next): Promise<void> {
    if (outcome.allowed) {
      ctx.state.licenzy = outcome.decision;
      guard.watch(ctx.res, outcome);
      return next();
    }
    // Core decides (delegate, hook or problem); the adapter only writes it.
    await writeRefusal(guard.refusal(outcome), ctx, next);
  }

  const infoOf = (ctx: Context) => ({ method: ctx.method, url: ctx.originalUrl, idempotencyKey: ctx.headers['idempotency-key'], body: (ctx.request as { body?: unknown }).body });

  async function licenzyRequireUsage(ctx: Context, next: Next): Promise<void> {
    const outcome = await guard.meter(ctx, infoOf(ctx), ctx.state.licenzy);
    return settle(outcome, ctx, next);
  }

  function licenzyReportUsage(ctx: Context, next: Next): Promise<void> {
    // Never charges, never waits: "would exhaust" is estimated in the background and reported.
    guard.observe(ctx, infoOf(ctx), routeOf);
    return next();
  }

  function licenzyRequireUsageOrReport(ctx: Context, next: Next): Promise<void> {
    return guard.reportsOnly(ctx) ? licenzyReportUsage(ctx, next) : licenzyRequireUsage(ctx, next);
  }

  // Picked once: an enforcing route runs exactly licenzyRequireUsage.
  const middleware = guard.reportOnly === false ? licenzyRequireUsage : guard.reportOnly === true ? licenzyReportUsage : licenzyRequireUsageOrReport;
  return markGate(middleware, 'usage', options);
}
