// The route inventory of a Fastify 5 app: every route (encapsulated contexts and prefixes included) and the gate on it.
import { subscribe } from 'node:diagnostics_channel';
import { gateMarkOf, routeVerdict } from '@licenzy-gate/core/adapter';
import type { GateMark, GateOnTheWay, ReportOnlyMode, RouteInventoryEntry } from '@licenzy-gate/core/adapter';
import type { FastifyInstance, RouteOptions } from 'fastify';

/** Where the recorder keeps a root instance's routes; child contexts inherit it from the root (Object.create). */
const RECORDED = Symbol.for('licenzy-gate.fastify.routes');
/** Set once per process, whichever copy of this module loads first. */
const SUBSCRIBED = Symbol.for('licenzy-gate.fastify.route-recorder');

/** One route as its `onRoute` hook saw it, with the context it was declared in. */
interface RecordedRoute {
  route: Pick<RouteOptions, 'method' | 'url' | 'config' | 'preHandler'>;
  context: FastifyInstance;
}

/**
 * Records every route of `app` from now on, in every encapsulated context (a root `onRoute` hook reaches them all,
 * including contexts where licenzyGate was never registered). Importing `@licenzy-gate/fastify` already does this for
 * every Fastify instance created afterwards (through Fastify's `fastify.initialization` diagnostics channel); call it
 * yourself only for an app created before that import. Costs nothing per request.
 *
 * @example
 * const app = Fastify()
 * recordRoutes(app) // before the routes are added
 */
export function recordRoutes(app: FastifyInstance): void {
  if (Object.prototype.hasOwnProperty.call(app, RECORDED)) return;
  const recorded: RecordedRoute[] = [];
  Object.defineProperty(app, RECORDED, { value: recorded, enumerable: false });
  app.addHook('onRoute', function licenzyRouteRecorder(this: FastifyInstance, route) {
    // A copy: Fastify reuses the options object for the trailing-slash twin of a prefixed '/' route.
    recorded.push({ route: { method: route.method, url: route.url, config: route.config, preHandler: route.preHandler }, context: this });
  });
}

const globals = globalThis as { [SUBSCRIBED]?: true };
if (globals[SUBSCRIBED] !== true) {
  globals[SUBSCRIBED] = true;
  subscribe('fastify.initialization', (message) => recordRoutes((message as { fastify: FastifyInstance }).fastify));
}

/** A context's own preHandler hooks (Fastify copies a parent's list into a child when the child is created). */
function contextPreHandlers(context: FastifyInstance): unknown[] | undefined {
  for (let object: object | null = context; object !== null; object = Object.getPrototypeOf(object) as object | null) {
    const key = Object.getOwnPropertySymbols(object).find((symbol) => symbol.description === 'fastify.hooks');
    if (key !== undefined) {
      const hooks = (object as Record<symbol, { preHandler?: unknown } | undefined>)[key];
      return Array.isArray(hooks?.preHandler) ? (hooks.preHandler as unknown[]) : undefined;
    }
  }
  return undefined;
}

function reportOnlyOf(setting: unknown, fallback: ReportOnlyMode): ReportOnlyMode {
  const value: unknown = typeof setting === 'object' && setting !== null ? (setting as { reportOnly?: unknown }).reportOnly : undefined;
  return value === undefined ? fallback : typeof value === 'function' ? 'per-request' : value === true;
}

