// Route patterns of the coverage check: `'GET /pro/*'`, `'/pro/**'`, matched against listRoutes() rows.

/** A parsed pattern: an optional method and a glob over the route's path as listed. */
export interface RoutePattern {
  /** The pattern as written. */
  readonly text: string;
  /** Upper-case method, or `undefined` for any. */
  readonly method: string | undefined;
  readonly path: RegExp;
}

/** A route as the patterns see it: its method and its path as `listRoutes()` lists it. */
export interface PatternTarget {
  readonly method: string;
  readonly path: string;
}

const METHOD = /^([A-Za-z-]+|\*)\s+(\/.*)$/;

/**
 * Parses `'GET /pro/*'` or `'/pro/**'`: `*` matches within one path segment, `**` across segments (a trailing
 * `/**` also matches the bare prefix: `'/pro/**'` covers `/pro`). Every other character is literal, so
 * `'/users/:id'` names the route declared as `/users/:id`. Without a method, or with `*`, any method matches.
 *
 * @throws {TypeError} when the path does not start with `/`.
 * @example
 * routePatternMatches(parseRoutePattern('GET /pro/**'), { method: 'GET', path: '/pro/reports/:id' }) // true
 */
export function parseRoutePattern(text: string): RoutePattern {
  const trimmed = text.trim();
  const withMethod = METHOD.exec(trimmed);
  const method = withMethod?.[1]?.toUpperCase();
  const path = withMethod?.[2] ?? trimmed;
  if (!path.startsWith('/')) throw new TypeError(`route pattern ${JSON.stringify(text)}: expected '[METHOD] /path', e.g. 'GET /pro/*' or '/pro/**'`);
  let source = '';
  for (let index = 0; index < path.length; index++) {
    if (path.startsWith('/**', index) && index + 3 === path.length) {
      source += '(?:/.*)?';
      index += 2;
    } else if (path.startsWith('**', index)) {
      source += '.*';
      index += 1;
    } else if (path[index] === '*') {
      source += '[^/]*';
    } else {
      source += (path[index] ?? '').replace(/[.+?^${}()|[\]\\/]/g, '\\$&');
    }
  }
  return { text, method: method === '*' ? undefined : method, path: new RegExp(`^${source}$`) };
}

/**
 * Whether `pattern` names `route`. A `GET` pattern also names the route's `HEAD` (every router answers HEAD with the
 * GET route); a route listed with method `*` (every method) is named by a pattern of any method.
 *
 * @example
 * routePatternMatches(parseRoutePattern('/pro/**'), { method: 'POST', path: '/pro' }) // true
 */
export function routePatternMatches(pattern: RoutePattern, route: PatternTarget): boolean {
  if (pattern.method !== undefined && route.method !== '*' && route.method !== pattern.method && !(pattern.method === 'GET' && route.method === 'HEAD')) return false;
  return pattern.path.test(route.path);
}
