// Report-only routes' reporting: the `licenzy-gate:report` event and the gate's summary, and the request decision
// marked not enforced. What a report-only route decides is the guard's (guard.ts, usage.ts); this says it.
import { reportChannel, type ReportEvent } from './diagnostics.js';
import type { AccessGate } from './gate-types.js';
import type { GateLogger } from './logger.js';
import type { ProblemCode } from './problem.js';
import { createReportSummary, type ReportSummary } from './report-summary.js';
import type { RequestDecision } from './vocabulary.js';

/** The route of a report-only event when the framework knows no pattern for it: never the raw URL. */
export const UNKNOWN_ROUTE = '(unknown route)';

/** Where a report-only request was, as the adapter reads it: the route's pattern (never the raw URL) and the method. */
export interface ReportWhere {
  /** The matched route's pattern (`/pro/:id`, with the router's mount path); `undefined` when none is known. */
  readonly route: string | undefined;
  readonly method: string;
}

/** Says what a report-only route would have refused: on the channel and in its gate's summary. */
export interface Reporter {
  refused(where: ReportWhere, code: ProblemCode, subjectRef: string | undefined, source: ReportEvent['source']): void;
  /** A background check skipped because every Licenzy slot was busy (counted by the gate; said in the summary). */
  skipped(): void;
}

// One summary per gate, whichever routes report through it: "at most once a minute per gate".
const summaries = new WeakMap<AccessGate, ReportSummary>();

/**
 * The reporter of a route on `gate`. The gate's summary logs to the logger of the first report-only route built on it.
 *
 * @example
 * const reporter = reporterFor(gate, consoleLogger)
 * reporter.refused({ route: '/pro', method: 'GET' }, 'access_denied', 'user_1', 'cache')
 */
export function reporterFor(gate: AccessGate, logger: GateLogger): Reporter {
  let summary = summaries.get(gate);
  if (summary === undefined) {
    const clock = (): number => (typeof gate.now === 'function' ? gate.now() : Date.now());
    summary = createReportSummary({ now: clock, logger });
    summaries.set(gate, summary);
  }
  const gateSummary = summary;
  return {
    refused(where, code, subjectRef, source) {
      // A pattern, or the placeholder: the raw URL would make every label and summary key unbounded.
      const route = typeof where.route === 'string' && where.route !== '' ? where.route : UNKNOWN_ROUTE;
      const method = String(where.method);
      if (reportChannel.hasSubscribers) {
        const event: ReportEvent = { route, method, code, subjectRef, source };
        reportChannel.publish(event);
      }
      gateSummary.refused(`${method} ${route}`, code);
    },
    skipped() {
      gateSummary.skipped();
    },
  };
}

/**
 * Whether one request of a route with `reportOnly: (req) => boolean` only reports: only the boolean `true` does;
 * `false`, anything else or a throw enforces (a broken rollout function must not open the paywall).
 */
export function reportsOnlyBy<Req>(setting: true | ((req: Req) => boolean) | undefined): (req: Req) => boolean {
  if (setting === undefined) return () => false;
  if (setting === true) return () => true;
  return (req) => {
    try {
      return setting(req) === true;
    } catch {
      return false;
    }
  };
}

/**
 * The decision as a report-only route puts it on the request: the same answer with `enforced: false`, one frozen
 * object per cached decision (a cache hit allocates nothing after the first).
 */
export function createNotEnforced(): (decision: RequestDecision) => RequestDecision {
  const marked = new WeakMap<RequestDecision, RequestDecision>();
  return (decision) => {
    let copy = marked.get(decision);
    if (copy === undefined) {
      copy = Object.freeze({ ...decision, enforced: false as const });
      marked.set(decision, copy);
    }
    return copy;
  };
}