function recordedRows({ route, context }: RecordedRoute): RouteInventoryEntry[] {
  const setting: unknown = (route.config as { licenzy?: unknown } | undefined)?.licenzy;
  const own = ([] as unknown[]).concat(route.preHandler ?? []).flatMap((fn): GateOnTheWay[] => {
    const mark = gateMarkOf(fn);
    return mark ? [{ mark, via: 'route', coverage: 'yes' }] : [];
  });
  const hooks = contextPreHandlers(context);
  const global: GateOnTheWay[] = (hooks ?? []).flatMap((fn): GateOnTheWay[] => {
    const mark = gateMarkOf(fn);
    if (mark === undefined || setting === false) return [];
    const adjusted: GateMark = { kind: mark.kind, reportOnly: reportOnlyOf(setting, mark.reportOnly) };
    return [{ mark: adjusted, via: 'global', coverage: 'yes' }];
  });
  const optedOut = setting === false && (hooks ?? []).some((fn) => gateMarkOf(fn) !== undefined);
  let verdict = routeVerdict([...global, ...own]);
  if (verdict.gate === null && optedOut) verdict = { ...verdict, via: 'opt-out', note: 'config: { licenzy: false } opts out of the global gate' };
  if (verdict.gate === null && hooks === undefined) {
    verdict = { gate: 'unknown', reportOnly: false, via: null, note: "this Fastify version's context hooks could not be read" };
  }
  const methods = ([] as string[]).concat(route.method);
  return methods.map((method) => ({ method: method.toUpperCase(), path: route.url, ...verdict }));
}

/** Routes from `printRoutes({ commonPrefix: false })`: each line a path part, indented under its parent, methods last. */
function printedRoutes(app: FastifyInstance): { method: string; path: string }[] {
  const routes: { method: string; path: string }[] = [];
  const parents: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^((?:[│ ] {3})*)[├└]── (.*?)(?: \(([^)]*)\))?$/.exec(line);
    if (match === null) continue;
    const depth = (match[1] ?? '').length / 4;
    parents.length = depth;
    const path = `${parents.join('')}${match[2] ?? ''}`;
    parents.push(match[2] ?? '');
    for (const method of (match[3] ?? '').split(',').map((name) => name.trim()).filter((name) => name !== '')) routes.push({ method, path });
  }
  return routes;
}

/**
 * Lists every route of a Fastify 5 app after `await app.ready()`, with the gate that certainly runs before its
 * handler: `app.requireAccess()` / `app.requireUsage()` in the route's `preHandler` (`via: 'route'`), the plugin's
 * global mode in the route's context (`'global'`; `config: { licenzy: false }`, as the webhook route sets itself, is
 * `'opt-out'`). Routes of encapsulated contexts and prefixes are included, also where the plugin was never
 * registered. A gate is recognised by its mark, never by a name; a gate inside your own wrapper is not seen.
 * A route the recorder did not see (an app created before `@licenzy-gate/fastify` was imported, without
 * {@link recordRoutes}) is listed from `printRoutes()` with `gate: 'unknown'`, never gated. HEAD routes Fastify adds
 * for GET routes are left out.
 *
 * @example
 * await app.ready()
 * console.table(listRoutes(app)) // [{ method: 'GET', path: '/pro/report', gate: 'access', reportOnly: false, via: 'global' }, …]
 */
export function listRoutes(app: FastifyInstance): RouteInventoryEntry[] {
  if (typeof (app as { printRoutes?: unknown } | null)?.printRoutes !== 'function') throw new TypeError('listRoutes: expected a Fastify app');
  const recorded = (app as unknown as { [RECORDED]?: RecordedRoute[] })[RECORDED] ?? [];
  const rows = new Map<string, RouteInventoryEntry>();
  for (const record of recorded) for (const row of recordedRows(record)) if (!rows.has(`${row.method} ${row.path}`)) rows.set(`${row.method} ${row.path}`, row);
  for (const { method, path } of printedRoutes(app)) {
    const key = `${method} ${path}`;
    // The trailing-slash twin Fastify adds for a prefixed '/' route shares the route's context and hooks.
    const twin = path.endsWith('/') ? rows.get(`${method} ${path.slice(0, -1)}`) : undefined;
    if (twin !== undefined) continue;
    if (!rows.has(key)) rows.set(key, { method, path, gate: 'unknown', reportOnly: false, via: null, note: 'not recorded: create the app after importing @licenzy-gate/fastify, or call recordRoutes(app) first' });
  }
  const list = [...rows.values()];
  // Fastify answers HEAD for every GET route with the same hooks; a HEAD row is kept only when declared on its own.
  return list.filter((row) => row.method !== 'HEAD' || !rows.has(`GET ${row.path}`));
}
