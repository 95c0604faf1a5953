// The per-request flow of a metered route, shared by every adapter's requireUsage(): units, idempotency key, charge.
import { failOpenChannel, usageChannel, type ReportEvent, type UsageEvent } from './diagnostics.js';
import { LicenzyConfigError, LicenzyError, LicenzyUsageExhaustedError, isOutage } from './errors.js';
import type { AccessGate, LicenzyGate } from './gate-types.js';
import { REQUIRE_ACCESS_OPTION_KEYS, parseGuardOptions, type RequireAccessOptions } from './guard-options.js';
import { createLogThrottle } from './logger.js';
import { describe, functionOption, objectOption, optionKeys, rejectUnknownKeys, type KeysEnum } from './options.js';
import { problemCodeOf, type ProblemCode } from './problem.js';
import { refusalAction, requestRefusalKind, type RefusalAction, type RefusalPolicy, type RequestRefusalKind } from './refusal.js';
import { reporterFor, reportsOnlyBy, type ReportWhere } from './report-only.js';
import { subjectFromResolved } from './subject.js';
import { clientIdempotencyKey, usageIdempotencyKey, validUnits } from './usage-input.js';
import type { GateLogger } from './logger.js';
import type { RequestDecision, UsageCharge, UsageDecision } from './vocabulary.js';

export { usageIdempotencyKey } from './usage-input.js';
export type { UsageCharge, UsageDecision } from './vocabulary.js';

/**
 * Options every adapter's `requireUsage()` takes (besides the gate options, as for `requireAccess()`). `Req` is the
 * framework's request, `Hook` its refusal handler.
 */
export interface RequireUsageOptions<Req, Hook> extends Omit<RequireAccessOptions<Req, Hook>, 'fresh' | 'onDenied'> {
  /**
   * Units one request costs: a positive safe integer, or `(req) => number` computed per request (e.g. pages of an
   * export). A bad value (0, negative, fractional, NaN, not a number, a throw) is the app's misconfiguration: 500
   * `access_misconfigured`, never a free request. Required.
   */
  units: number | ((req: Req) => number);
  /**
   * `'before'` (default): charge, then run the handler; if the handler then fails (5xx, or the connection drops),
   * the customer has paid for nothing — published as `handler_failed` on `licenzy-gate:usage` for a refund.
   * `'after'`: check that enough units are left, run the handler, and charge once the response is delivered: it
   * started (status line and headers sent) with a 2xx/3xx status. A client that resets the connection after that,
   * even before the last bytes, is charged; a handler that fails before sending anything, or answers 4xx/5xx, is not.
   * Trade-off: concurrent requests all pass the check before any is charged, so they can spend more units than are
   * left (each such response is published as `overspent`), and a response already sent cannot be taken back.
   */
  charge?: 'before' | 'after';
  /** Custom answer when the subject has too few units left. Default: 402 `usage_exhausted` problem+json. */
  onExhausted?: Hook;
}

/** Every option name of {@link RequireUsageOptions}, kept exact by the compiler. */
export const REQUIRE_USAGE_OPTION_KEYS = optionKeys<RequireUsageOptions<unknown, never>>({
  ...(Object.fromEntries([...REQUIRE_ACCESS_OPTION_KEYS].filter((key) => key !== 'fresh' && key !== 'onDenied').map((key) => [key, true])) as KeysEnum<Omit<RequireAccessOptions<unknown, never>, 'fresh' | 'onDenied'>>),
  units: true, charge: true, onExhausted: true,
});

/** What the request carries that identifies its business event; read by the adapter, never trusted for access. */
export interface UsageRequestInfo {
  /** The HTTP method. */
  method: string;
  /** The URL as received (path and query). */
  url: string;
  /** The `Idempotency-Key` request header, if any. */
  idempotencyKey: unknown;
  /** The parsed request body, when a body parser ran before the middleware (binds a client's key to the body). */
  body?: unknown;
}

/** The raw Node response (Express `res`, Koa `ctx.res`, Fastify `reply.raw`): only its status, progress and end events. */
export interface ResponseLike {
  readonly statusCode: number;
  /** The status line and headers were written: the response has started (`charge: 'after'` then counts it delivered). */
  readonly headersSent?: boolean;
  /** The server ended the response (`end()` was called): the handler finished it, whatever the client did. */
  readonly writableEnded?: boolean;
  readonly writableFinished?: boolean;
  once(event: 'finish' | 'close', listener: () => void): unknown;
}

