// The route a report-only request was on, as @koa/router knows its pattern: never the raw URL.
import type { ReportWhere } from '@licenzy-gate/core/adapter';
import type { Context } from 'koa';

/**
 * `ctx._matchedRoute` (set by @koa/router: the matched layer's path, prefixes included); `undefined` (reported as
 * `(unknown route)`) for middleware that runs before a router matched.
 *
 * @example
 * routeOf(ctx) // { route: '/pro/reports/:id', method: 'GET' }
 */
export function routeOf(ctx: Context): ReportWhere {
  const matched: unknown = (ctx as { _matchedRoute?: unknown })._matchedRoute;
  const route = typeof matched === 'string' ? matched : matched instanceof RegExp ? String(matched) : undefined;
  return { route, method: ctx.method };
}
