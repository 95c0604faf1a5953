// The route inventory of an Express 4/5 app: every route, and which of our gates certainly runs before its handler.
import { gateMarkOf, mountCovers, routeVerdict } from '@licenzy-gate/core/adapter';
import type { GateMark, GateOnTheWay, RouteInventoryEntry } from '@licenzy-gate/core/adapter';

/** The parts of a router layer we read (Express 4's `router/layer.js`, Express 5's `router` package). */
interface ExpressLayer {
  handle: ((...args: unknown[]) => unknown) & { stack?: unknown };
  name?: string;
  route?: { path: unknown; methods: Record<string, boolean | undefined>; stack: ExpressLayer[] };
  method?: string;
  /** Express 5 (router ≥ 2.3): the mount path as given. */
  rawPath?: unknown;
  /** Express 5: mounted at `/`. */
  slash?: boolean;
  /** Express 4: the compiled mount path, with `fast_slash` for `/`. */
  regexp?: RegExp & { fast_slash?: boolean };
  keys?: { name: string | number }[];
}

/** A path as listed (`text`) and as compared (`segments`: an opaque part, such as a regex mount, is one segment). */
interface ListedPath {
  text: string;
  segments: string[];
  /** Why the path is not exactly what the router matches, when it is not. */
  inexact?: string;
}

/** A gate met in a router's stack, waiting to be compared with the routes after it. */
interface GateInScope {
  mark: GateMark;
  mount: ListedPath;
  via: 'app' | 'router';
}

const ROOT: ListedPath = { text: '', segments: [] };
/** `app.all()` registers every method; one row `*` says it better than thirty. */
const ALL_METHODS_AT_LEAST = 20;

function join(base: ListedPath, path: string): ListedPath {
  const text = `${base.text}/${path.replace(/^\/+/, '')}`.replace(/\/+$/, '');
  return { text, segments: [...base.segments, ...path.split('/').filter((segment) => segment !== '')], ...(base.inexact ? { inexact: base.inexact } : {}) };
}

function opaque(base: ListedPath, shown: string, why: string): ListedPath {
  return { text: `${base.text}/${shown}`, segments: [...base.segments, `(${shown.replace(/\//g, '\\/')})`], inexact: why };
}

/** Express 4 keeps only the compiled regexp of a mount path: read back the plain ones (`/pro`, `/users/:id`). */
function express4MountPath(layer: ExpressLayer): string | undefined {
  const regexp = layer.regexp;
  if (regexp === undefined) return undefined;
  if (regexp.fast_slash === true) return '/';
  const suffix = '\\/?(?=\\/|$)';
  let source = regexp.source;
  if (!source.startsWith('^') || !source.endsWith(suffix)) return undefined;
  source = source.slice(1, -suffix.length);
  const keys = [...(layer.keys ?? [])];
  source = source.replace(/\(\?:\\\/\(\[\^\\?\/\]\+\?\)\)/g, () => `/:${String(keys.shift()?.name ?? '')}`);
  const path = source.replace(/\\([/.\-~])/g, '$1');
  return /[\\()[\]?*+^$|{}]/.test(path) ? undefined : path;
}

/** The mount paths of a `use` layer (several for an array), or `undefined` when they cannot be recovered exactly. */
function mountPaths(layer: ExpressLayer): { paths: string[] } | { shown: string } {
  if (layer.slash === true) return { paths: ['/'] };
  const raw = layer.rawPath;
  if (typeof raw === 'string') return { paths: [raw] };
  if (Array.isArray(raw) && raw.every((path): path is string => typeof path === 'string')) return { paths: raw };
  if (raw instanceof RegExp) return { shown: String(raw) };
  const path = express4MountPath(layer);
  if (path !== undefined) return { paths: [path] };
  return { shown: layer.regexp ? `/${layer.regexp.source}/` : '(unknown mount path)' };
}

/** The gates of the scope, as they bear on a route at `path`. */
function gatesOnTheWay(scope: readonly GateInScope[], path: ListedPath): GateOnTheWay[] {
  return scope.map((gate) => {
    const coverage = mountCovers(gate.mount.segments, path.segments);
    const note = gate.mount.inexact ?? path.inexact;
    return { mark: gate.mark, via: gate.via, coverage, ...(coverage === 'maybe' ? { note: note ?? `a gate mounted at ${gate.mount.text || '/'} may or may not cover this path` } : {}) };
  });
}

function routeRows(layer: ExpressLayer & { route: NonNullable<ExpressLayer['route']> }, base: ListedPath, scope: readonly GateInScope[]): RouteInventoryEntry[] {
  const { route } = layer;
  const path = typeof route.path === 'string' ? join(base, route.path) : opaque(base, String(route.path), 'a route on a regular expression');
  const declared = Object.keys(route.methods).filter((method) => route.methods[method] === true);
  const every = declared.includes('_all') || declared.length >= ALL_METHODS_AT_LEAST;
  // HEAD is answered by the GET route; list it only when declared on its own.
  const methods = every ? ['*'] : declared.filter((method) => method !== 'head' || !declared.includes('get'));
  const onTheWay = gatesOnTheWay(scope, path);
  return methods.map((method) => {
    const own = route.stack.filter((handler) => handler.method === undefined || every || handler.method === method);
    // The last function is the handler; a gate before it runs first.
    const ownGates: GateOnTheWay[] = own.slice(0, -1).flatMap((handler) => {
      const mark = gateMarkOf(handler.handle);
      return mark ? [{ mark, via: 'route' as const, coverage: 'yes' as const }] : [];
    });
    const verdict = routeVerdict([...onTheWay, ...ownGates]);
    const note = verdict.note ?? path.inexact;
    return { method: method === '*' ? '*' : method.toUpperCase(), path: path.text || '/', ...verdict, ...(note ? { note } : {}) };
  });
}

