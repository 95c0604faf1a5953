// The per-request flow every adapter shares: subject → decision → outcome, with the failure policy. No framework here.
import { getDefaultGate } from './default-gate.js';
import {
  LicenzyAccessDeniedError,
  LicenzyConfigError,
  LicenzyError,
  isOutage,
} from './errors.js';
import { GATE_OPTION_KEYS, createAccessGate, type AccessDecision, type AccessGate, type AccessGateOptions } from './gate.js';
import { failOpenChannel } from './diagnostics.js';
import { consoleLogger, createLogThrottle, type GateLogger } from './logger.js';
import { describe, functionOption, objectOption, optionKeys, pickKeys, rejectUnknownKeys, type KeysEnum } from './options.js';
import { problemCodeOf } from './problem.js';
import { refusalAction, requestRefusalKind, type RefusalAction, type RefusalPolicy, type RequestRefusalKind } from './refusal.js';
import { subjectFromResolved } from './subject.js';
import type { UsageCharge } from './usage.js';

/** A decision as adapters put it on the request; `fail-open` marks an outage let through by `onUnavailable: 'allow'`. */
export interface RequestDecision extends Omit<AccessDecision, 'source'> {
  readonly source: AccessDecision['source'] | 'fail-open';
  /** On a metered route (`requireUsage()`): what this request was charged. */
  readonly usage?: UsageCharge;
}

/**
 * Options every adapter's `requireAccess()` takes, with the same names everywhere. `Req` is the framework's
 * request (Express `req`, Koa `ctx`, Fastify `request`); `Hook` its refusal handler signature.
 */
export interface RequireAccessOptions<Req, Hook> extends AccessGateOptions {
  /** A gate to share (one cache across routes). Not combinable with gate options such as `apiKey` or `cache`. */
  gate?: AccessGate;
  /**
   * Where the subject_ref comes from; may be async. Return `undefined` when the request is anonymous (→ 401).
   * Default: identity set by server-side auth middleware only (see the adapter's README), never client input.
   */
  subject?: (req: Req) => unknown;
  /**
   * Ask Licenzy instead of the cache (e.g. on the post-checkout route), bounded by the gate's `freshInterval`.
   * Decide it from the route, never from client input (a query parameter would let any client force Licenzy
   * calls). Default `false`.
   */
  fresh?: boolean | ((req: Req) => boolean);
  /** Custom answer when Licenzy says no. Default: 403 `access_denied` problem+json. */
  onDenied?: Hook;
  /**
   * When Licenzy cannot decide: `'deny'` (default, 503 `access_unavailable` with `Retry-After`),
   * `'allow'` (fail open for this route, logged; only for transport outages — a reachable Licenzy answering
   * nonsense is always refused), or a custom handler.
   */
  onUnavailable?: 'deny' | 'allow' | Hook;
  /** Hand every refusal to the framework's error handling as a typed {@link LicenzyError}. Default `false`. */
  delegateErrors?: boolean;
  /** Where fail-open and misconfiguration are reported. Default: the console (the Fastify adapter uses `request.log`). */
  logger?: GateLogger;
}

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
  readonly onDenied: Hook | undefined;
  readonly onUnavailable: Hook | undefined;
  readonly delegateErrors: boolean;
  /**
   * Decides for a request. Synchronous on a cache hit; never throws or rejects. `loggerFor` gives a
   * per-request logger (e.g. Fastify's `request.log`), called only when something is logged.
   */
  run(req: Req, loggerFor?: LoggerFor<Req>): GuardOutcome | Promise<GuardOutcome>;
  /** What the adapter does with a refusal: delegate, call the hook for its kind, or answer problem+json. */
  refusal(outcome: Exclude<GuardOutcome, { allowed: true }>): RefusalAction<Hook>;
}

/** Every option name of {@link RequireAccessOptions}, kept exact by the compiler (the gate's included). */
export const REQUIRE_ACCESS_OPTION_KEYS = optionKeys<RequireAccessOptions<unknown, never>>({
  ...Object.fromEntries([...GATE_OPTION_KEYS].map((key) => [key, true])) as KeysEnum<AccessGateOptions>,
  gate: true, subject: true, fresh: true, onDenied: true, onUnavailable: true, delegateErrors: true, logger: true,
});
/** The options that build a gate of the guard's own (`logger` also serves the guard, so it alone does not). */
const OWN_GATE_KEYS: readonly string[] = [...GATE_OPTION_KEYS].filter((key) => key !== 'logger');


/** A guard's configuration: every `requireAccess` option validated, and the gate it decides with. */
interface GuardConfig<Req, Hook> {
  readonly subject: (req: Req) => unknown;
  readonly fresh: boolean | ((req: Req) => boolean) | undefined;
  readonly onDenied: Hook | undefined;
  readonly onUnavailable: 'deny' | 'allow' | Hook;
  readonly delegateErrors: boolean;
  readonly baseLogger: GateLogger;
  readonly gate: AccessGate;
}

/**
 * Validates `requireAccess()` options (unknown keys, types; adapter options before gate options, so a bad one is named
 * even when the environment has no key yet) and picks the gate: `gate`, a new one from gate options, or the default.
 * @throws {LicenzyConfigError} naming the option.
 */
