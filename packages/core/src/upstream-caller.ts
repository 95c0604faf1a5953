// How the gate calls Licenzy: open circuit fails fast, a slot per call (FIFO queue), a watchdog, the outage and bad-answer logs.
import { createCircuitBreaker, type CircuitBreaker } from './circuit-breaker.js';
import type { LicenzyMode } from './config.js';
import { circuitChannel } from './diagnostics.js';
import { LicenzyAbortError, LicenzyAuthError, LicenzyResponseError, LicenzyUnavailableError, isOutage } from './errors.js';
import type { GateCounters } from './gate-stats.js';
import { createLogThrottle, type GateLogger } from './logger.js';
import type { CircuitState } from './vocabulary.js';

/** `Retry-After` of a call shed because no slot was free. */
const SHED_RETRY_MS = 1000;

/** What the caller is built from (the gate's parsed options). Times in ms. */
export interface UpstreamCallerDeps {
  readonly mode: LicenzyMode;
  readonly now: () => number;
  /** How far behind the real time a reading of `now` may be (the breaker judges its cool-down at a reading plus it). */
  readonly nowLag?: number;
  readonly logger: GateLogger;
  /** Where `upstreamCalls` and `shed` are counted. */
  readonly counters: Pick<GateCounters, 'upstreamCalls' | 'shed'>;
  readonly circuitBreaker: { readonly threshold: number; readonly cooldown: number } | undefined;
  readonly maxConcurrent: number;
  readonly maxQueue: number;
  /** How long a call, or a wait for a slot, may last before it is given up. */
  readonly watchdogMs: number;
}

/** Every Licenzy call of one gate goes through here, whatever its kind (check, consume, customer access). */
export interface UpstreamCaller {
  /**
   * One Licenzy operation through the circuit, a slot, the watchdog and the breaker's accounting; `validate` runs
   * inside, so a malformed answer counts as Licenzy reached, not as an outage. An open circuit fails fast here,
   * before a slot is taken.
   */
  call<R, T>(subjectRef: string, what: string, operation: () => Promise<R>, validate: (result: R) => T): Promise<T>;
  readonly circuit: CircuitState;
  /** Calls running now, and waiting for a slot. */
  readonly active: number;
  readonly queued: number;
  /** For the outage log's tally: a check refused during an outage. */
  refusedDuringOutage(): void;
  /** For the outage log's tally: a check answered by a stale entry during an outage. */
  servedStaleDuringOutage(): void;
}

/**
 * Creates the gate's upstream caller.
 *
 * @example
 * const caller = createUpstreamCaller({ mode: 'test', now, logger, counters, circuitBreaker: undefined, maxConcurrent: 64, maxQueue: 1000, watchdogMs: 5100 })
 * const allowed = await caller.call('user_1', 'Access check', () => client.checkAccess('user_1'), (r) => r.allowed)
 */