/**
 * What the usage guard concluded for one request: `allowed`, as in {@link GuardOutcome}. `ok` is the same flag under
 * its old name.
 */
export type UsageOutcome =
  | { allowed: true; /** @deprecated use `allowed` */ ok: true; decision: UsageDecision; idempotencyKey: string; route: string }
  | { allowed: false; /** @deprecated use `allowed` */ ok: false; kind: 'exhausted' | 'unavailable' | RequestRefusalKind; error: LicenzyError };

/** A configured metered-route guard: built once per `requireUsage()` call. */
export interface UsageGuard<Req, Hook> {
  readonly gate: LicenzyGate;
  /** Resolves subject and units, charges (or checks, for `charge: 'after'`). Never rejects. */
  meter(req: Req, info: UsageRequestInfo, existing?: RequestDecision | null): Promise<UsageOutcome>;
  /** @deprecated use {@link UsageGuard.meter} (the same function). */
  run(req: Req, info: UsageRequestInfo, existing?: RequestDecision | null): Promise<UsageOutcome>;
  /**
   * After an allowed outcome, before the handler: watches the response, to charge it (`charge: 'after'`) or to
   * report a charged request whose handler failed (`charge: 'before'`).
   */
  watch(response: ResponseLike, outcome: Extract<UsageOutcome, { allowed: true }>): void;
  /** What the adapter does with a refusal: delegate, call the hook for its kind, or answer problem+json. */
  refusal(outcome: Exclude<UsageOutcome, { allowed: true }>): RefusalAction<Hook>;
  /** The route's `reportOnly`, fixed at setup, as on `createGuard()`'s guard: `false`, `true` or `'per-request'`. */
  readonly reportOnly: boolean | 'per-request';
  /** Whether this request only reports (`reportOnly: (req) => boolean` returned `true`); never throws. */
  reportsOnly(req: Req): boolean;
  /**
   * A report-only metered request: returns at once and never charges. In the background it resolves subject and
   * units as {@link UsageGuard.meter} would and answers "would exhaust" from the subject's usage summary
   * (`gate.customerAccess()`, bounded by `freshInterval`; skipped and counted when no Licenzy slot is free): the
   * `usage_remaining` of its available usage packs adds up to fewer than the units. What enforcement would have
   * refused is reported (`licenzy-gate:report`, the gate's summary). `where` is read at once. Never throws.
   */
  observe(req: Req, info: UsageRequestInfo, where: (req: Req) => ReportWhere): void;
}


/** A usage guard's configuration: every `requireUsage` option validated, and the metering gate it charges through. */
interface UsageGuardConfig<Req, Hook> {
  readonly units: number | ((req: Req) => number);
  readonly charge: 'before' | 'after';
  readonly onExhausted: Hook | undefined;
  readonly subject: (req: Req) => unknown;
  readonly gate: LicenzyGate;
  readonly onUnavailable: 'deny' | 'allow' | Hook;
  readonly delegateErrors: boolean;
  readonly logger: GateLogger;
  readonly reportOnly: true | ((req: Req) => boolean) | undefined;
}

/** Validates `requireUsage()` options: its own first, then the shared ones as `requireAccess()` does. @throws {LicenzyConfigError} */
function parseUsageOptions<Req, Hook extends (...args: never[]) => unknown>(
  options: RequireUsageOptions<Req, Hook> | undefined,
  defaultSubject: (req: Req) => unknown,
): UsageGuardConfig<Req, Hook> {
  const opts = objectOption('options', options) ?? {};
  for (const key of ['fresh', 'onDenied'] as const) {
    if (opts[key] !== undefined) throw new LicenzyConfigError(key, 'is an option of requireAccess(), not of requireUsage()');
  }
  rejectUnknownKeys('', opts, REQUIRE_USAGE_OPTION_KEYS);
  const { units, charge = 'before', onExhausted: exhaustedOption, ...rest } = opts as unknown as RequireUsageOptions<Req, Hook>;
  if (typeof units !== 'function' && !validUnits(units)) {
    throw new LicenzyConfigError('units', `expected a positive safe integer or a function (req) => number, got ${describe(units)}`);
  }
  if (charge !== 'before' && charge !== 'after') throw new LicenzyConfigError('charge', `expected 'before' or 'after', got ${describe(charge)}`);
  const onExhausted = functionOption<Hook>('onExhausted', exhaustedOption);
  // The shared options (subject, gate or gate options, onUnavailable, delegateErrors, logger) as requireAccess() reads them.
  const shared = parseGuardOptions<Req, Hook>(rest as RequireAccessOptions<Req, Hook>, defaultSubject);
  const { subject, onUnavailable, delegateErrors, baseLogger: logger, reportOnly } = shared;
  return { units, charge, onExhausted, subject, gate: meteringGate(shared.gate), onUnavailable, delegateErrors, logger, reportOnly };
}

