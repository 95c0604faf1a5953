// The Koa middleware: ctx → guard.decide() → next() or a problem+json refusal. Every policy lives in @licenzy-gate/core.
import { type RequestDecision } from '@licenzy-gate/core';
import { type GuardOutcome, createGuard, markGate, type RequireAccessOptions } from '@licenzy-gate/core/adapter';
import type { Context, Middleware, Next } from 'koa';
import { writeRefusal, type KoaRefusalHook } from './refusal.js';
import { routeOf } from './route-pattern.js';
import { subjectFromRequest } from './subject.js';

declare module 'koa' {
  interface DefaultState {
    /** The access decision `requireAccess()` made for this request; set when allowed, and when Licenzy denied. */
    licenzy?: RequestDecision;
  }
}

/**
 * Options of the Koa `requireAccess()`: the options every adapter shares, with Koa's `ctx` as the request.
 * Besides these, any `createAccessGate()` option (`apiKey`, `baseUrl`, `cache`, `retries`, …) builds a
 * gate for this middleware alone; pass `gate` instead to share one cache between routes.
 * - `gate`: a gate from `createAccessGate()`. Default: the process-wide gate from `LICENZY_API_KEY` / `LICENZY_API_URL`.
 * - `subject(ctx)`: where the subject_ref comes from; may be async. Default {@link subjectFromRequest}:
 *   `ctx.state.user.id`, then `ctx.state.user.sub`, then `ctx.state.auth.sub`; never headers, query, body, cookies.
 * - `fresh`: `true`, or `(ctx) => boolean`, to ask Licenzy instead of the cache. Default `false`.
 * - `onDenied(ctx, next, error)`: custom answer when Licenzy says no. Default: 403 `access_denied`.
 * - `onUnavailable`: `'deny'` (default, 503 with `Retry-After`), `'allow'` (fail open, logged) or a hook.
 * - `reportOnly`: `true`, or `(ctx) => boolean`, to report what would be refused instead of refusing (the handler always
 *   runs; `ctx.state.licenzy` is the cached decision marked `enforced: false`, when there was one). Default `false`.
 * - `delegateErrors`: throw the typed error to upstream middleware / Koa's `ctx.onerror`. Default `false`.
 * - `logger`: `{ warn, error }` for fail-open and misconfiguration. Default: the console.
 *
 * @example
 * const options: KoaRequireAccessOptions = { gate, subject: (ctx) => ctx.state.session?.userId }
 */
export type KoaRequireAccessOptions = RequireAccessOptions<Context, KoaRefusalHook>;

/**
 * Creates Koa (2 or 3) middleware that lets a request through only when Licenzy says its subject may
 * proceed, and puts the decision on `ctx.state.licenzy`. Otherwise it answers with `application/problem+json`
 * (401 `subject_required`, 400 `subject_invalid`, 403 `access_denied`, 503 `access_unavailable` with
 * `Retry-After`, 500 `access_misconfigured`) and does not call `next()`. A cached decision is served
 * without waiting on anything.
 *
 * @param options See {@link KoaRequireAccessOptions}. With none, the gate comes from the environment.
 * @throws {LicenzyConfigError} at setup, naming the bad option.
 * @example
 * const gate = createAccessGate()
 * router.get('/pro/report', requireAccess({ gate }), (ctx) => { ctx.body = report(ctx.state.licenzy) })
 * app.use(requireAccess({ gate, fresh: (ctx) => ctx.path === '/pro/welcome' })) // gate everything below
 */
export function requireAccess(options?: KoaRequireAccessOptions): Middleware {
  const guard = createGuard<Context, KoaRefusalHook>(options, subjectFromRequest);
  // Held here, so a hit reads no guard object first (issue 25: every object a hit reads is a cache line).
  const admit = guard.admit;

  async function refuse(outcome: Exclude<GuardOutcome, { allowed: true }>, ctx: Context, next: Next): Promise<void> {
    if (outcome.kind === 'denied') ctx.state.licenzy = outcome.decision;
    // Core decides (delegate, hook or problem); the adapter only writes it.
    await writeRefusal(guard.refusal(outcome), ctx, next);
  }

  function settle(outcome: GuardOutcome, ctx: Context, next: Next): Promise<void> {
    if (!outcome.allowed) return refuse(outcome, ctx, next);
    ctx.state.licenzy = outcome.decision;
    return next();
  }

  // Not an async function: on a cache hit the outcome is already here, and next()'s own promise is returned
  // as is — no extra async frame or promise per request.
  function licenzyRequireAccess(ctx: Context, next: Next): Promise<void> {
    const admission = admit(ctx);
    // A grant ready now (a cache hit) is the decision itself: nothing allocated on the hit path.
    if ('source' in admission) {
      ctx.state.licenzy = admission;
      return next();
    }
    return admission instanceof Promise ? admission.then((outcome) => settle(outcome, ctx, next)) : settle(admission, ctx, next);
  }

  function licenzyReportAccess(ctx: Context, next: Next): Promise<void> {
    // Never waits, never refuses: the decision (marked `enforced: false`) when the cache had one, and next() runs.
    const decision = guard.observe(ctx, routeOf);
    if (decision !== undefined) ctx.state.licenzy = decision;
    return next();
  }

  function licenzyRequireAccessOrReport(ctx: Context, next: Next): Promise<void> {
    return guard.reportsOnly(ctx) ? licenzyReportAccess(ctx, next) : licenzyRequireAccess(ctx, next);
  }

  // Picked once: an enforcing route runs exactly licenzyRequireAccess.
  const middleware = guard.reportOnly === false ? licenzyRequireAccess : guard.reportOnly === true ? licenzyReportAccess : licenzyRequireAccessOrReport;
  return markGate(middleware, 'access', options);
}
