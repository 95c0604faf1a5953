// The report-only summary of one gate: what its report-only routes would have refused, logged at most once a minute.
import { LOG_WINDOW, type GateLogger } from './logger.js';
import type { ProblemCode } from './problem.js';

/** Most distinct routes a summary counts one by one; beyond them, requests are counted under {@link OTHER_ROUTES}. */
export const MAX_SUMMARY_ROUTES = 100;
/** Where requests on routes beyond {@link MAX_SUMMARY_ROUTES} are counted. */
export const OTHER_ROUTES = '(other routes)';
/** How many routes the summary line names, most refused first. */
const TOP_ROUTES = 5;

/** What a summary is built from. Times in ms. */
export interface ReportSummaryDeps {
  /** The gate's clock: windows are measured on it. */
  readonly now: () => number;
  readonly logger: GateLogger;
  /** Length of a window: at most one line per window. Default {@link LOG_WINDOW} (60 000 ms). */
  readonly window?: number;
  /** Arms the end-of-window flush (default an unref'd `setTimeout`), so the last window's counts are not lost. */
  readonly setTimer?: (flush: () => void, ms: number) => void;
}

/** One gate's report-only summary. */
export interface ReportSummary {
  /** A request enforcement would have refused with `code`, on `route` (`'GET /pro/:id'`). */
  refused(route: string, code: ProblemCode): void;
  /** A background check not started because every Licenzy slot was busy. */
  skipped(): void;
}

/**
 * Creates a summary: the first report after a quiet window is logged at once; the ones after it are counted and
 * logged when the window (one minute) ends, on the gate's clock: how many requests on how many routes, by code, the
 * top routes and the skipped checks. Memory is bounded: at most {@link MAX_SUMMARY_ROUTES} routes per window.
 *
 * @example
 * const summary = createReportSummary({ now: () => gate.now(), logger: consoleLogger })
 * summary.refused('GET /pro/report', 'access_denied')
 */
export function createReportSummary(deps: ReportSummaryDeps): ReportSummary {
  const { now, logger, window = LOG_WINDOW } = deps;
  const setTimer = deps.setTimer ?? defaultTimer;
  let windowStart = 0;
  // Undefined while quiet: the next report is logged at once.
  let windowEnd: number | undefined;
  let timerArmed = false;
  let requests = 0;
  let skippedChecks = 0;
  const byCode = new Map<ProblemCode, number>();
  const byRoute = new Map<string, number>();

  function due(t: number): boolean {
    // A clock stepped back before the window began ends it too, rather than hold the counts for good.
    return windowEnd === undefined || t >= windowEnd || t < windowStart;
  }

  function flush(t: number): void {
    if (requests > 0 || skippedChecks > 0) write();
    requests = 0;
    skippedChecks = 0;
    byCode.clear();
    byRoute.clear();
    windowStart = t;
    windowEnd = t + window;
    arm(window);
  }

  function arm(ms: number): void {
    if (timerArmed) return;
    timerArmed = true;
    setTimer(tick, ms);
  }

  function tick(): void {
    timerArmed = false;
    if (windowEnd === undefined) return;
    const t = now();
    if (!due(t)) return arm(windowEnd - t);
    if (requests === 0 && skippedChecks === 0) {
      windowEnd = undefined;
      return;
    }
    flush(t);
  }

  function write(): void {
    const codes = Object.fromEntries(byCode);
    const top = [...byRoute].sort((a, b) => b[1] - a[1]).slice(0, TOP_ROUTES).map(([route, count]) => ({ route, requests: count }));
    const codeText = [...byCode].map(([code, count]) => `${code} ${count}`).join(', ');
    const topText = top.map(({ route, requests: count }) => `${route} (${count})`).join(', ');
    const skippedText = skippedChecks > 0 ? `; ${skippedChecks} background checks skipped (Licenzy slots busy)` : '';
    const message = `report-only: ${requests} ${requests === 1 ? 'request' : 'requests'} on ${byRoute.size} ${byRoute.size === 1 ? 'route' : 'routes'} would have been refused${codeText ? ` (${codeText})` : ''}${topText ? `; top: ${topText}` : ''}${skippedText}`;
    try {
      logger.warn(message, { requests, routes: byRoute.size, byCode: codes, topRoutes: top, skippedChecks });
    } catch {
      // A logger that throws must not reach the request; the line is lost.
    }
  }

  function note(): void {
    const t = now();
    if (due(t)) flush(t);
  }

  return {
    refused(route, code) {
      requests++;
      byCode.set(code, (byCode.get(code) ?? 0) + 1);
      const key = byRoute.has(route) || byRoute.size < MAX_SUMMARY_ROUTES ? route : OTHER_ROUTES;
      byRoute.set(key, (byRoute.get(key) ?? 0) + 1);
      note();
    },
    skipped() {
      skippedChecks++;
      note();
    },
  };
}

function defaultTimer(flush: () => void, ms: number): void {
  setTimeout(flush, ms).unref?.();
}
