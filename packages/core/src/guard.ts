// The per-request flow every adapter shares: subject → decision → outcome, with the failure policy. No framework here.
import { failOpenChannel } from './diagnostics.js';
import { LicenzyAccessDeniedError, LicenzyError, isOutage } from './errors.js';
import type { AccessGate } from './gate-types.js';
import { parseGuardOptions, type RequireAccessOptions } from './guard-options.js';
import { createLogThrottle, type GateLogger } from './logger.js';
import { problemCodeOf } from './problem.js';
import { refusalAction, requestRefusalKind, type RefusalAction, type RefusalPolicy, type RequestRefusalKind } from './refusal.js';
import { subjectFromResolved } from './subject.js';
import type { AccessDecision, RequestDecision } from './vocabulary.js';

export { REQUIRE_ACCESS_OPTION_KEYS } from './guard-options.js';
export type { RequireAccessOptions } from './guard-options.js';
export type { RequestDecision } from './vocabulary.js';

/** Picks the logger for a request; a plain function built once, so the hot path allocates nothing. */
export type LoggerFor<Req> = (req: Req) => GateLogger;

/** What the guard concluded for one request. */
export type GuardOutcome =
  | { allowed: true; decision: RequestDecision }
  | { allowed: false; kind: 'denied'; error: LicenzyAccessDeniedError; decision: AccessDecision }
  /** Licenzy could not decide (503). */
  | { allowed: false; kind: 'unavailable'; error: LicenzyError }
  /** Refused before any decision: no subject (401), an invalid subject (400), a misconfiguration (500). */
  | { allowed: false; kind: Exclude<RequestRefusalKind, 'invalid-request'>; error: LicenzyError };

/** A configured guard: built once per `requireAccess()` call. */
export interface Guard<Req, Hook> {
  readonly gate: AccessGate;
  /**
   * Decides for a request. Synchronous on a cache hit; never throws or rejects. `loggerFor` gives a
   * per-request logger (e.g. Fastify's `request.log`), called only when something is logged.
   */
  decide(req: Req, loggerFor?: LoggerFor<Req>): GuardOutcome | Promise<GuardOutcome>;
  /** @deprecated use {@link Guard.decide} (the same function). */
  run(req: Req, loggerFor?: LoggerFor<Req>): GuardOutcome | Promise<GuardOutcome>;
  /** What the adapter does with a refusal: delegate, call the hook for its kind, or answer problem+json. */
  refusal(outcome: Exclude<GuardOutcome, { allowed: true }>): RefusalAction<Hook>;
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
  const { subject, fresh, onDenied, onUnavailable, delegateErrors, gate } = config;
  const decided = deniedOutcomes();
  const refuse = createRefuser<Req>(config);

  function settle(req: Req, resolved: unknown, loggerFor: LoggerFor<Req> | undefined): GuardOutcome | Promise<GuardOutcome> {
    let wantsFresh: boolean;
    try {
      wantsFresh = fresh === true || (typeof fresh === 'function' && fresh(req) === true);
      // Hot path: only validated subjects are ever cached, so a hit on the raw string needs no validation.
      if (!wantsFresh && typeof resolved === 'string') {
        const hit = gate.peek(resolved);
        if (hit !== undefined) return decided(hit);
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
        if (hit !== undefined) return decided(hit);
      }
      return gate.check(subjectRef, { fresh: wantsFresh }).then(decided, (error: unknown) => contain(req, loggerFor, () => refuse(error, subjectRef, req, loggerFor)));
    } catch (error) {
      return refuse(error, subjectRef, req, loggerFor);
    }
  }

  /** The guard itself never throws: anything escaping (a hostile thenable, a Proxy, a logger) becomes a 500. */
  function contain(req: Req, loggerFor: LoggerFor<Req> | undefined, attempt: () => GuardOutcome | Promise<GuardOutcome>): GuardOutcome | Promise<GuardOutcome> {
    try {
      return attempt();
    } catch (error) {
      return refuseContained(error, req, loggerFor);
    }
  }

  /** The refusal for anything that escaped: even a refusal that throws (a hostile error object) ends as a 500. */
  function refuseContained(error: unknown, req: Req, loggerFor: LoggerFor<Req> | undefined): GuardOutcome {
    try {
      return refuse(error, undefined, req, loggerFor);
    } catch {
      return { allowed: false, kind: 'misconfigured', error: wrapUnknown(undefined) };
    }
  }

  function decide(req: Req, loggerFor?: LoggerFor<Req>): GuardOutcome | Promise<GuardOutcome> {
    // A plain try/catch rather than contain(): no closure is allocated per request on the hit path.
    try {
      let resolved: unknown;
      try {
        resolved = subject(req);
      } catch (error) {
        return refuse(error, undefined, req, loggerFor);
      }
      if (isThenable(resolved)) {
        return Promise.resolve(resolved).then(
          (value) => contain(req, loggerFor, () => settle(req, value, loggerFor)),
          (error: unknown) => refuseContained(error, req, loggerFor),
        );
      }
      return settle(req, resolved, loggerFor);
    } catch (error) {
      return refuseContained(error, req, loggerFor);
    }
  }

  const policy: RefusalPolicy<Hook> = {
    delegateErrors,
    hooks: { denied: onDenied, unavailable: typeof onUnavailable === 'function' ? (onUnavailable as Hook) : undefined },
  };

  return {
    gate,
    refusal: (outcome) => refusalAction(policy, outcome.kind, outcome.error),
    decide,
    run: decide,
  };
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

/**
 * The guard's refusals: an error becomes an outcome (fail open for a transport outage when the route opted in, logged
 * once per window; misconfiguration logged once per code and window).
 */
function createRefuser<Req>(config: { onUnavailable: unknown; baseLogger: GateLogger; gate: AccessGate }) {
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
      return { allowed: false, kind: 'unavailable', error: typed };
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
