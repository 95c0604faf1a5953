// The route decorators: @RequireAccess, @SkipAccess, @RequireUsage, and the @LicenzyDecision parameter.
import { SetMetadata, UseGuards, UseInterceptors, applyDecorators, createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { licenzyDecision } from './decision.js';
import { LicenzyGuard } from './guard.js';
import { routeOptions, type NestRequireAccessOptions, type NestRequireUsageOptions } from './options.js';
import type { NestHttpRequest } from './subject.js';
import { LicenzyUsageInterceptor } from './usage-interceptor.js';
import { REQUIRE_ACCESS_METADATA, REQUIRE_USAGE_METADATA, SKIP_ACCESS_METADATA } from './tokens.js';

/** What the decorators return: usable on a controller class or on one handler. */
export type RouteDecorator = ClassDecorator & MethodDecorator;

/**
 * Gates a controller (every handler) or one handler on a Licenzy access check, enforced by {@link LicenzyGuard} (the
 * decorator applies it). Options are `requireAccess()`'s in every adapter (`subject`, `fresh`, `onDenied`,
 * `onUnavailable`, `delegateErrors`, `logger`, or a `gate` / gate options of the route's own); without them the
 * module's gate and defaults apply. Options are checked here, when the class is defined: a misspelt one throws a
 * `LicenzyConfigError` naming it and the closest known name.
 *
 * @example
 * @Controller('reports')
 * @RequireAccess()
 * class ReportsController {
 *   @Get(':id') one(@LicenzyDecision() decision: RequestDecision) { return { subject: decision.subjectRef } }
 *   // The page checkout returns to: ask Licenzy now, not the cache. A route's choice, never the client's.
 *   @Get('welcome') @RequireAccess({ fresh: true }) welcome() { return 'welcome' }
 * }
 */
export function RequireAccess<Req extends object = NestHttpRequest>(options?: NestRequireAccessOptions<Req>): RouteDecorator {
  return applyDecorators(SetMetadata(REQUIRE_ACCESS_METADATA, routeOptions('access', options)), UseGuards(LicenzyGuard));
}

/**
 * Opts a handler (or a controller) out of {@link LicenzyGuard} when it runs for the whole app (`APP_GUARD`) or a whole
 * controller. `@RequireAccess()` on a handler wins over `@SkipAccess()` on its controller.
 *
 * @example
 * @Get('pricing') @SkipAccess() pricing() { return PRICES }
 */
export function SkipAccess(): RouteDecorator {
  return SetMetadata(SKIP_ACCESS_METADATA, true);
}

/**
 * Meters a handler (or every handler of a controller): each request costs `units` of the subject's usage packs,
 * charged by {@link LicenzyUsageInterceptor} (the decorator applies it) before the handler runs, or after it with
 * `charge: 'after'`. A client's `Idempotency-Key` makes a retry one charge; the same key on another request is 409.
 * Under a global `LicenzyGuard`, add `@SkipAccess()` unless the route needs an access check too.
 *
 * @example
 * @Post('reports') @RequireUsage({ units: 1 }) create(@Body() body: ReportInput) { return build(body) }
 * @Get('export') @RequireUsage({ units: (req) => Number(new URL(req.url, 'http://x').searchParams.get('pages')) || 1 }) exportPages() {}
 */
export function RequireUsage<Req extends object = NestHttpRequest>(options: NestRequireUsageOptions<Req>): RouteDecorator {
  return applyDecorators(SetMetadata(REQUIRE_USAGE_METADATA, routeOptions('usage', options)), UseInterceptors(LicenzyUsageInterceptor));
}

/**
 * The request's access decision (`RequestDecision`), as `req.licenzy` holds it in Express: `subjectRef`, `allowed`,
 * `source`, `checkedAt`, `mode`, and `usage` on a metered route. `undefined` on a route without a gate.
 *
 * @example
 * @Get('report') @RequireAccess() report(@LicenzyDecision() decision: RequestDecision) { return { for: decision.subjectRef } }
 */
export const LicenzyDecision: () => ParameterDecorator = createParamDecorator((_data: unknown, context: ExecutionContext) =>
  licenzyDecision(context.switchToHttp().getRequest<object>()),
);
