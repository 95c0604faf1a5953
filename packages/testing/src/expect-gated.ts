// The coverage ratchet: every paid route gated, every route classified, every pattern still naming a route.
import type { RouteInventoryEntry } from '@licenzy-gate/core/adapter';
import { probePaidRoutes, type ProbeOptions } from './expect-gated-probe.js';
import { parseRoutePattern, routePatternMatches, type RoutePattern } from './route-patterns.js';

/** The classification the ratchet holds an app to: patterns such as `'GET /pro/*'` or `'/pro/**'`. */
export interface RouteCoverageRules {
  /** Routes that must be gated (`gate` `'access'` or `'usage'`; `'unknown'` is not gated). */
  readonly paid: readonly string[];
  /** Routes that are free on purpose. A route in both lists is paid. Default `[]`. */
  readonly free?: readonly string[];
}

/** One finding of the ratchet. */
export interface RouteCoverageProblem {
  /**
   * `'ungated'`: a paid route without a certain gate; `'unclassified'`: a route no pattern names; `'stale'`: a
   * pattern naming no route; `'reached'`: the probe ran a paid handler without access.
   */
  readonly kind: 'ungated' | 'unclassified' | 'stale' | 'reached';
  /** One line naming the route or pattern, e.g. `GET /pro/export: no gate (paid by 'GET /pro/*')`. */
  readonly message: string;
}

/** What {@link checkRouteCoverage} found. */
export interface RouteCoverageReport {
  readonly ok: boolean;
  readonly problems: readonly RouteCoverageProblem[];
  /** The routes a `paid` pattern names. */
  readonly paid: readonly RouteInventoryEntry[];
}

const HEADINGS: Record<RouteCoverageProblem['kind'], string> = {
  ungated: 'paid routes without a gate',
  unclassified: 'routes in neither list (classify each as paid or free)',
  stale: 'patterns that name no route (remove or fix them)',
  reached: 'paid handlers reached without access (probe)',
};

function describeGate(route: RouteInventoryEntry): string {
  if (route.gate === null) return route.via === 'opt-out' ? 'no gate (opted out)' : 'no gate';
  return `gate unknown${route.note ? `: ${route.note}` : ''}`;
}

function parseAll(list: readonly string[] | undefined, name: string): RoutePattern[] {
  if (list !== undefined && !Array.isArray(list)) throw new TypeError(`expectGated: \`${name}\` must be an array of patterns`);
  return (list ?? []).map((text) => parseRoutePattern(text));
}

/**
 * The ratchet without assertions (the CLI's `--check` uses it): a problem for every route a `paid` pattern names
 * that has no certain gate, every route no pattern names, and every pattern that names no route.
 *
 * @example
 * const report = checkRouteCoverage(listRoutes(app), { paid: ['/pro/**'], free: ['GET /health'] })
 * if (!report.ok) console.error(formatRouteCoverage(report))
 */
export function checkRouteCoverage(routes: readonly RouteInventoryEntry[], rules: RouteCoverageRules): RouteCoverageReport {
  const paid = parseAll(rules.paid, 'paid');
  const free = parseAll(rules.free, 'free');
  const problems: RouteCoverageProblem[] = [];
  const paidRoutes: RouteInventoryEntry[] = [];
  for (const route of routes) {
    const paidBy = paid.find((pattern) => routePatternMatches(pattern, route));
    const name = `${route.method} ${route.path}`;
    if (paidBy !== undefined) {
      paidRoutes.push(route);
      if (route.gate !== 'access' && route.gate !== 'usage') problems.push({ kind: 'ungated', message: `${name}: ${describeGate(route)} (paid by '${paidBy.text}')` });
    } else if (!free.some((pattern) => routePatternMatches(pattern, route))) {
      problems.push({ kind: 'unclassified', message: `${name} (gate: ${String(route.gate)})` });
    }
  }
  for (const [list, patterns] of [['paid', paid], ['free', free]] as const) {
    for (const pattern of patterns) {
      if (!routes.some((route) => routePatternMatches(pattern, route))) problems.push({ kind: 'stale', message: `${list}: '${pattern.text}'` });
    }
  }
  return { ok: problems.length === 0, problems, paid: paidRoutes };
}

/** The problems of a report as lines grouped by kind, for an error message or a terminal. */
export function formatRouteCoverage(report: Pick<RouteCoverageReport, 'problems'>): string {
  if (report.problems.length === 0) return 'route coverage: every paid route is gated and every route is classified';
  const lines = [`route coverage: ${report.problems.length} problem${report.problems.length === 1 ? '' : 's'}`];
  for (const kind of Object.keys(HEADINGS) as RouteCoverageProblem['kind'][]) {
    const found = report.problems.filter((problem) => problem.kind === kind);
    if (found.length > 0) lines.push(`  ${HEADINGS[kind]}:`, ...found.map((problem) => `    ${problem.message}`));
  }
  return lines.join('\n');
}

/** Options of {@link expectGated}: the classification, and the probe's settings when `probe` is on. */
export interface ExpectGatedOptions extends RouteCoverageRules, Partial<ProbeOptions> {
  /** Also send anonymous and unentitled requests to every paid route over HTTP (needs `url` or `listener`). Default `false`. */
  readonly probe?: boolean;
}

/** The routes to check: an adapter's `listRoutes(app)` output, or a function returning it (sync or async). */
export type RoutesSource = readonly RouteInventoryEntry[] | (() => readonly RouteInventoryEntry[] | Promise<readonly RouteInventoryEntry[]>);

/**
 * Fails (throws an `Error` listing everything) naming every route a `paid` pattern names without a certain gate
 * (`gate` `null` or `'unknown'`), every route no pattern names (a new route must be classified), and every
 * pattern that names no route (stale). With `probe: true` it also sends each paid route, in every spelling the
 * mounting conformance case uses (`pathVariants`: case, slashes, encoding, HEAD, OPTIONS), anonymously and as an
 * unentitled subject, to the app served at `url` (or `listener`, started and stopped here), and fails if a paid
 * handler ran. Keep the app's gate on a local Licenzy (`useLocalLicenzy`): the unentitled subject must be unknown to it.
 *
 * @example
 * await expectGated(listRoutes(app), { paid: ['/pro/**', 'POST /api/reports'], free: ['GET /health', 'POST /webhooks/*'] })
 * await expectGated(() => listRoutes(app), { paid: ['/pro/**'], free: ['/**'], probe: true, listener: app })
 */
export async function expectGated(routes: RoutesSource, options: ExpectGatedOptions): Promise<void> {
  const listed = typeof routes === 'function' ? await routes() : routes;
  if (!Array.isArray(listed)) throw new TypeError('expectGated: expected the rows of listRoutes(app), or a function returning them');
  const report = checkRouteCoverage(listed, options);
  const problems = [...report.problems];
  if (options.probe === true) problems.push(...(await probePaidRoutes(report.paid, options)).map((message) => ({ kind: 'reached' as const, message })));
  if (problems.length > 0) throw new Error(`expectGated: ${formatRouteCoverage({ problems })}`);
}