/**
 * Builds the guard behind an adapter's `requireUsage(options)`: validates the options (the shared ones as
 * `requireAccess()` does, plus `units`, `charge`, `onExhausted`) and picks the gate.
 * @throws {LicenzyConfigError} naming the bad option.
 * @example
 * const guard = createUsageGuard<Request, Hook>({ gate, units: 1 }, subjectFromAuth)
 * const outcome = await guard.meter(req, { method: req.method, url: req.url, idempotencyKey: req.headers['idempotency-key'] })
 */
export function createUsageGuard<Req, Hook extends (...args: never[]) => unknown>(
  options: RequireUsageOptions<Req, Hook> | undefined,
  defaultSubject: (req: Req) => unknown,
): UsageGuard<Req, Hook> {
  const { units, charge, onExhausted, subject, gate, onUnavailable, delegateErrors, logger, reportOnly } = parseUsageOptions(options, defaultSubject);
  // Lines that would repeat per request: once per key and window.
  const throttled = createLogThrottle(() => gate.now());
  const report = (key: string, line: () => void): void => throttled(key, line);

  function refuse(error: unknown, subjectRef: string | undefined): UsageOutcome | { failOpen: string } {
    const typed = error instanceof LicenzyError ? error : new LicenzyError('ERR_LICENZY_CONFIG', 'The metered route failed unexpectedly', { status: 500, cause: error });
    const code = problemCodeOf(typed);
    if (code === 'access_unavailable') {
      // Only a transport outage may let a metered request through uncharged, and only when the route opted in.
      if (onUnavailable === 'allow' && subjectRef !== undefined && isOutage(typed)) return { failOpen: subjectRef };
      return refused('unavailable', typed);
    }
    if (code === 'usage_exhausted') return refused('exhausted', typed);
    if (code === 'access_misconfigured') {
      report(typed.code, () => logger.error('metered route misconfigured; answering 500 access_misconfigured', { code: typed.code, message: typed.message }));
    }
    return refused(requestRefusalKind(typed), typed);
  }

  async function meter(req: Req, info: UsageRequestInfo, existing?: RequestDecision | null): Promise<UsageOutcome> {
    let subjectRef: string | undefined;
    let cost = 0;
    try {
      subjectRef = subjectFromResolved(await subject(req));
      cost = typeof units === 'function' ? units(req) : units;
      if (!validUnits(cost)) throw new LicenzyConfigError('units', `the function returned ${describe(cost)}; expected a positive safe integer`);
      const route = `${String(info.method)} ${String(info.url)}`;
      const idempotencyKey = usageIdempotencyKey({ mode: gate.mode, subjectRef, route, clientKey: clientIdempotencyKey(info.idempotencyKey), body: info.body });
      if (charge === 'after') {
        const remaining = await unitsLeft(gate, subjectRef);
        if (remaining !== undefined && remaining < cost) throw new LicenzyUsageExhaustedError(subjectRef, cost);
        return granted(gate, { subjectRef, usage: Object.freeze({ units: cost, consumed: 0, remaining, source: 'after' as const }), existing, idempotencyKey, route });
      }
      const result = await gate.consumeUsage(subjectRef, cost, { idempotencyKey });
      if (!result.ok) throw new LicenzyUsageExhaustedError(subjectRef, cost);
      return granted(gate, { subjectRef, usage: Object.freeze({ units: cost, consumed: result.consumed, remaining: result.usageRemaining, source: 'licenzy' as const }), existing, idempotencyKey, route });
    } catch (error) {
      try {
        const outcome = refuse(error, subjectRef);
        if (!('failOpen' in outcome)) return outcome;
        const failedOpen = outcome.failOpen;
        if (failOpenChannel.hasSubscribers) failOpenChannel.publish({ mode: gate.mode, subjectRef: failedOpen, code: (error as LicenzyError).code });
        report('fail-open', () => logger.warn('Licenzy unavailable; serving a metered route uncharged (onUnavailable: allow)', { subjectRef: failedOpen }));
        return granted(gate, { subjectRef: failedOpen, usage: Object.freeze({ units: cost, consumed: 0, remaining: undefined, source: 'fail-open' as const }), existing, idempotencyKey: '', route: `${info.method} ${info.url}` });
      } catch {
        return refused('misconfigured', new LicenzyError('ERR_LICENZY_CONFIG', 'The metered route failed unexpectedly', { status: 500 }));
      }
    }
  }

  const policy: RefusalPolicy<Hook> = {
    delegateErrors,
    hooks: { exhausted: onExhausted, unavailable: typeof onUnavailable === 'function' ? (onUnavailable as Hook) : undefined },
  };

  return {
    gate,
    refusal: (outcome) => refusalAction(policy, outcome.kind, outcome.error),
    meter,
    run: meter,
    watch: (response, outcome) => watchResponse(gate, charge, response, outcome),
    reportOnly: reportOnly === undefined ? false : reportOnly === true ? true : 'per-request',
    reportsOnly: reportsOnlyBy(reportOnly),
    observe: createUsageObserver({ gate, subject, units, logger, refuse }),
  };
}

