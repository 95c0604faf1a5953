// The route a report-only request was on, as Fastify knows its pattern: never the raw URL.
import type { ReportWhere } from '@licenzy-gate/core/adapter';
import type { FastifyRequest } from 'fastify';

/**
 * `request.routeOptions.url`: the route's pattern, prefixes included (`/pro/reports/:id`); `undefined` (reported as
 * `(unknown route)`) when Fastify matched no route.
 *
 * @example
 * routeOf(request) // { route: '/pro/reports/:id', method: 'GET' }
 */
export function routeOf(request: FastifyRequest): ReportWhere {
  const url: unknown = request.routeOptions?.url;
  return { route: typeof url === 'string' ? url : undefined, method: request.method };
}