function parseGuardOptions<Req, Hook extends (...args: never[]) => unknown>(
  options: RequireAccessOptions<Req, Hook> | undefined,
  defaultSubject: (req: Req) => unknown,
): GuardConfig<Req, Hook> {
  const opts = objectOption('options', options) ?? {};
  // A misspelt option is an error, never a setting that silently does not apply.
  rejectUnknownKeys('', opts, REQUIRE_ACCESS_OPTION_KEYS);
  // Adapter options first, so a bad one is named even when the environment has no key yet.
  const subject = functionOption<(req: Req) => unknown>('subject', opts.subject, defaultSubject);
  const fresh = opts.fresh;
  if (fresh !== undefined && typeof fresh !== 'boolean' && typeof fresh !== 'function') {
    throw new LicenzyConfigError('fresh', `expected a boolean or a function, got ${describe(fresh)}`);
  }
  const onDenied = functionOption<Hook>('onDenied', opts.onDenied);
  // Only an option left out takes its default: `onUnavailable: null` is an error like any other bad value.
  const onUnavailable = opts.onUnavailable === undefined ? 'deny' : opts.onUnavailable;
  if (onUnavailable !== 'deny' && onUnavailable !== 'allow' && typeof onUnavailable !== 'function') {
    throw new LicenzyConfigError('onUnavailable', `expected 'deny', 'allow' or a function, got ${describe(onUnavailable)}`);
  }
  if (opts.delegateErrors !== undefined && typeof opts.delegateErrors !== 'boolean') {
    throw new LicenzyConfigError('delegateErrors', `expected a boolean, got ${describe(opts.delegateErrors)}`);
  }
  const baseLogger = (objectOption('logger', opts.logger) as GateLogger | undefined) ?? consoleLogger;
  if (typeof baseLogger.warn !== 'function' || typeof baseLogger.error !== 'function') {
    throw new LicenzyConfigError('logger', 'expected an object with warn() and error()');
  }

  const gateOptionNames = OWN_GATE_KEYS.filter((key) => (opts as Record<string, unknown>)[key] !== undefined);
  let gate: AccessGate;
  if (opts.gate !== undefined) {
    if (gateOptionNames.length > 0) {
      throw new LicenzyConfigError('gate', `cannot be combined with ${gateOptionNames.join(', ')}; configure those on the shared gate`);
    }
    const given = opts.gate as Partial<AccessGate> | null;
    if (typeof given !== 'object' || given === null || typeof given.check !== 'function' || typeof given.peek !== 'function') {
      throw new LicenzyConfigError('gate', `expected a gate from createAccessGate(), got ${describe(given)}`);
    }
    gate = given as AccessGate;
  } else {
    gate = gateOptionNames.length > 0 ? createAccessGate(pickKeys<AccessGateOptions>(opts, GATE_OPTION_KEYS)) : getDefaultGate();
  }

  return { subject, fresh: fresh as GuardConfig<Req, Hook>['fresh'], onDenied, onUnavailable: onUnavailable as 'deny' | 'allow' | Hook, delegateErrors: opts.delegateErrors === true, baseLogger, gate };
}

/**
 * Builds the guard behind an adapter's `requireAccess(options)`: validates the options, picks the gate
 * (`gate`, a new one from gate options, or the shared default) and returns the per-request `run`.
 * @throws {LicenzyConfigError} naming the bad option.
 */
export function createGuard<Req, Hook extends (...args: never[]) => unknown>(
  options: RequireAccessOptions<Req, Hook> | undefined,
  defaultSubject: (req: Req) => unknown,
): Guard<Req, Hook> {
  // Options are parsed (and every bad one named) in one place; what follows is behaviour only.
  const { subject, fresh, onDenied, onUnavailable, delegateErrors, baseLogger, gate } = parseGuardOptions<Req, Hook>(options, defaultSubject);

  const deniedErrors = new WeakMap<AccessDecision, LicenzyAccessDeniedError>();
  const clock = (): number => (typeof gate.now === 'function' ? gate.now() : Date.now());
  // Misconfiguration repeats on every request: say it once per code and window, with how many were held back,
  // rather than flood the log (or, as a one-way cap would, go silent for good).
  const oncePerWindow = createLogThrottle(clock);

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

  function decided(decision: AccessDecision): GuardOutcome {
    // Only the boolean true grants; anything else is a denial.
    if (decision.allowed === true) return { allowed: true, decision };
    // A cached denial is one shared object; reuse its error rather than capture a stack per request.
    let error = deniedErrors.get(decision);
    if (error === undefined) {
      error = new LicenzyAccessDeniedError(decision.subjectRef);
      deniedErrors.set(decision, error);
    }
    return { allowed: false, kind: 'denied', error, decision };
  }

  function refuse(error: unknown, subjectRef: string | undefined, req: Req, loggerFor: LoggerFor<Req> | undefined): GuardOutcome {
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
    if (code === 'access_misconfigured') reportMisconfiguration(typed, error, req, log);
    return { allowed: false, kind: requestRefusalKind(typed) as Exclude<RequestRefusalKind, 'invalid-request'>, error: typed };
  }

  function reportMisconfiguration(typed: LicenzyError, error: unknown, req: Req, log: () => GateLogger): void {
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

  const policy: RefusalPolicy<Hook> = {
    delegateErrors,
    hooks: { denied: onDenied, unavailable: typeof onUnavailable === 'function' ? (onUnavailable as Hook) : undefined },
  };

  return {
    gate,
    onDenied,
    onUnavailable: typeof onUnavailable === 'function' ? (onUnavailable as Hook) : undefined,
    delegateErrors,
    refusal: (outcome) => refusalAction(policy, outcome.kind, outcome.error),
    run(req, loggerFor) {
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
    },
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