/** What a report-only metered route concluded: nothing to report, a skipped check, or the refusal enforcement would make. */
type Estimate = { readonly refusal?: { code: ProblemCode; subjectRef: string | undefined; source: ReportEvent['source'] }; readonly skipped?: true };

/** The report-only flow of a metered route: the checks of meter() up to the charge, which becomes an estimate. */
function createUsageObserver<Req>(deps: {
  gate: LicenzyGate;
  subject: (req: Req) => unknown;
  units: number | ((req: Req) => number);
  logger: GateLogger;
  refuse: (error: unknown, subjectRef: string | undefined) => UsageOutcome | { failOpen: string };
}): UsageGuard<Req, never>['observe'] {
  const { gate, subject, units, logger, refuse } = deps;
  const reporter = reporterFor(gate, logger);

  async function estimate(req: Req, info: UsageRequestInfo): Promise<Estimate> {
    let subjectRef: string | undefined;
    let source: ReportEvent['source'] = 'request';
    try {
      subjectRef = subjectFromResolved(await subject(req));
      const cost = typeof units === 'function' ? units(req) : units;
      if (!validUnits(cost)) throw new LicenzyConfigError('units', `the function returned ${describe(cost)}; expected a positive safe integer`);
      // The key is derived as meter() derives it: a malformed Idempotency-Key is refused there, so it is reported here.
      usageIdempotencyKey({ mode: gate.mode, subjectRef, route: `${String(info.method)} ${String(info.url)}`, clientKey: clientIdempotencyKey(info.idempotencyKey), body: info.body });
      if (gate.backgroundSlot?.() === false) return { skipped: true };
      source = 'usage';
      const remaining = await unitsLeft(gate, subjectRef);
      if (remaining !== undefined && remaining < cost) throw new LicenzyUsageExhaustedError(subjectRef, cost);
      return {};
    } catch (error) {
      const outcome = refuse(error, subjectRef);
      if ('failOpen' in outcome || outcome.allowed) return {};
      return { refusal: { code: problemCodeOf(outcome.error), subjectRef: outcome.kind === 'unauthenticated' ? undefined : subjectRef, source } };
    }
  }

  return function observe(req, info, where) {
    try {
      const at = where(req);
      estimate(req, info).then((result) => {
        if (result.skipped === true) reporter.skipped();
        else if (result.refusal !== undefined) reporter.refused(at, result.refusal.code, result.refusal.subjectRef, result.refusal.source);
      }).catch(() => undefined);
    } catch {
      // A report-only route always runs its handler; a failure to report is lost.
    }
  };
}

function refused(kind: Extract<UsageOutcome, { allowed: false }>['kind'], error: LicenzyError): UsageOutcome {
  return { allowed: false, ok: false, kind, error };
}