export function createUpstreamCaller(deps: UpstreamCallerDeps): UpstreamCaller {
  const { mode, now, logger, counters, maxConcurrent, maxQueue, watchdogMs } = deps;
  const outage = createOutageLog(mode, now, logger);
  const badAnswer = createBadAnswerLog(mode, now, logger);
  const breaker = deps.circuitBreaker === undefined ? undefined : wiredBreaker(deps.circuitBreaker, mode, { now, lag: deps.nowLag ?? 0 }, logger);
  // The bound on concurrent Licenzy calls: a slot per call, a FIFO of waiters, each waiting at most one watchdog period.
  let active = 0;
  const waiting: Array<{ resolve: () => void; reject: (error: unknown) => void; timer: ReturnType<typeof setTimeout> }> = [];

  function acquireSlot(): Promise<void> | undefined {
    if (active < maxConcurrent) {
      active++;
      return undefined;
    }
    if (waiting.length >= maxQueue) {
      counters.shed++;
      throw new LicenzyUnavailableError('overloaded', 'Too many Licenzy calls waiting; shedding load', { retryAfterMs: SHED_RETRY_MS });
    }
    return new Promise<void>((resolve, reject) => {
      const waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          const at = waiting.indexOf(waiter);
          if (at !== -1) waiting.splice(at, 1);
          counters.shed++;
          reject(new LicenzyUnavailableError('overloaded', 'No Licenzy call slot became free in time; shedding load', { retryAfterMs: SHED_RETRY_MS }));
        }, watchdogMs),
      };
      waiter.timer.unref?.();
      waiting.push(waiter);
    });
  }

  function releaseSlot(): void {
    const next = waiting.shift();
    if (next === undefined) {
      active--;
      return;
    }
    // The slot passes straight to the next waiter; `active` stays.
    clearTimeout(next.timer);
    next.resolve();
  }

  async function call<R, T>(subjectRef: string, what: string, operation: () => Promise<R>, validate: (result: R) => T): Promise<T> {
    const blockedFor = breaker?.blockedFor();
    if (blockedFor !== undefined) {
      throw new LicenzyUnavailableError('circuit_open', 'Licenzy is failing; not calling it for a moment', { retryAfterMs: blockedFor });
    }
    const slot = acquireSlot();
    if (slot !== undefined) await slot;
    counters.upstreamCalls++;
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const result = await Promise.race([
        // A checker that throws synchronously or returns a non-promise still settles this call.
        new Promise<R>((resolve) => resolve(operation())),
        new Promise<never>((_resolve, reject) => {
          timer = setTimeout(() => reject(new LicenzyUnavailableError('timeout', `${what} did not settle within ${Math.ceil(watchdogMs)} ms`)), watchdogMs);
        }),
      ]);
      const valid = validate(result);
      breaker?.success();
      outage.answered();
      return valid;
    } catch (error) {
      // Only transport outages count against Licenzy's health; an answer of any kind proves it reachable.
      if (isOutage(error)) {
        breaker?.failure(subjectRef);
        outage.failed(error as LicenzyUnavailableError);
      } else if (!(error instanceof LicenzyAbortError)) {
        breaker?.success();
        outage.answered();
        badAnswer.report(error, what);
      }
      throw error;
    } finally {
      clearTimeout(timer);
      releaseSlot();
    }
  }

  return {
    call,
    get circuit() {
      return breaker?.state ?? 'closed';
    },
    get active() {
      return active;
    },
    get queued() {
      return waiting.length;
    },
    refusedDuringOutage: outage.refused,
    servedStaleDuringOutage: outage.servedStale,
  };
}

/** The breaker, its transitions published on `licenzy-gate:circuit` and the ones an operator acts on logged. */
function wiredBreaker(options: { threshold: number; cooldown: number }, mode: LicenzyMode, clock: { now: () => number; lag: number }, logger: GateLogger): CircuitBreaker {
  const onChange = (from: CircuitState, to: CircuitState): void => {
    if (circuitChannel.hasSubscribers) circuitChannel.publish({ mode, from, to });
    // Open and closed are what an operator acts on; half-open probes repeat every cool-down and are not logged.
    if (to === 'open' && from === 'closed') report(() => logger.warn('Licenzy circuit opened: failing fast instead of calling Licenzy', { mode }));
    else if (to === 'closed') report(() => logger.warn('Licenzy circuit closed: calling Licenzy again', { mode }));
  };
  return createCircuitBreaker({ threshold: options.threshold, cooldown: options.cooldown, now: clock.now, lag: clock.lag, onChange });
}

/**
 * One line when Licenzy becomes unavailable and one when it is back, with what the outage cost (checks refused,
 * served stale); never one per request.
 */
