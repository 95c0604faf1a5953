// Route inventory helpers the adapters share: does a middleware mounted at a path certainly run for a route's path?
import type { GateMark, RouteGateVia, RouteInventoryEntry } from './gate-marker.js';

/** `'yes'`: every request to the route passes the mount; `'no'`: none does; `'maybe'`: it depends on the request. */
export type Coverage = 'yes' | 'no' | 'maybe';

/** A path segment with no pattern syntax of any router (parameters, wildcards, optional groups, regex characters). */
const LITERAL = /^[\w.~!$&'=@,;%-]*$/;
/** A plain named parameter, matching any one non-empty segment in every router we list. */
const PARAMETER = /^:\w+$/;

/** The segments of a path (`'/a//b/'` → `['a', 'b']`); an opaque part (a regex mount) stays one segment. */
export function pathSegments(path: string): string[] {
  return path.split('/').filter((segment) => segment !== '');
}

/**
 * Whether a middleware mounted at `mount` (a prefix, as `app.use(path)` / `router.use(path)` match) certainly
 * runs for every request a route declared at `route` answers. Segments are compared as literals, without letter
 * case (the routers' default); any pattern syntax the comparison cannot settle makes it `'maybe'`, never `'yes'`.
 *
 * @example
 * mountCovers(['pro'], ['pro', ':id']) // 'yes'
 * mountCovers(['pro'], [':section', 'x']) // 'maybe'
 */
export function mountCovers(mount: readonly string[], route: readonly string[]): Coverage {
  for (const [index, mountSegment] of mount.entries()) {
    const routeSegment = route[index];
    if (routeSegment === undefined) return 'no';
    // The same pattern text matches the same requests.
    if (routeSegment === mountSegment) continue;
    const routeLiteral = LITERAL.test(routeSegment);
    if (LITERAL.test(mountSegment)) {
      if (!routeLiteral) return 'maybe';
      if (routeSegment.toLowerCase() !== mountSegment.toLowerCase()) return 'no';
    } else if (!PARAMETER.test(mountSegment) || !(routeLiteral || PARAMETER.test(routeSegment))) {
      return 'maybe';
    }
  }
  return 'yes';
}

/** A gate met on the way to a route, with how certainly it runs for it. */
export interface GateOnTheWay {
  readonly mark: GateMark;
  readonly via: Exclude<RouteGateVia, null | 'opt-out' | 'mount'>;
  readonly coverage: Coverage;
  /** Why coverage is `'maybe'`. */
  readonly note?: string;
}

/**
 * The verdict for a route from the gates on its way, in order: the first enforcing gate that certainly runs (else
 * the first report-only one); `'unknown'` when only uncertain gates remain; `null` when none applies.
 */
export function routeVerdict(gates: readonly GateOnTheWay[]): Pick<RouteInventoryEntry, 'gate' | 'reportOnly' | 'via' | 'note'> {
  const certain = gates.filter((gate) => gate.coverage === 'yes');
  const chosen = certain.find((gate) => gate.mark.reportOnly === false) ?? certain[0];
  if (chosen !== undefined) return { gate: chosen.mark.kind, reportOnly: chosen.mark.reportOnly, via: chosen.via };
  const uncertain = gates.find((gate) => gate.coverage === 'maybe');
  if (uncertain !== undefined) {
    return { gate: 'unknown', reportOnly: false, via: uncertain.via, note: uncertain.note ?? 'a gate whose mount path may or may not cover this route' };
  }
  return { gate: null, reportOnly: false, via: null };
}
