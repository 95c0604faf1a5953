// The per-request flow every adapter shares: subject → decision → outcome, with the failure policy. No framework here.
import { failOpenChannel } from './diagnostics.js';
import { LicenzyAccessDeniedError, LicenzyError, isOutage } from './errors.js';
import type { AccessGate } from './gate-types.js';
import { parseGuardOptions, type RequireAccessOptions } from './guard-options.js';
import { createLogThrottle, type GateLogger } from './logger.js';
import { problemCodeOf } from './problem.js';
import { refusalAction, requestRefusalKind, type RefusalAction, type RefusalPolicy, type RequestRefusalKind } from './refusal.js';
import { createNotEnforced, reporterFor, reportsOnlyBy, type ReportWhere } from './report-only.js';
import { subjectFromResolved } from './subject.js';
import type { AccessDecision, RequestDecision } from './vocabulary.js';

export { REQUIRE_ACCESS_OPTION_KEYS } from './guard-options.js';
export type { RequireAccessOptions } from './guard-options.js';
export type { RequestDecision } from './vocabulary.js';
export type { ReportWhere } from './report-only.js';

/** Picks the logger for a request; a plain function built once, so the hot path allocates nothing. */
export type LoggerFor<Req> = (req: Req) => GateLogger;

/** What the guard concluded for one request. */
export type GuardOutcome =
  | { allowed: true; decision: RequestDecision }
  | { allowed: false; kind: 'denied'; error: LicenzyAccessDeniedError; decision: AccessDecision }
  /** Licenzy could not decide (503); `subjectRef` when the subject was known. */
  | { allowed: false; kind: 'unavailable'; error: LicenzyError; subjectRef?: string }
  /** Refused before any decision: no subject (401), an invalid subject (400), a misconfiguration (500). */
  | { allowed: false; kind: Exclude<RequestRefusalKind, 'invalid-request'>; error: LicenzyError };

/**
 * What {@link Guard.admit} returns: an allowed decision ready now (the decision itself, no outcome object), or an
 * outcome: a refusal ready now, or a promise of either. Tell them apart with `'source' in admission`.
 */
export type Admission = RequestDecision | GuardOutcome | Promise<GuardOutcome>;

/** A configured guard: built once per `requireAccess()` call. */
export interface Guard<Req, Hook> {
  readonly gate: AccessGate;
  /**
   * Decides for a request. Synchronous on a cache hit; never throws or rejects. `loggerFor` gives a
   * per-request logger (e.g. Fastify's `request.log`), called only when something is logged.
   */
  decide(req: Req, loggerFor?: LoggerFor<Req>): GuardOutcome | Promise<GuardOutcome>;
  /**
   * {@link Guard.decide} for an adapter's hot path: an allowed answer that is ready now is the {@link RequestDecision}
   * itself rather than an outcome wrapping it, so a cache hit allocates nothing. A `RequestDecision` returned here is
   * always an allowed one (a cached denial is a `denied` outcome); anything else is what `decide` returns. Never throws.
   */
  admit(req: Req, loggerFor?: LoggerFor<Req>): Admission;
  /** @deprecated use {@link Guard.decide} (the same function). */
  run(req: Req, loggerFor?: LoggerFor<Req>): GuardOutcome | Promise<GuardOutcome>;
  /** What the adapter does with a refusal: delegate, call the hook for its kind, or answer problem+json. */
  refusal(outcome: Exclude<GuardOutcome, { allowed: true }>): RefusalAction<Hook>;
  /**
   * The route's `reportOnly`, fixed at setup: `false` enforces every request (use {@link Guard.decide}), `true`
   * reports every request (use {@link Guard.observe}), `'per-request'` asks {@link Guard.reportsOnly} for each.
   * Adapters pick their middleware from it once, so an enforcing route runs no report-only code.
   */
  readonly reportOnly: boolean | 'per-request';
  /** Whether this request only reports (`reportOnly: (req) => boolean` returned `true`); never throws. */
  reportsOnly(req: Req): boolean;
  /**
   * A report-only request: decides as {@link Guard.decide} would, but never waits and never refuses. A cache hit
   * returns the decision marked `enforced: false` (for the request); a miss returns `undefined` at once and completes
   * in the background (within the gate's free slots, else skipped and counted). What enforcement would have refused
   * is reported (`licenzy-gate:report`, the gate's summary). `where` is read only when something may be reported.
   * Never throws.
   */
  observe(req: Req, where: (req: Req) => ReportWhere, loggerFor?: LoggerFor<Req>): RequestDecision | undefined;
}

