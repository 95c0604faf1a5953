// The route inventory of a Koa 2/3 app: the routes of every @koa/router mounted on it, and which gate certainly runs first.
import { gateMarkOf, mountCovers, pathSegments, routeVerdict } from '@licenzy-gate/core/adapter';
import type { GateMark, GateOnTheWay, RouteInventoryEntry } from '@licenzy-gate/core/adapter';

/** The parts of an @koa/router layer we read. */
interface RouterLayer {
  path: unknown;
  methods: string[];
  stack: unknown[];
  opts?: { pathAsRegExp?: boolean };
}

/** A router as `router.routes()` / `router.middleware()` exposes it (`dispatch.router`). */
interface KoaRouter {
  stack: RouterLayer[];
}

/** `router.all()` registers every method; one row `*` says it better than thirty. */
const ALL_METHODS_AT_LEAST = 20;
/** What @koa/router appends to a middleware layer's path so it matches the path and everything below it. */
const MOUNT_SUFFIXES = ['(?:\\/|$)', '{/*rest}'];

function routerOf(middleware: unknown): KoaRouter | undefined {
  const router: unknown = typeof middleware === 'function' ? (middleware as { router?: unknown }).router : undefined;
  return typeof router === 'object' && router !== null && Array.isArray((router as KoaRouter).stack) ? (router as KoaRouter) : undefined;
}

/** The mount path of a `router.use()` layer, or `undefined` when it cannot be compared (a regular expression). */
function mountPath(layer: RouterLayer): string | undefined {
  if (typeof layer.path !== 'string') return undefined;
  let path = layer.path;
  for (const suffix of MOUNT_SUFFIXES) if (path.endsWith(suffix)) path = path.slice(0, -suffix.length);
  // What is left of a raw regular expression (`pathAsRegExp`) must be a plain path to be compared.
  if (layer.opts?.pathAsRegExp === true && /[\\()[\]?*+^$|{}]/.test(path)) return undefined;
  return path === '' ? '/' : path;
}

function routeRows(layer: RouterLayer, routerGates: readonly GateOnTheWay[], appGates: readonly GateMark[]): RouteInventoryEntry[] {
  const path = typeof layer.path === 'string' ? layer.path : String(layer.path);
  const every = layer.methods.length >= ALL_METHODS_AT_LEAST;
  // @koa/router adds HEAD to every GET route; list it only when declared on its own.
  const methods = every ? ['*'] : layer.methods.filter((method) => method !== 'HEAD' || !layer.methods.includes('GET'));
  // The last function is the handler; a gate before it runs first.
  const ownGates: GateOnTheWay[] = layer.stack.slice(0, -1).flatMap((fn) => {
    const mark = gateMarkOf(fn);
    return mark ? [{ mark, via: 'route' as const, coverage: 'yes' as const }] : [];
  });
  const onTheWay: GateOnTheWay[] = [...appGates.map((mark) => ({ mark, via: 'app' as const, coverage: 'yes' as const })), ...routerGates, ...ownGates];
  const regexRoute = typeof layer.path !== 'string';
  const verdict = routeVerdict(onTheWay);
  return methods.map((method) => ({ method, path, ...verdict, ...(regexRoute && verdict.gate === null ? { note: 'a route on a regular expression' } : {}) }));
}

/** One router's routes, in stack order: a `router.use()` layer gates the routes after it whose path it covers. */
function routerRows(router: KoaRouter, appGates: readonly GateMark[]): RouteInventoryEntry[] {
  const rows: RouteInventoryEntry[] = [];
  const uses: { mark: GateMark; mount: string | undefined; shown: string }[] = [];
  for (const layer of router.stack) {
    if (layer.methods.length === 0) {
      for (const fn of layer.stack) {
        const mark = gateMarkOf(fn);
        if (mark !== undefined) uses.push({ mark, mount: mountPath(layer), shown: String(layer.path) });
      }
      continue;
    }
    const segments = typeof layer.path === 'string' ? pathSegments(layer.path) : undefined;
    const routerGates = uses.map(({ mark, mount, shown }): GateOnTheWay => {
      const coverage = mount === undefined || segments === undefined ? 'maybe' : mountCovers(pathSegments(mount), segments);
      return { mark, via: 'router', coverage, ...(coverage === 'maybe' ? { note: `a gate mounted on ${shown} may or may not cover this path` } : {}) };
    });
    rows.push(...routeRows(layer, routerGates, appGates));
  }
  return rows;
}

/**
 * Lists every route of the @koa/router routers mounted on a Koa 2 or 3 app (`app.use(router.routes())`; prefixed and
 * nested routers included), in the order Koa runs them, with the gate that certainly runs before each handler:
 * `app.use(requireAccess())` before the router's middleware gates all its routes (`via: 'app'`), after it none;
 * `router.use(requireAccess())` gates the router's routes after it whose path it covers (`'router'`); a gate in
 * the route's own middleware (`'route'`). A gate is recognised by its mark, never by a name. `gate` is
 * `'unknown'`, never gated, where a router-level gate's path may or may not cover the route. Middleware that is
 * not a router (a `koa-mount`ed app, a static server) has no route list and is not listed. Also takes a router.
 *
 * @example
 * console.table(listRoutes(app)) // [{ method: 'GET', path: '/pro/report', gate: 'access', reportOnly: false, via: 'app' }, …]
 */
export function listRoutes(app: unknown): RouteInventoryEntry[] {
  if (typeof app === 'object' && app !== null && Array.isArray((app as KoaRouter).stack) && !Array.isArray((app as { middleware?: unknown }).middleware)) {
    return routerRows(app as KoaRouter, []);
  }
  const middleware: unknown = typeof app === 'object' && app !== null ? (app as { middleware?: unknown }).middleware : undefined;
  if (!Array.isArray(middleware)) throw new TypeError('listRoutes: expected a Koa app (with a middleware array) or an @koa/router router');
  const appGates: GateMark[] = [];
  const rows: RouteInventoryEntry[] = [];
  for (const fn of middleware as unknown[]) {
    const mark = gateMarkOf(fn);
    if (mark !== undefined) appGates.push(mark);
    const router = routerOf(fn);
    if (router !== undefined) rows.push(...routerRows(router, appGates));
  }
  return rows;
}
