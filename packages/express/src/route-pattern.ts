// The route a report-only request was on, as Express knows its pattern: never the raw URL.
import type { ReportWhere } from '@licenzy-gate/core/adapter';
import type { Request } from 'express';

/**
 * `req.route.path` joined with `req.baseUrl` (the router's mount path) when Express matched a route; `undefined`
 * (reported as `(unknown route)`) for middleware mounted with `app.use()`, where no pattern is known.
 *
 * @example
 * routeOf(req) // { route: '/pro/reports/:id', method: 'GET' }
 */
export function routeOf(req: Request): ReportWhere {
  const path: unknown = (req.route as { path?: unknown } | undefined)?.path;
  const route = typeof path === 'string' ? `${req.baseUrl}${path}` : path instanceof RegExp ? `${req.baseUrl}${String(path)}` : undefined;
  return { route, method: req.method };
}