/**
 * Builds the guard behind an adapter's `requireAccess(options)`: validates the options, picks the gate
 * (`gate`, a new one from gate options, or the shared default) and returns the per-request `decide`.
 * @throws {LicenzyConfigError} naming the bad option.
 */
export function createGuard<Req, Hook extends (...args: never[]) => unknown>(
  options: RequireAccessOptions<Req, Hook> | undefined,
  defaultSubject: (req: Req) => unknown,
): Guard<Req, Hook> {
  // Options are parsed (and every bad one named) in one place; what follows is behaviour only.
  const config = parseGuardOptions<Req, Hook>(options, defaultSubject);
  const { onDenied, onUnavailable, delegateErrors, gate, reportOnly } = config;
  const decided = deniedOutcomes();
  const refuse = createRefuser<Req>(config);
  const parts = { ...config, decided, refuse };

  // Enforcement: a miss waits for the gate's check, as always.
  const enforce: Miss<Req, GuardOutcome> = (subjectRef, wantsFresh, req, loggerFor) =>
    gate.check(subjectRef, { fresh: wantsFresh }).then(decided, (error: unknown) => contained(refuse, req, loggerFor, () => refuse(error, subjectRef, req, loggerFor)));
  const decide = createDecider<Req, GuardOutcome, GuardOutcome>(parts, decided, false, enforce);
  // The same flow, a granted hit answered with the decision itself: no outcome object per request.
  const admit = createDecider<Req, GuardOutcome, RequestDecision | GuardOutcome>(parts, admitted(decided), true, enforce);

  const policy: RefusalPolicy<Hook> = {
    delegateErrors,
    hooks: { denied: onDenied, unavailable: typeof onUnavailable === 'function' ? (onUnavailable as Hook) : undefined },
  };

  return {
    gate,
    refusal: (outcome) => refusalAction(policy, outcome.kind, outcome.error),
    decide,
    admit,
    run: decide,
    reportOnly: reportOnly === undefined ? false : reportOnly === true ? true : 'per-request',
    reportsOnly: reportsOnlyBy(reportOnly),
    observe: createObserver(parts),
  };
}

/** What a decider is built from: the guard's configuration, its denial outcomes and its refuser. */
interface DeciderParts<Req> {
  readonly subject: (req: Req) => unknown;
  readonly fresh: boolean | ((req: Req) => boolean) | undefined;
  readonly gate: AccessGate;
  readonly baseLogger: GateLogger;
  readonly decided: (decision: AccessDecision) => GuardOutcome;
  readonly refuse: Refuser<Req>;
}

/** What a miss (no usable cached decision) becomes: enforcement waits for the check, report-only may skip it. */
type Miss<Req, Missed> = (subjectRef: string, wantsFresh: boolean, req: Req, loggerFor: LoggerFor<Req> | undefined) => Promise<Missed>;

/**
 * The per-request flow: subject → cache hit (synchronous) or `miss`. Built once per flow, so the enforcing hit path is
 * exactly what it always was; never throws. `decided`: what a hit becomes; `grantAsIs`: `decided` returns a grant
 * unchanged (admit's form), which the hot path then does itself rather than call `decided` (issue 25: a function and its
 * context fewer to fetch per hit).
 */