function createOutageLog(mode: LicenzyMode, now: () => number, logger: GateLogger) {
  let since: number | undefined;
  let refused = 0;
  let stale = 0;
  return {
    failed(error: LicenzyUnavailableError): void {
      if (since !== undefined) return;
      since = now();
      refused = 0;
      stale = 0;
      const status = error.upstreamStatus === undefined ? {} : { upstreamStatus: error.upstreamStatus };
      // A network error names its code and the server (`ECONNREFUSED 127.0.0.1:4010`): a stopped Licenzy or a wrong host.
      const cause = error.reason === 'network' && error.cause instanceof Error ? { cause: error.cause.message } : {};
      report(() => logger.warn('Licenzy unavailable: checks the cache cannot answer are refused with 503', { mode, reason: error.reason, ...status, ...cause }));
    },
    answered(): void {
      if (since === undefined) return;
      const downForMs = Math.round(now() - since);
      since = undefined;
      report(() => logger.warn('Licenzy available again', { mode, downForMs, refused, servedStale: stale }));
    },
    refused(): void {
      if (since !== undefined) refused++;
    },
    servedStale(): void {
      if (since !== undefined) stale++;
    },
  };
}

/**
 * One line per kind of bad answer and minute (with how many were held back) when Licenzy is reached but answers
 * something the gate cannot use: an unexpected status (a wrong `baseUrl` path gives 404), a rejected key, a malformed
 * body, an answer for another subject. Each names the call (method and URL, subject as `{subject_ref}`, never the key
 * or a body) and the likely fix. Logged here, where every Licenzy call passes, so no adapter repeats it.
 */
function createBadAnswerLog(mode: LicenzyMode, now: () => number, logger: GateLogger) {
  const oncePerWindow = createLogThrottle(now);
  return {
    report(error: unknown, what: string): void {
      if (!(error instanceof LicenzyResponseError) && !(error instanceof LicenzyAuthError)) return;
      // A 409 on a usage event is Licenzy refusing an idempotency key reused for another event: the client's doing,
      // answered 409 (usage-consume.ts), not something wrong with the gate's setup.
      if (error.upstreamStatus === 409) return;
      const line = badAnswerLine(error, what, mode);
      oncePerWindow(line.key, (suppressed) =>
        logger.error(line.message, {
          mode,
          kind: line.kind,
          ...(error.request === undefined ? {} : { method: error.request.method, url: error.request.url }),
          ...(error.upstreamStatus === undefined ? {} : { status: error.upstreamStatus }),
          error: error.message,
          ...(suppressed > 0 ? { suppressedSinceLast: suppressed } : {}),
        }),
      );
    },
  };
}

/** The kinds of bad answer, each with its throttle key and its hint. */
function badAnswerLine(error: LicenzyResponseError | LicenzyAuthError, what: string, mode: LicenzyMode) {
  const call = error.request === undefined ? what : `${error.request.method} ${error.request.url}`;
  const status = error.upstreamStatus;
  if (error instanceof LicenzyAuthError) {
    return {
      kind: 'auth',
      key: `auth:${status}`,
      message: `Licenzy rejected the API key (HTTP ${status}) on ${call}; answering 500. Is the API key right and for this mode (${mode})?`,
    };
  }
  if (status === undefined || (status >= 200 && status < 300)) {
    return {
      kind: 'malformed',
      key: 'malformed',
      message: `Licenzy's answer to ${call} is malformed (${error.message}); answering 503. Is \`baseUrl\` pointing at Licenzy?`,
    };
  }
  const hint =
    status === 404 || status === 405
      ? 'Is `baseUrl` right? It should end before `/v1`.'
      : status >= 300 && status < 400
        ? 'Is `baseUrl` right (https, host)? Redirects are not followed.'
        : 'Is `baseUrl` pointing at Licenzy?';
  return { kind: 'status', key: `status:${status}`, message: `Licenzy answered HTTP ${status} to ${call}; answering 503. ${hint}` };
}

/** A logger that throws must not break a decision. */
function report(line: () => void): void {
  try {
    line();
  } catch {
    // The decision stands; the log line is lost.
  }
}
