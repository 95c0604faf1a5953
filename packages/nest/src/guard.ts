// LicenzyGuard: a Nest request → core guard → allowed, or the refusal written (or thrown for the app's filters).
import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { createGuard, type Guard, type GuardOutcome } from '@licenzy-gate/core/adapter';
import { licenzyDecision, setRequestDecision } from './decision.js';
import { withDefaults, type ModuleConfig } from './options.js';
import { carryOut, type NestRefusalHook } from './refusal.js';
import { perRoute } from './route-cache.js';
import { routeOf, subjectFromRequest } from './subject.js';
import { LICENZY_MODULE_OPTIONS, REQUIRE_ACCESS_METADATA, SKIP_ACCESS_METADATA } from './tokens.js';

type AccessGuard = Guard<object, NestRefusalHook>;
const SKIPPED = 'skipped';

/**
 * Lets a request through only when Licenzy says its subject may proceed. Runs for every handler of a controller with
 * `@UseGuards(LicenzyGuard)` (or `@RequireAccess()`, which applies it), or for the whole app as `APP_GUARD`, where
 * `@SkipAccess()` opts a handler out. A route's options come from `@RequireAccess()` on the handler, else on its
 * controller, with the module's defaults; its core guard is built on its first request, then reused.
 *
 * Allowed: `@LicenzyDecision()` holds the decision. Refused: the handler does not run; the answer is 401
 * `subject_required`, 400 `subject_invalid`, 403 `access_denied`, 503 `access_unavailable` (with `Retry-After`) or 500
 * `access_misconfigured` as `application/problem+json`, written through the platform's response, unless a hook
 * answers or `delegateErrors: true` throws it as a {@link LicenzyException} for the app's exception filters.
 * With `reportOnly` the route only reports what it would have refused, and the handler always runs.
 * Outside HTTP (GraphQL, microservices, WebSockets) it refuses: `canActivate` returns `false`.
 *
 * @example
 * @Module({ imports: [LicenzyModule.forRoot({ isGlobal: true })], providers: [{ provide: APP_GUARD, useClass: LicenzyGuard }] })
 * class AppModule {}
 */
@Injectable()
export class LicenzyGuard implements CanActivate {
  private readonly guardFor = perRoute((handler, controller) => this.build(handler, controller));

  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(LICENZY_MODULE_OPTIONS) private readonly config: ModuleConfig,
  ) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const guard = this.guardFor(context.getHandler(), context.getClass());
    if (guard === SKIPPED) return true;
    // Never allow what it cannot see: a resolver or message handler has no HTTP request to decide on.
    if (context.getType() !== 'http') return false;
    const request = context.switchToHttp().getRequest<object>();
    if (guard.reportOnly !== false && (guard.reportOnly === true || guard.reportsOnly(request))) return this.report(guard, request);
    // The same request met twice (APP_GUARD and the guard `@RequireAccess()` applies): decided once.
    if (licenzyDecision(request)?.allowed === true) return true;
    const outcome = guard.decide(request);
    // The cache-hit path stays synchronous; only a Licenzy call or an async resolver awaits.
    if (outcome instanceof Promise) return outcome.then((settled) => this.apply(settled, guard, request, context));
    return this.apply(outcome, guard, request, context);
  }

  /** Report-only: never waits, never refuses; the cached decision (marked `enforced: false`) when there is one. */
  private report(guard: AccessGuard, request: object): true {
    const decision = guard.observe(request, routeOf);
    if (decision !== undefined) setRequestDecision(request, decision);
    return true;
  }

  private apply(outcome: GuardOutcome, guard: AccessGuard, request: object, context: ExecutionContext): true | Promise<true> {
    if (outcome.allowed) {
      setRequestDecision(request, outcome.decision);
      return true;
    }
    if (outcome.kind === 'denied') setRequestDecision(request, outcome.decision);
    // Core decides (delegate, hook or problem); the adapter only writes it.
    return carryOut(guard.refusal(outcome), context);
  }

  private build(handler: object, controller: object): AccessGuard | typeof SKIPPED {
    const targets = [handler as () => void, controller as () => void];
    const own: Readonly<Record<string, unknown>> | undefined = this.reflector.get(REQUIRE_ACCESS_METADATA, handler as () => void);
    // `@RequireAccess()` on the handler wins over `@SkipAccess()` on its controller.
    if (own === undefined && this.reflector.getAllAndOverride<boolean | undefined>(SKIP_ACCESS_METADATA, targets) === true) return SKIPPED;
    const options = own ?? this.reflector.get<Readonly<Record<string, unknown>> | undefined>(REQUIRE_ACCESS_METADATA, controller as () => void);
    return createGuard<object, NestRefusalHook>(withDefaults(options, this.config), subjectFromRequest);
  }
}