function createDecider<Req, Missed, Hit>(parts: DeciderParts<Req>, decided: (decision: AccessDecision) => Hit, grantAsIs: boolean, miss: Miss<Req, Missed>): (req: Req, loggerFor?: LoggerFor<Req>) => Hit | GuardOutcome | Promise<GuardOutcome | Missed> {
  const { subject, fresh, gate, refuse } = parts;
  // Fixed at setup, so a route that never asks for a fresh answer runs no test of `fresh` on its hot path.
  const freshAlways = fresh === true;
  const freshBy = typeof fresh === 'function' ? fresh : undefined;
  const neverFresh = !freshAlways && freshBy === undefined;

  /**
   * `hitAs`: what a cache hit becomes (the flow's own form when answering now, an outcome when answering later);
   * `peeked`: the cache was already asked about this string subject (and missed), so it is not asked twice.
   */
  function settle<H>(req: Req, resolved: unknown, loggerFor: LoggerFor<Req> | undefined, hitAs: (decision: AccessDecision) => H, peeked = false): H | GuardOutcome | Promise<GuardOutcome | Missed> {
    let wantsFresh = freshAlways;
    try {
      if (freshBy !== undefined) wantsFresh = freshBy(req) === true;
      // Only validated subjects are ever cached, so a hit on the raw string needs no validation.
      if (!wantsFresh && !peeked && typeof resolved === 'string') {
        const hit = gate.peek(resolved);
        if (hit !== undefined) return hitAs(hit);
      }
    } catch (error) {
      return refuse(error, undefined, req, loggerFor);
    }
    let subjectRef: string;
    try {
      subjectRef = subjectFromResolved(resolved);
    } catch (error) {
      return refuse(error, undefined, req, loggerFor);
    }
    try {
      if (!wantsFresh && typeof resolved !== 'string') {
        const hit = gate.peek(subjectRef);
        if (hit !== undefined) return hitAs(hit);
      }
      return miss(subjectRef, wantsFresh, req, loggerFor);
    } catch (error) {
      return refuse(error, subjectRef, req, loggerFor);
    }
  }

  /** Everything but a hit on the hot path: a fresh route, a miss, a subject that is not a string (or a promise of one). */
  function decideRest(req: Req, resolved: unknown, loggerFor: LoggerFor<Req> | undefined): Hit | GuardOutcome | Promise<GuardOutcome | Missed> {
    // A string subject reaches here on a fresh route (not peeked yet) or after the hot path's peek missed.
    if (typeof resolved === 'string') return settle(req, resolved, loggerFor, decided, neverFresh);
    if (isThenable(resolved)) {
      // Settled later, the answer is always an outcome (a promise never carries a bare decision).
      return Promise.resolve(resolved).then(
        (value) => contained(refuse, req, loggerFor, () => settle(req, value, loggerFor, parts.decided)),
        (error: unknown) => refuseContained(refuse, error, req, loggerFor),
      );
    }
    return settle(req, resolved, loggerFor, decided);
  }

  return hitFirst(subject, gate, neverFresh, grantAsIs, decided, decideRest, refuse);
}

/**
 * The hot path of a decider, in as little code as it takes (issue 25): a route that never asks for a fresh answer, a
 * string subject (only validated subjects are cached, so a hit needs no validation) and a cached decision; anything else
 * goes to `rest`, which does not ask the cache again. Built by its own function so that what a hit reads is exactly
 * this function's first parameters, the first slots of the returned closure's context: one cache line rather than two.
 */
function hitFirst<Req, Hit, Rest>(
  subject: (req: Req) => unknown,
  gate: AccessGate,
  neverFresh: boolean,
  grantAsIs: boolean,
  decided: (decision: AccessDecision) => Hit,
  rest: (req: Req, resolved: unknown, loggerFor: LoggerFor<Req> | undefined) => Rest,
  refuse: Refuser<Req>,
): (req: Req, loggerFor?: LoggerFor<Req>) => Hit | Rest | GuardOutcome {
  return function decide(req, loggerFor) {
    // A plain try/catch rather than contained(): no closure is allocated per request on the hit path.
    try {
      let resolved: unknown;
      try {
        resolved = subject(req);
      } catch (error) {
        return refuse(error, undefined, req, loggerFor);
      }
      // `=== true`: a compare, where a bare test of a captured boolean is a full truthiness check in optimised code.
      if (neverFresh === true && typeof resolved === 'string') {
        const hit = gate.peek(resolved);
        if (hit !== undefined) return grantAsIs === true && hit.allowed === true ? (hit as Hit) : decided(hit);
      }
      return rest(req, resolved, loggerFor);
    } catch (error) {
      return refuseContained(refuse, error, req, loggerFor);
    }
  };
}

