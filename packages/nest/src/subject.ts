// The default subject resolver: reads only the identity that server-side auth (Passport, a JWT guard) put on the request.
import { identityField as field } from '@licenzy-gate/core/adapter';

/**
 * The request a Nest route sees through `context.switchToHttp().getRequest()`: Express's `req` on
 * `@nestjs/platform-express`, Fastify's `request` on `@nestjs/platform-fastify`. Only what the adapter reads is named.
 */
export interface NestHttpRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string | string[] | undefined>;
  /** Set by Passport (`@nestjs/passport`'s `AuthGuard`) or your own auth guard or middleware. */
  user?: unknown;
  body?: unknown;
}

function identityOf(request: unknown): unknown {
  const user = field(request, 'user');
  const auth = field(request, 'auth');
  return field(user, 'id') ?? field(user, 'sub') ?? field(auth, 'sub') ?? field(field(auth, 'payload'), 'sub');
}

/**
 * The subject `@RequireAccess()` and `@RequireUsage()` use when no `subject` option is given. Looks, in this order, at
 * `request.user.id` (Passport and most session logins), `request.user.sub` (JWT claims), `request.auth.sub` and
 * `request.auth.payload.sub`; on Fastify, where a Nest middleware sees the raw Node request, the same fields of
 * `request.raw` next. It never reads headers, the query string, the body or cookies: those are client input.
 *
 * @example
 * // Bill the team owner when a team is selected, else fall back to the default lookup.
 * @RequireAccess({ subject: (req: TeamRequest) => req.team?.ownerId ?? subjectFromRequest(req) })
 */
export function subjectFromRequest(request: object): unknown {
  return identityOf(request) ?? identityOf(field(request, 'raw'));
}

/**
 * The route a report-only request was on, as the platform knows its pattern (Express `req.route.path`, the full path Nest
 * registered; Fastify `request.routeOptions.url`): never the raw URL, which would carry ids and query strings.
 */
export function routeOf(request: object): { route: string | undefined; method: string } {
  const path = field(field(request, 'route'), 'path') ?? field(field(request, 'routeOptions'), 'url');
  return { route: typeof path === 'string' ? path : undefined, method: String(field(request, 'method')) };
}