/** A metered request let through: what requireAccess() decided for the same subject kept, with what this one cost. */
function granted(gate: LicenzyGate, grant: { subjectRef: string; usage: UsageCharge; existing: RequestDecision | null | undefined; idempotencyKey: string; route: string }): UsageOutcome {
  const { subjectRef, usage, existing, idempotencyKey, route } = grant;
  // A decision a report-only route left (`enforced: false`) is not carried onto an enforced, charged request.
  const decision: UsageDecision = existing?.subjectRef === subjectRef && existing.enforced !== false
    ? Object.freeze({ ...existing, usage })
    : Object.freeze({ subjectRef, allowed: true, source: usage.source === 'fail-open' ? 'fail-open' : 'licenzy', checkedAt: gate.now(), mode: gate.mode, usage });
  return { allowed: true, ok: true, decision, idempotencyKey, route };
}

/** Units left across the subject's available usage packs, from a fresh summary; `undefined` if Licenzy gave none. */
async function unitsLeft(gate: LicenzyGate, subjectRef: string): Promise<number | undefined> {
  const summary = await gate.customerAccess(subjectRef, { fresh: true });
  let total = 0;
  let known = false;
  for (const row of summary.entitlements) {
    if (row.kind !== 'usage_pack' || row.available === false) continue;
    if (typeof row.usage_remaining === 'number' && Number.isFinite(row.usage_remaining)) {
      total += row.usage_remaining;
      known = true;
    }
  }
  // No usage pack at all: nothing to charge from, so nothing is left.
  return known ? total : 0;
}

/**
 * After the handler: charges a `charge: 'after'` response once delivered, or reports a charged request that failed.
 *
 * Delivered (issue 23, item 8) means the response *started* with a 2xx/3xx status: its headers were sent. It is judged
 * when the response finishes, or when the connection closes first: a client that read every chunk and reset before
 * the last bytes cannot skip its charge, and a handler that failed before sending anything (or answered 4xx/5xx) is
 * never charged. A started response the server did not end (cut short by the client or by a failing stream) is
 * charged and also published as `handler_failed`, for the app to refund if it wishes.
 */
function watchResponse(gate: LicenzyGate, charge: 'before' | 'after', response: ResponseLike, outcome: Extract<UsageOutcome, { allowed: true }>): void {
  const { usage, subjectRef } = outcome.decision;
  if (usage.source === 'fail-open') return;
  const event = { mode: gate.mode, subjectRef, units: usage.units, idempotencyKey: outcome.idempotencyKey, route: outcome.route };
  let finished = false;

  function chargeIfDelivered(): boolean {
    const status = response.statusCode;
    if (status < 200 || status >= 400) return false;
    gate.consumeUsage(subjectRef, usage.units, { idempotencyKey: outcome.idempotencyKey }).then(
      (result) => {
        if (!result.ok) publish({ ...event, type: 'overspent' });
      },
      // The gate already published `failed` with the error; nothing else can be done for a response already sent.
      () => undefined,
    );
    return true;
  }

  response.once('finish', () => {
    finished = true;
    if (charge === 'after') return void chargeIfDelivered();
    const status = response.statusCode;
    if (status >= 500) publish({ ...event, type: 'handler_failed', status });
  });
  response.once('close', () => {
    if (finished || response.writableFinished === true) return;
    // Closed before the response was complete. Charge 'before': the client did not get all it paid for. Charge
    // 'after': a response that started was delivered (charged); one that never started was not (nothing to charge).
    if (charge === 'after') {
      if (response.headersSent !== true || !chargeIfDelivered() || response.writableEnded === true) return;
    }
    publish({ ...event, type: 'handler_failed' });
  });
}

function publish(event: UsageEvent): void {
  if (usageChannel.hasSubscribers) usageChannel.publish(event);
}

/** The gate must meter: a gate from createAccessGate() does; another AccessGate implementation may not. */
export function meteringGate(gate: AccessGate): LicenzyGate {
  const candidate = gate as Partial<LicenzyGate>;
  if (typeof candidate.consumeUsage !== 'function' || typeof candidate.customerAccess !== 'function' || typeof candidate.waitForAccess !== 'function') {
    throw new LicenzyConfigError('gate', 'has no consumeUsage()/customerAccess()/waitForAccess(); use a gate from createAccessGate()');
  }
  return gate as LicenzyGate;
}