/** One row for what cannot be listed inside (a sub-app, a middleware mounted at a path): gated only by a gate before it. */
function mountRow(mount: ListedPath, scope: readonly GateInScope[], what: string): RouteInventoryEntry {
  const wildcard: ListedPath = { ...mount, text: `${mount.text}/*`, segments: [...mount.segments, '*'] };
  const verdict = routeVerdict(gatesOnTheWay(scope, wildcard));
  if (verdict.gate !== null && verdict.gate !== 'unknown') return { method: '*', path: wildcard.text, ...verdict };
  return { method: '*', path: wildcard.text, gate: 'unknown', reportOnly: false, via: 'mount', note: `${what}: its routes cannot be listed, and a gate inside it cannot be seen` };
}

function isRouter(handle: ExpressLayer['handle']): handle is ExpressLayer['handle'] & { stack: ExpressLayer[] } {
  return Array.isArray(handle.stack);
}

/** Walks one router's stack in order; gates met on the way stay in scope for the layers after them. */
function walk(stack: readonly ExpressLayer[], base: ListedPath, inherited: readonly GateInScope[], level: 'app' | 'router'): RouteInventoryEntry[] {
  const scope = [...inherited];
  const rows: RouteInventoryEntry[] = [];
  for (const layer of stack) {
    if (layer.route !== undefined) {
      rows.push(...routeRows(layer as ExpressLayer & { route: NonNullable<ExpressLayer['route']> }, base, scope));
      continue;
    }
    // Error handlers run only after an error: they neither gate nor serve a route of their own.
    if (layer.handle.length === 4) continue;
    const found = mountPaths(layer);
    const mounts = 'paths' in found ? found.paths.map((path) => join(base, path)) : [opaque(base, found.shown, `mounted on ${found.shown}, a path that cannot be compared`)];
    const mark = gateMarkOf(layer.handle);
    if (mark !== undefined) {
      for (const mount of mounts) scope.push({ mark, mount, via: level });
    } else if (isRouter(layer.handle)) {
      for (const mount of mounts) rows.push(...walk(layer.handle.stack, mount, scope, 'router'));
    } else if (layer.name === 'mounted_app') {
      // Express 4 and 5 keep a mounted sub-app only inside this closure (`mounted_app`, Express's own name).
      for (const mount of mounts) rows.push(mountRow(mount, scope, 'a sub-app mounted with app.use()'));
    } else if (mounts.some((mount) => mount.segments.length > 0)) {
      for (const mount of mounts) rows.push(mountRow(mount, scope, 'a middleware mounted at a path, which may answer requests itself'));
    }
  }
  return rows;
}

/** The app's router: `app.router` on Express 5, `app._router` on Express 4 (whose `app.router` getter throws). */
function routerOf(app: unknown): { stack: ExpressLayer[] } | undefined {
  const candidate = app as { _router?: { stack?: unknown }; router?: { stack?: unknown } };
  let router: { stack?: unknown } | undefined = candidate._router;
  if (router === undefined) {
    try {
      router = candidate.router;
    } catch {
      router = undefined;
    }
  }
  return router !== undefined && Array.isArray(router.stack) ? (router as { stack: ExpressLayer[] }) : undefined;
}

/**
 * Lists every route of an Express 4 or 5 app (or router) with the gate that certainly runs before its handler:
 * routes of nested routers, `app.use(path, router)`, `app.route()`, either major's path syntax. A gate is
 * recognised by its mark (`requireAccess()`, `requireUsage()`), never by a name. `gate` is `'unknown'`, never
 * gated, where Express cannot tell: a gate mounted on a regular expression or a pattern that may or may not
 * cover the route, a sub-app (Express keeps it in a closure: one row `METHOD * path/*` for the mount), a
 * middleware mounted at a path that may answer requests itself. Reads the app once; no request is sent.
 *
 * @example
 * console.table(listRoutes(app)) // [{ method: 'GET', path: '/pro/report', gate: 'access', reportOnly: false, via: 'app' }, …]
 */
export function listRoutes(app: unknown): RouteInventoryEntry[] {
  if (typeof app === 'function' && isRouter(app as ExpressLayer['handle'])) return walk((app as unknown as { stack: ExpressLayer[] }).stack, ROOT, [], 'router');
  const router = routerOf(app);
  if (router === undefined) {
    if (typeof app === 'function' && typeof (app as { handle?: unknown }).handle === 'function') return [];
    throw new TypeError('listRoutes: expected an Express app or router');
  }
  return walk(router.stack, ROOT, [], 'app');
}