/**
 * The report-only flow: the same decider, whose miss never waits for a slot. A background check runs only when the
 * gate has a slot free now (`backgroundSlot()`), else it is skipped (`undefined`); its outcome is reported when it ends.
 */
function createObserver<Req>(parts: DeciderParts<Req>): Guard<Req, never>['observe'] {
  const { gate, decided, refuse, baseLogger } = parts;
  const reporter = reporterFor(gate, baseLogger);
  const notEnforced = createNotEnforced();
  const background = createDecider<Req, GuardOutcome | undefined, GuardOutcome>(parts, decided, false, (subjectRef, wantsFresh, req, loggerFor) => {
    if (gate.backgroundSlot?.() === false) return Promise.resolve(undefined);
    return gate.check(subjectRef, { fresh: wantsFresh }).then(decided, (error: unknown) => contained(refuse, req, loggerFor, () => refuse(error, subjectRef, req, loggerFor)));
  });

  function report(outcome: GuardOutcome | undefined, where: ReportWhere): void {
    if (outcome === undefined) return reporter.skipped();
    if (outcome.allowed) return;
    const code = problemCodeOf(outcome.error);
    if (outcome.kind === 'denied') return reporter.refused(where, code, outcome.decision.subjectRef, outcome.decision.source);
    if (outcome.kind === 'unavailable') return reporter.refused(where, code, outcome.subjectRef, 'licenzy');
    reporter.refused(where, code, undefined, 'request');
  }

  return function observe(req, where, loggerFor) {
    try {
      const outcome = background(req, loggerFor);
      if (outcome instanceof Promise) {
        // Read now: the framework may have moved on (another router's base URL) by the time the check ends.
        const at = where(req);
        outcome.then((settled) => report(settled, at)).catch(() => undefined);
        return undefined;
      }
      if (!outcome.allowed) report(outcome, where(req));
      return 'decision' in outcome ? notEnforced(outcome.decision) : undefined;
    } catch {
      // A report-only route always runs its handler: a failure to report (a hostile `where`, a throwing listener) is lost.
      return undefined;
    }
  };
}

/** The guard itself never throws: anything escaping (a hostile thenable, a Proxy, a logger) becomes a 500. */
function contained<Req, T>(refuse: Refuser<Req>, req: Req, loggerFor: LoggerFor<Req> | undefined, attempt: () => T): T | GuardOutcome {
  try {
    return attempt();
  } catch (error) {
    return refuseContained(refuse, error, req, loggerFor);
  }
}

/** The refusal for anything that escaped: even a refusal that throws (a hostile error object) ends as a 500. */
function refuseContained<Req>(refuse: Refuser<Req>, error: unknown, req: Req, loggerFor: LoggerFor<Req> | undefined): GuardOutcome {
  try {
    return refuse(error, undefined, req, loggerFor);
  } catch {
    return { allowed: false, kind: 'misconfigured', error: wrapUnknown(undefined) };
  }
}

/** {@link Guard.admit}'s form of a hit: a grant is the decision itself (nothing allocated), a denial its outcome. */
function admitted(decided: (decision: AccessDecision) => GuardOutcome): (decision: AccessDecision) => RequestDecision | GuardOutcome {
  return (decision) => (decision.allowed === true ? decision : decided(decision));
}

/** Outcomes of decisions: a grant, or a denial whose error is built once per cached denial (one shared object). */
function deniedOutcomes(): (decision: AccessDecision) => GuardOutcome {
  const deniedErrors = new WeakMap<AccessDecision, LicenzyAccessDeniedError>();
  return function decided(decision) {
    // Only the boolean true grants; anything else is a denial.
    if (decision.allowed === true) return { allowed: true, decision };
    // Reuse the denial's error rather than capture a stack per request.
    let error = deniedErrors.get(decision);
    if (error === undefined) {
      error = new LicenzyAccessDeniedError(decision.subjectRef);
      deniedErrors.set(decision, error);
    }
    return { allowed: false, kind: 'denied', error, decision };
  };
}

