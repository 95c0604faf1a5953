// LicenzyUsageInterceptor: charges a metered route's units around its handler (`@RequireUsage()`), or refuses.
import { ForbiddenException, Inject, Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { createUsageGuard, type UsageGuard } from '@licenzy-gate/core/adapter';
import type { Observable } from 'rxjs';
import { licenzyDecision, setRequestDecision } from './decision.js';
import { withDefaults, type ModuleConfig, type NestRequireUsageOptions } from './options.js';
import { carryOut, type NestRefusalHook } from './refusal.js';
import { rawResponse } from './respond.js';
import { perRoute } from './route-cache.js';
import { routeOf, subjectFromRequest, type NestHttpRequest } from './subject.js';
import { LICENZY_MODULE_OPTIONS, REQUIRE_USAGE_METADATA } from './tokens.js';

type MeteringGuard = UsageGuard<object, NestRefusalHook>;
const UNMETERED = 'unmetered';

/**
 * Meters the routes `@RequireUsage()` marks (the decorator applies it): each request is charged `units` of the
 * subject's usage packs through `gate.consumeUsage()` before the handler runs (`charge: 'before'`, the default), or
 * checked before and charged once its response is delivered with a 2xx/3xx status (`charge: 'after'`). A guard runs
 * before the handler only, so this is an interceptor: it also watches the response, to charge it or to report a
 * charged request whose handler failed (`handler_failed` on `licenzy-gate:usage`).
 *
 * Too few units left: 402 `usage_exhausted` (or `onExhausted`). A reused `Idempotency-Key` on another request: 409.
 * Licenzy unavailable: 503 with `Retry-After`. A bad `units` value: 500, never a free request. With `reportOnly`
 * nothing is charged and the handler always runs; a request that would exhaust the units is reported instead.
 * Outside HTTP it refuses with a `ForbiddenException`.
 */
@Injectable()
export class LicenzyUsageInterceptor implements NestInterceptor {
  private readonly guardFor = perRoute((handler, controller) => this.build(handler, controller));

  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(LICENZY_MODULE_OPTIONS) private readonly config: ModuleConfig,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> | Promise<Observable<unknown>> {
    const guard = this.guardFor(context.getHandler(), context.getClass());
    if (guard === UNMETERED) return next.handle();
    if (context.getType() !== 'http') throw new ForbiddenException('licenzy-gate: metered routes are served over HTTP only');
    const http = context.switchToHttp();
    const request = http.getRequest<NestHttpRequest & { originalUrl?: string }>();
    const info = { method: request.method, url: request.originalUrl ?? request.url, idempotencyKey: request.headers['idempotency-key'], body: request.body };
    if (guard.reportOnly !== false && (guard.reportOnly === true || guard.reportsOnly(request))) {
      // Never charges, never waits: "would exhaust" is estimated in the background and reported.
      guard.observe(request, info, routeOf);
      return next.handle();
    }
    return guard.meter(request, info, licenzyDecision(request)).then(async (outcome) => {
      if (outcome.allowed) {
        setRequestDecision(request, outcome.decision);
        guard.watch(rawResponse(http.getResponse()), outcome);
        return next.handle();
      }
      // Core decides (delegate, hook or problem); a hook that answers `true` lets the request through uncharged.
      await carryOut(guard.refusal(outcome), context);
      return next.handle();
    });
  }

  /** The route's usage guard, or none when it has no `@RequireUsage()` (built on its first request, then reused). */
  private build(handler: object, controller: object): MeteringGuard | typeof UNMETERED {
    const options = this.reflector.getAllAndOverride<Readonly<Record<string, unknown>> | undefined>(REQUIRE_USAGE_METADATA, [handler as () => void, controller as () => void]);
    if (options === undefined) return UNMETERED;
    return createUsageGuard<object, NestRefusalHook>(withDefaults(options, this.config) as unknown as NestRequireUsageOptions<object>, subjectFromRequest);
  }
}
