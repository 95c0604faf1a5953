// The Hono metered-route middleware: charge the subject's usage pack (before or after the handler), or refuse.
import { createUsageGuard, markGate, type RequireUsageOptions } from '@licenzy-gate/core/adapter';
import { handlerEnd } from '@licenzy-gate/fetch';
import type { Context, MiddlewareHandler, Next } from 'hono';
import { refusalResponse, type HonoRefusalHook } from './refusal.js';
import { whereOf, type LicenzyEnv } from './require-access.js';
import { subjectFromContext } from './subject.js';

/** Options of {@link requireUsage}: `units` (required), `charge`, `onExhausted`, and the shared adapter options. */
export type HonoRequireUsageOptions = RequireUsageOptions<Context, HonoRefusalHook>;

/**
 * Creates middleware for a metered route: each request is charged `units` of the subject's usage packs (never from a
 * cache) before the handler runs; `c.get('licenzy').usage` then holds `{ units, consumed, remaining, source }`. Too
 * few units: 402 `usage_exhausted` (or `onExhausted`). Licenzy unavailable: 503 with `Retry-After`. A bad `units`
 * value: 500, never a free request. A client's `Idempotency-Key` makes a retry (same user, method, URL, body) one
 * charge. With `charge: 'after'` the request is charged once the handler's response is 2xx/3xx.
 *
 * @throws {LicenzyConfigError} at setup, naming the invalid option.
 * @example
 * app.post('/api/reports', requireUsage({ gate, units: 1 }), (c) => c.json({ left: c.get('licenzy')?.usage?.remaining }))
 */
export function requireUsage(options: HonoRequireUsageOptions): MiddlewareHandler<LicenzyEnv> {
  const guard = createUsageGuard<Context, HonoRefusalHook>(options, subjectFromContext);
  const infoOf = (c: Context) => {
    const { pathname, search } = new URL(c.req.url);
    return { method: c.req.method, url: pathname + search, idempotencyKey: c.req.header('idempotency-key') };
  };
  // The client's key is bound to the body too: read from a copy, only when there is a key.
  const keyedInfoOf = async (c: Context) => {
    const info = infoOf(c);
    const raw = c.req.raw;
    if (info.idempotencyKey === undefined || raw.body === null || raw.bodyUsed) return info;
    return { ...info, body: await raw.clone().text() };
  };

  async function licenzyRequireUsage(c: Context<LicenzyEnv>, next: Next): Promise<Response | undefined> {
    const outcome = await guard.meter(c, await keyedInfoOf(c), c.get('licenzy'));
    if (!outcome.allowed) return refusalResponse(guard.refusal(outcome), c);
    c.set('licenzy', outcome.decision);
    const end = handlerEnd();
    guard.watch(end.response, outcome);
    try {
      await next();
    } catch (error) {
      end.fail();
      throw error;
    }
    end.finish(c.res.status);
    return undefined;
  }

  async function licenzyReportUsage(c: Context<LicenzyEnv>, next: Next): Promise<void> {
    // Never charges, never waits: "would exhaust" is estimated in the background and reported.
    guard.observe(c, infoOf(c), whereOf);
    await next();
  }

  function licenzyRequireUsageOrReport(c: Context<LicenzyEnv>, next: Next): Promise<Response | undefined | void> {
    return guard.reportsOnly(c) ? licenzyReportUsage(c, next) : licenzyRequireUsage(c, next);
  }

  const middleware = guard.reportOnly === false ? licenzyRequireUsage : guard.reportOnly === true ? licenzyReportUsage : licenzyRequireUsageOrReport;
  return markGate(middleware, 'usage', options);
}