/** Turns an error into a refusal outcome (or a fail-open grant). */
type Refuser<Req> = (error: unknown, subjectRef: string | undefined, req: Req, loggerFor: LoggerFor<Req> | undefined) => GuardOutcome;

/**
 * The guard's refusals: an error becomes an outcome (fail open for a transport outage when the route opted in, logged
 * once per window; misconfiguration logged once per code and window).
 */
function createRefuser<Req>(config: { onUnavailable: unknown; baseLogger: GateLogger; gate: AccessGate }): Refuser<Req> {
  const { onUnavailable, baseLogger, gate } = config;
  const clock = (): number => (typeof gate.now === 'function' ? gate.now() : Date.now());
  // Misconfiguration repeats on every request: say it once per code and window, with how many were held back,
  // rather than flood the log (or, as a one-way cap would, go silent for good).
  const oncePerWindow = createLogThrottle(clock);

  function reportMisconfiguration(typed: LicenzyError, error: unknown, log: () => GateLogger): void {
    oncePerWindow(typed.code, (suppressed) => {
      // The app's own error (e.g. a throwing resolver) is worth seeing; our messages never hold the key.
      const cause = typed === error ? undefined : describeCause(error);
      log().error('access check misconfigured; answering 500 access_misconfigured', {
        code: typed.code,
        message: typed.message,
        ...(cause === undefined ? {} : { cause }),
        ...(suppressed > 0 ? { suppressedSinceLast: suppressed } : {}),
      });
    });
  }

  return function refuse(error: unknown, subjectRef: string | undefined, req: Req, loggerFor: LoggerFor<Req> | undefined): GuardOutcome {
    const code = problemCodeOf(error);
    // Built only when there is something to say, so the request path allocates no logger.
    const log = (): GateLogger => (loggerFor === undefined ? baseLogger : loggerFor(req));
    const typed = error instanceof LicenzyError ? error : wrapUnknown(error);
    if (code === 'access_unavailable') {
      // Only a transport outage may fail open: a reachable Licenzy answering nonsense is refused.
      if (onUnavailable === 'allow' && subjectRef !== undefined && isOutage(typed)) {
        if (failOpenChannel.hasSubscribers) failOpenChannel.publish({ mode: gate.mode, subjectRef, code: typed.code });
        // Once per window with a count, not once per request: an outage under load would flood the log.
        oncePerWindow('fail-open', (suppressed) =>
          log().warn('Licenzy unavailable; letting requests through (onUnavailable: allow)', {
            code: typed.code,
            subjectRef,
            ...(suppressed > 0 ? { suppressedSinceLast: suppressed } : {}),
          }),
        );
        const decision: RequestDecision = Object.freeze({ subjectRef, allowed: true, source: 'fail-open', checkedAt: clock(), mode: gate.mode });
        return { allowed: true, decision };
      }
      return subjectRef === undefined ? { allowed: false, kind: 'unavailable', error: typed } : { allowed: false, kind: 'unavailable', error: typed, subjectRef };
    }
    if (code === 'access_misconfigured') reportMisconfiguration(typed, error, log);
    return { allowed: false, kind: requestRefusalKind(typed) as Exclude<RequestRefusalKind, 'invalid-request'>, error: typed };
  };
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  // May throw (a `then` getter that throws, a revoked Proxy): run() contains it.
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/** The app's own error text for the log, read defensively (a getter or `toString` may throw). */
function describeCause(error: unknown): string | undefined {
  try {
    return error instanceof Error ? String(error.message) : String(error);
  } catch {
    return 'an unprintable error';
  }
}

/** A non-licenzy error (e.g. a throwing `subject` resolver) refuses with 500; its text is kept off the response. */
function wrapUnknown(error: unknown): LicenzyError {
  return new LicenzyError('ERR_LICENZY_CONFIG', 'The subject resolver or gate failed unexpectedly', { status: 500, cause: error });
}
