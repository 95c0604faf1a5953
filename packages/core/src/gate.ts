// The access decision engine: validated subject → cached or coalesced Licenzy answer → a decision, with a failure policy.
import { LRUCache } from 'lru-cache';
import { onAbort } from './abort.js';
import { createCircuitBreaker, type CircuitBreakerOptions } from './circuit-breaker.js';
import { coarseNow } from './clock.js';
import { createLicenzyClient, scopeOfClient, type AccessCheckResult, type CallOptions, type LicenzyClientOptions } from './client.js';
import { parseApiKey, parseBaseUrl, type LicenzyMode } from './config.js';
import { createLruDecisionStore, namespacedStore, type CachedDecision, type DecisionStore } from './decision-store.js';
import { checkChannel, circuitChannel, invalidateChannel, type CheckEvent, type InvalidateEvent } from './diagnostics.js';
import { LicenzyAbortError, LicenzyConfigError, LicenzyResponseError, LicenzyUnavailableError, isOutage } from './errors.js';
import { consoleLogger, type GateLogger } from './logger.js';
import { functionOption, integerOption, numberOption, objectOption, type Milliseconds } from './options.js';
import { deriveSharedScope, type SharedEntry, type SharedEvent, type SharedTier, type SharedTierBinding, type SharedTierScope } from './shared-tier.js';
import { validateSubjectRef } from './subject.js';

/** Where a decision came from: a Licenzy answer just now, the fresh cache, or a stale entry during an outage. */
export type DecisionSource = 'licenzy' | 'cache' | 'stale';

/** The gate's answer for one subject. Frozen; the same object may be handed to many requests. */
export interface AccessDecision {
  readonly subjectRef: string;
  readonly allowed: boolean;
  readonly source: DecisionSource;
  /** When Licenzy gave this answer: wall-clock ms (`Date.now()`), or the injected `now`. For display; never for expiry. */
  readonly checkedAt: number;
  /** The key's mode the answer holds for. */
  readonly mode: LicenzyMode;
}

/** Decision cache settings. Times in ms. */
export interface AccessCacheOptions {
  /** Most subjects remembered (LRU). Default `10000`. */
  max?: number;
  /** How long an `allowed: true` answer is reused. Default `30000` ms. */
  ttl?: Milliseconds;
  /** How long an `allowed: false` answer is reused; short, so a new payment shows up quickly. Default `5000` ms. */
  deniedTtl?: Milliseconds;
  /** How long past its expiry an answer may stand in while Licenzy is unavailable (transport outages only). Default `0` (never). */
  staleIfError?: Milliseconds;
  /** How long checks of a subject share a failed Licenzy call instead of each calling again. Default `1000` ms. */
  errorTtl?: Milliseconds;
}

/** The transport seam: anything that answers access checks for one mode (a client, or a tier in front of one). */
export interface AccessChecker {
  readonly mode: LicenzyMode;
  /**
   * Which Licenzy account and deployment this checker asks, for namespacing a shared `store` (any stable string
   * that is not a secret). A client from `createLicenzyClient()` needs none: the gate derives it from its key.
   */
  readonly namespace?: string;
  checkAccess(subjectRef: string, options?: CallOptions): Promise<AccessCheckResult>;
}

/** Options of {@link createAccessGate}: the client's options, or a ready `client`, plus the cache policy. */
export interface AccessGateOptions extends LicenzyClientOptions {
  /** A client (or any {@link AccessChecker}) to use instead of creating one from the client options. */
  client?: AccessChecker;
  /** Decision cache, or `false` to ask Licenzy on every check (concurrent checks are still coalesced). */
  cache?: AccessCacheOptions | false;
  /**
   * Replaces the in-process LRU; must be synchronous (the hit path does not wait). Keys are prefixed with the
   * namespace of the gate's key (mode, account and base URL, hashed), so gates of different keys never share entries.
   */
  store?: DecisionStore;
  /**
   * A tier shared by many processes (e.g. `createRedisTier()` from `@licenzy-gate/redis`): asked on a local miss
   * before Licenzy, written through on every answer, and the channel for `invalidate()`/`clear()` to reach every
   * instance. Needs the cache and a key (the tier's entries are authenticated with a secret derived from it).
   */
  shared?: SharedTier;
  /** Fail fast while Licenzy keeps failing, or `false` to always call. Default `{ threshold: 5, cooldown: 2000 }`. */
  circuitBreaker?: CircuitBreakerOptions | false;
  /**
   * Bounds `fresh` checks: an answer requested less than this long ago (cached, or still in flight) counts as fresh,
   * so concurrent or repeated fresh checks of a subject share one Licenzy call. `0` turns the bound off. Default `1000` ms.
   */
  freshInterval?: Milliseconds;
  /** Most Licenzy calls in flight at once; beyond it calls wait in a queue. Default `64`. */
  maxConcurrent?: number;
  /** Most calls waiting for a slot; beyond it a check fails at once with 503 (`reason: 'overloaded'`). Default `1000`. */
  maxQueue?: number;
  /**
   * Where the gate reports what an operator must act on: Licenzy becoming unavailable and available again (with how
   * long and how many checks were refused or served stale), and the circuit opening and closing. Never one line
   * per request, never the key. Default: the console.
   */
  logger?: GateLogger;
  /**
   * Clock in ms; inject one to test TTLs without waiting. It then measures durations and stamps `checkedAt`.
   * Default: durations on a monotonic clock (`performance.now()`, read at most once per ms), `checkedAt` from `Date.now()`.
   */
  now?: () => number;
}

/** Options of `gate.invalidate()` / `gate.clear()`. */
export interface InvalidateOptions {
  /** Why, as published on `licenzy-gate:invalidate`: `'local'` (default) or `'webhook'` (a Licenzy webhook receiver). */
  reason?: 'local' | 'webhook';
}

/** Per-check options. */
export interface CheckOptions {
  /**
   * Ask Licenzy rather than reuse the cache (e.g. right after checkout), storing the answer. Bounded by
   * `freshInterval`: an answer requested within it is fresh enough. Decide it on the server (the route), never
   * from client input such as a query parameter. Default `false`.
   */
  fresh?: boolean;
  /** Stops waiting for this check (the shared upstream call goes on for others). */
  signal?: AbortSignal;
}

/** Counters since the gate was created. */
export interface GateStats {
  hits: number;
  misses: number;
  stale: number;
  upstreamCalls: number;
  errors: number;
  /** Checks that joined a call already in flight. */
  coalesced: number;
  /** Entries in the decision cache now. */
  size: number;
  circuit: 'closed' | 'open' | 'half-open';
  /** Licenzy calls running now, and waiting for a slot (`maxConcurrent`). */
  active: number;
  queued: number;
  /** Checks refused at once because the queue was full. */
  shed: number;
  /** Local misses answered by the shared tier, and shared-tier operations that failed (each treated as a miss). */
  sharedHits: number;
  sharedErrors: number;
}

/** The gate the adapters use. */
export interface AccessGate {
  readonly mode: LicenzyMode;
  /** Wall-clock ms as the gate stamps `checkedAt` (the injected `now`, else `Date.now()`). */
  now(): number;
  /** Decides for one subject. Rejects with a typed {@link LicenzyError}; never resolves `allowed: true` on an error. */
  check(subjectRef: string, options?: CheckOptions): Promise<AccessDecision>;
  /** The synchronous fast path: the cached decision if one is fresh, else `undefined`. Counts a hit. */
  peek(subjectRef: string): AccessDecision | undefined;
  /**
   * Forgets a subject's decision (e.g. on a Licenzy `entitlement.updated` webhook), on every instance when a
   * `shared` tier is configured. An answer already in flight is not stored. True if one was cached here.
   */
  invalidate(subjectRef: string, options?: InvalidateOptions): boolean;
  /** Forgets every decision (on every instance with a `shared` tier). */
  clear(options?: InvalidateOptions): void;
  stats(): GateStats;
}

interface StoredDecision extends CachedDecision {
  /** The decision object served on cache hits, built once. */
  readonly cached: AccessDecision;
  /** When the call behind this answer started (duration clock): how fresh it is for a `fresh` check. */
  readonly requestedAt: number;
}

/** One Licenzy call in flight for a subject, shared by every check that joins it. */
interface Call {
  readonly startedAt: number;
  promise: Promise<AccessDecision>;
}

interface Failure {
  readonly error: unknown;
  readonly until: number;
  readonly startedAt: number;
}

const SHED_RETRY_MS = 1000;
/** How far past `totalTimeout` the gate's own watchdog fires: the client's own timeout normally wins. */
const WATCHDOG_MARGIN = 100;

/**
 * Creates an access gate: one Licenzy client, one decision cache, one failure policy.
 *
 * @example
 * const gate = createAccessGate({ cache: { ttl: 30_000, deniedTtl: 5_000 } }) // key and URL from the environment
 * const decision = await gate.check('user_123')
 * if (!decision.allowed) reply(403)
 */
export function createAccessGate(options: AccessGateOptions = {}): AccessGate {
  objectOption('options', options);
  const client: AccessChecker = options.client ?? createLicenzyClient(options);
  if (options.client !== undefined && (typeof client.checkAccess !== 'function' || (client.mode !== 'test' && client.mode !== 'live'))) {
    throw new LicenzyConfigError('client', 'expected a Licenzy client with `checkAccess()` and `mode`');
  }
  const mode = client.mode;
  const injectedNow = functionOption<() => number>('now', options.now);
  // Durations (TTLs, windows, cool-downs) on a monotonic clock; `checkedAt` on the wall clock, for display.
  const now = injectedNow ?? coarseNow;
  const wallNow = injectedNow ?? Date.now;

  const cacheOptions = options.cache === false ? undefined : objectOption('cache', options.cache) ?? {};
  const cacheEnabled = options.cache !== false;
  const max = integerOption('cache.max', cacheOptions?.max, 10_000, 1);
  const ttl = numberOption('cache.ttl', cacheOptions?.ttl, 30_000);
  const deniedTtl = numberOption('cache.deniedTtl', cacheOptions?.deniedTtl, 5_000);
  const staleIfError = numberOption('cache.staleIfError', cacheOptions?.staleIfError, 0);
  const errorTtl = numberOption('cache.errorTtl', cacheOptions?.errorTtl, 1_000);
  const freshInterval = numberOption('freshInterval', options.freshInterval, 1_000);
  const maxConcurrent = integerOption('maxConcurrent', options.maxConcurrent, 64, 1);
  const maxQueue = integerOption('maxQueue', options.maxQueue, 1_000, 0);
  const watchdogMs = numberOption('totalTimeout', options.totalTimeout, 5_000, 1) + WATCHDOG_MARGIN;

  const scope = scopeOf(client, options);
  const store = options.store !== undefined
    ? namespacedStore(validateStore(options.store), scope?.namespace ?? client.namespace ?? mode)
    : createLruDecisionStore(max);
  const binding = bindShared(options.shared, scope, cacheEnabled);

  const logger = validateLogger(options.logger);
  const counters = { hits: 0, misses: 0, stale: 0, upstreamCalls: 0, errors: 0, coalesced: 0, shed: 0, sharedHits: 0, sharedErrors: 0 };
  const breakerOptions = options.circuitBreaker === false ? undefined : objectOption('circuitBreaker', options.circuitBreaker) ?? {};
  const breaker = breakerOptions
    ? createCircuitBreaker(
        integerOption('circuitBreaker.threshold', breakerOptions.threshold, 5, 1),
        numberOption('circuitBreaker.cooldown', breakerOptions.cooldown, 2_000),
        now,
        (from, to) => {
          if (circuitChannel.hasSubscribers) circuitChannel.publish({ mode, from, to });
          // Open and closed are what an operator acts on; half-open probes repeat every cool-down and are not logged.
          if (to === 'open' && from === 'closed') report(() => logger.warn('Licenzy circuit opened: failing fast instead of calling Licenzy', { mode }));
          else if (to === 'closed') report(() => logger.warn('Licenzy circuit closed: calling Licenzy again', { mode }));
        },
      )
    : undefined;
  // One line when Licenzy becomes unavailable and one when it is back, with what the outage cost; never one per request.
  const outage = { since: undefined as number | undefined, refused: 0, stale: 0 };
  function licenzyFailed(error: LicenzyUnavailableError): void {
    if (outage.since !== undefined) return;
    outage.since = now();
    outage.refused = 0;
    outage.stale = 0;
    report(() => logger.warn('Licenzy unavailable: checks the cache cannot answer are refused with 503', { mode, reason: error.reason, ...(error.upstreamStatus === undefined ? {} : { upstreamStatus: error.upstreamStatus }) }));
  }
  function licenzyAnswered(): void {
    if (outage.since === undefined) return;
    const downForMs = Math.round(now() - outage.since);
    outage.since = undefined;
    report(() => logger.warn('Licenzy available again', { mode, downForMs, refused: outage.refused, servedStale: outage.stale }));
  }
  function publishInvalidate(event: InvalidateEvent): void {
    if (invalidateChannel.hasSubscribers) invalidateChannel.publish(event);
  }

  // Calls in flight per subject: concurrent checks share one. A newer call (fresh, or after invalidate)
  // replaces the entry, and only the call still registered may write the cache, so an old answer never
  // overwrites a newer one.
  const inflight = new Map<string, Call>();
  // Recent failures per subject, so a burst of checks during an outage makes one call, not one each.
  // Expiry is kept here rather than as lru-cache's ttl, like decisions: every window ends at `start + ttl` on the gate's clock.
  const failures = new LRUCache<string, Failure>({ max });
  // The bound on concurrent Licenzy calls: a slot per call, a FIFO of waiters, each waiting at most one watchdog period.
  let active = 0;
  const waiting: Array<{ resolve: () => void; reject: (error: unknown) => void; timer: ReturnType<typeof setTimeout> }> = [];

  function lookup(subjectRef: string): AccessDecision | undefined {
    if (!cacheEnabled || typeof subjectRef !== 'string') return undefined;
    // Only validated subjects are ever stored, so a hit needs no further validation.
    const entry = store.get(subjectRef) as StoredDecision | undefined;
    if (entry === undefined) return undefined;
    const t = now();
    // An entry stamped after "now" (a clock stepped back, a store written by another clock) is not trusted.
    if (t >= entry.expiresAt || t < entry.checkedAt) return undefined;
    counters.hits++;
    return entry.cached ?? toDecision(subjectRef, entry, 'cache');
  }

  function toDecision(subjectRef: string, entry: CachedDecision, source: DecisionSource): AccessDecision {
    const stored = (entry as Partial<StoredDecision>).cached;
    // A foreign store's entry has only duration-clock stamps: convert its age to wall time.
    const checkedAt = stored?.checkedAt ?? wallNow() - (now() - entry.checkedAt);
    return Object.freeze({ subjectRef, allowed: entry.allowed, source, checkedAt, mode });
  }

  function remember(subjectRef: string, allowed: boolean, checkedAt: number, lifetime: number, staleLifetime: number, requestedAt: number): AccessDecision {
    const t = now();
    const decision = Object.freeze({ subjectRef, allowed, source: 'cache' as const, checkedAt, mode });
    const entry: StoredDecision = { allowed, checkedAt: t, expiresAt: t + lifetime, staleUntil: t + staleLifetime, requestedAt, cached: decision };
    store.set(subjectRef, entry);
    return decision;
  }

  /** During a transport outage a recent enough answer may stand in; anything else is rethrown as is. */
  function staleOrThrow(subjectRef: string, error: unknown): AccessDecision {
    if (cacheEnabled && staleIfError > 0 && isOutage(error)) {
      const entry = store.get(subjectRef);
      const t = now();
      if (entry !== undefined && t < entry.staleUntil && t >= entry.checkedAt) {
        counters.stale++;
        if (outage.since !== undefined) outage.stale++;
        return toDecision(subjectRef, entry, 'stale');
      }
    }
    if (outage.since !== undefined) outage.refused++;
    throw error;
  }

  /** A cached answer requested within `freshInterval`: fresh enough for a `fresh` check. */
  function recentAnswer(subjectRef: string, t: number): AccessDecision | undefined {
    if (!cacheEnabled) return undefined;
    const entry = store.get(subjectRef) as StoredDecision | undefined;
    if (entry?.requestedAt === undefined || t - entry.requestedAt >= freshInterval) return undefined;
    if (t >= entry.expiresAt || t < entry.checkedAt) return undefined;
    counters.hits++;
    return entry.cached;
  }

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

  /** One Licenzy call: a slot, a watchdog that does not trust the checker, a validated answer, the breaker told. */
  async function askLicenzy(subjectRef: string): Promise<boolean> {
    const slot = acquireSlot();
    if (slot !== undefined) await slot;
    counters.upstreamCalls++;
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const result = await Promise.race([
        // A checker that throws synchronously or returns a non-promise still settles this call.
        new Promise<AccessCheckResult>((resolve) => resolve(client.checkAccess(subjectRef))),
        new Promise<never>((_resolve, reject) => {
          timer = setTimeout(() => reject(new LicenzyUnavailableError('timeout', `Access check did not settle within ${Math.ceil(watchdogMs)} ms`)), watchdogMs);
        }),
      ]);
      // Defence in depth: a checker that is not our client must not grant on anything but a boolean true
      // for this subject.
      if (result?.subjectRef !== subjectRef || typeof result.allowed !== 'boolean') {
        throw new LicenzyResponseError('Access checker answered for another subject or without a boolean `allowed`');
      }
      breaker?.success();
      licenzyAnswered();
      return result.allowed;
    } catch (error) {
      // Only transport outages count against Licenzy's health; an answer of any kind proves it reachable.
      if (isOutage(error)) {
        breaker?.failure(subjectRef);
        licenzyFailed(error as LicenzyUnavailableError);
      } else if (!(error instanceof LicenzyAbortError)) {
        breaker?.success();
        licenzyAnswered();
      }
      throw error;
    } finally {
      clearTimeout(timer);
      releaseSlot();
    }
  }

  function cap(lifetime: number, allowed: boolean): number {
    return Math.min(lifetime, allowed ? ttl : deniedTtl);
  }

  async function runCall(subjectRef: string, call: Call, fresh: boolean): Promise<AccessDecision> {
    const current = () => inflight.get(subjectRef) === call;
    try {
      let token: string | undefined;
      if (binding !== undefined) {
        try {
          const read = await binding.read(subjectRef);
          token = typeof read.token === 'string' ? read.token : undefined;
          const entry = validSharedEntry(read.entry);
          if (entry !== undefined && current()) {
            const lifetime = cap(entry.ttl, entry.allowed);
            const staleLifetime = Math.min(entry.staleTtl, lifetime + staleIfError);
            if (!fresh && lifetime > 0) {
              // An L2 hit fills L1 with the *remaining* lifetime, never more: it cannot extend a decision.
              counters.sharedHits++;
              return remember(subjectRef, entry.allowed, entry.checkedAt, lifetime, staleLifetime, call.startedAt);
            }
          }
          // Past its fresh window but inside its stale window: kept locally (already expired) so that only an
          // outage can be covered by it, within our own `staleIfError` at most.
          const stale = read.stale;
          if (stale !== undefined && current() && staleIfError > 0 && store.get(subjectRef) === undefined) {
            const staleLifetime = Math.min(stale.staleTtl, staleIfError);
            if (typeof stale.allowed === 'boolean' && Number.isFinite(staleLifetime) && staleLifetime > 0 && Number.isFinite(stale.checkedAt)) {
              remember(subjectRef, stale.allowed, stale.checkedAt, 0, staleLifetime, -Infinity);
            }
          }
        } catch {
          counters.sharedErrors++;
          token = undefined;
        }
      }
      const blockedFor = breaker?.blockedFor();
      if (blockedFor !== undefined) {
        throw new LicenzyUnavailableError('circuit_open', 'Licenzy is failing; not calling it for a moment', { retryAfterMs: blockedFor });
      }
      const allowed = await askLicenzy(subjectRef);
      const checkedAt = wallNow();
      const lifetime = allowed ? ttl : deniedTtl;
      if (current()) {
        failures.delete(subjectRef);
        if (cacheEnabled) remember(subjectRef, allowed, checkedAt, lifetime, lifetime + staleIfError, call.startedAt);
        if (binding !== undefined && token !== undefined && lifetime > 0) {
          const entry: SharedEntry = { allowed, checkedAt, ttl: lifetime, staleTtl: lifetime + staleIfError };
          const stored = store.get(subjectRef);
          // A fresh answer is broadcast, so "just paid" shows on every instance at once. A refused write means the
          // subject was invalidated on another instance since the token was read: drop what we just cached, even if
          // the invalidation message has not reached us yet.
          binding.write(subjectRef, entry, token, { broadcast: fresh }).then(
            (written) => {
              if (written === false && stored !== undefined && store.get(subjectRef) === stored) store.delete(subjectRef);
            },
            () => void counters.sharedErrors++,
          );
        }
      }
      return Object.freeze({ subjectRef, allowed, source: 'licenzy' as const, checkedAt, mode });
    } catch (error) {
      counters.errors++;
      // Shared with later checks for `errorTtl`, except local refusals (open circuit, shed load) that end on their own clock.
      const local = error instanceof LicenzyUnavailableError && (error.reason === 'circuit_open' || error.reason === 'overloaded');
      if (current() && errorTtl > 0 && !local) failures.set(subjectRef, { error, until: now() + errorTtl, startedAt: call.startedAt });
      throw error;
    } finally {
      if (current()) inflight.delete(subjectRef);
    }
  }

  function startCall(subjectRef: string, startedAt: number, fresh: boolean): Call {
    const call: Call = { startedAt, promise: undefined as unknown as Promise<AccessDecision> };
    // Registered before the call body runs, so even a call that fails synchronously unregisters itself.
    inflight.set(subjectRef, call);
    call.promise = runCall(subjectRef, call, fresh);
    return call;
  }

  const stats = (): GateStats => ({ ...counters, size: store.size, circuit: breaker?.state ?? 'closed', active, queued: waiting.length });

  /** The public fast path: a hit is a decision, published when someone listens (one property read otherwise). */
  function peek(subjectRef: string): AccessDecision | undefined {
    const hit = lookup(subjectRef);
    if (hit !== undefined && checkChannel.hasSubscribers) {
      const event: CheckEvent = { subjectRef, mode, fresh: false, stats };
      return checkChannel.traceSync(() => hit, event);
    }
    return hit;
  }

  function check(subjectRef: string, checkOptions: CheckOptions = {}): Promise<AccessDecision> {
    if (!checkChannel.hasSubscribers) return decide(subjectRef, checkOptions);
    const event: CheckEvent = { subjectRef, mode, fresh: checkOptions?.fresh === true, stats };
    return checkChannel.tracePromise(() => decide(subjectRef, checkOptions), event);
  }

  async function decide(subjectRef: string, checkOptions: CheckOptions = {}): Promise<AccessDecision> {
    const fresh = checkOptions.fresh === true;
    if (!fresh) {
      const hit = lookup(subjectRef);
      if (hit !== undefined) return hit;
    }
    validateSubjectRef(subjectRef);
    const signal = checkOptions.signal;
    if (signal?.aborted) throw new LicenzyAbortError();
    counters.misses++;

    const t = now();
    let call = inflight.get(subjectRef);
    // A fresh check joins only a call started within `freshInterval`; an older one may predate the payment.
    if (call !== undefined && (!fresh || t - call.startedAt < freshInterval)) {
      counters.coalesced++;
    } else {
      if (fresh) {
        const recent = recentAnswer(subjectRef, t);
        if (recent !== undefined) return recent;
      }
      const failure = failures.get(subjectRef);
      if (failure !== undefined && t < failure.until && (!fresh || t - failure.startedAt < freshInterval)) {
        return staleOrThrow(subjectRef, failure.error);
      }
      call = startCall(subjectRef, t, fresh);
    }

    try {
      return await (signal ? raceAbort(call.promise, signal) : call.promise);
    } catch (error) {
      return staleOrThrow(subjectRef, error);
    }
  }

  function forget(subjectRef: string): boolean {
    inflight.delete(subjectRef);
    failures.delete(subjectRef);
    return store.delete(subjectRef);
  }

  function forgetAll(): void {
    inflight.clear();
    failures.clear();
    store.clear();
  }

  binding?.subscribe((event: SharedEvent) => {
    if (event.type === 'invalidate') {
      forget(event.subjectRef);
      publishInvalidate({ mode, reason: 'broadcast', subjectRef: event.subjectRef });
    } else {
      forgetAll();
      publishInvalidate({ mode, reason: 'broadcast' });
    }
  });

  return {
    mode,
    now: () => wallNow(),
    check,
    peek,
    invalidate(subjectRef, invalidateOptions) {
      const had = forget(subjectRef);
      if (binding !== undefined && typeof subjectRef === 'string') {
        callShared(() => binding.invalidate(subjectRef), counters);
      }
      publishInvalidate({ mode, reason: invalidateOptions?.reason === 'webhook' ? 'webhook' : 'local', subjectRef });
      return had;
    },
    clear(invalidateOptions) {
      forgetAll();
      if (binding !== undefined) callShared(() => binding.clear(), counters);
      publishInvalidate({ mode, reason: invalidateOptions?.reason === 'webhook' ? 'webhook' : 'local' });
    },
    stats,
  };
}

function validateLogger(logger: unknown): GateLogger {
  if (logger === undefined) return consoleLogger;
  const given = objectOption('logger', logger) as Partial<GateLogger> | undefined;
  if (typeof given?.warn !== 'function' || typeof given.error !== 'function') {
    throw new LicenzyConfigError('logger', 'expected an object with warn() and error()');
  }
  return given as GateLogger;
}

/** A logger that throws must not break a decision. */
function report(line: () => void): void {
  try {
    line();
  } catch {
    // The decision stands; the log line is lost.
  }
}

/** Runs a shared-tier operation without letting it throw or reject into the caller. */
function callShared(operation: () => Promise<unknown>, counters: { sharedErrors: number }): void {
  try {
    operation().catch(() => void counters.sharedErrors++);
  } catch {
    counters.sharedErrors++;
  }
}

/** A shared entry the gate can use, or undefined: anything odd is a miss, never a grant. */
function validSharedEntry(entry: SharedEntry | undefined): SharedEntry | undefined {
  if (typeof entry !== 'object' || entry === null) return undefined;
  const { allowed, checkedAt, ttl, staleTtl } = entry;
  if (typeof allowed !== 'boolean' || !Number.isFinite(checkedAt) || !Number.isFinite(ttl) || !Number.isFinite(staleTtl)) return undefined;
  if (staleTtl < ttl || staleTtl <= 0) return undefined;
  return entry;
}

/** The namespace and shared-tier secret of the gate's key: from our client, else from an `apiKey` given beside a custom one. */
function scopeOf(client: AccessChecker, options: AccessGateOptions): SharedTierScope | undefined {
  const own = scopeOfClient(client);
  if (own !== undefined) return own;
  if (options.client === undefined || options.apiKey === undefined) return undefined;
  const { apiKey, mode } = parseApiKey(options.apiKey);
  if (mode !== client.mode) throw new LicenzyConfigError('apiKey', `is a ${mode} key but the client is in ${client.mode} mode`);
  const baseUrl = options.baseUrl === undefined ? '' : parseBaseUrl(options.baseUrl);
  return deriveSharedScope(apiKey, mode, baseUrl);
}

function bindShared(shared: SharedTier | undefined, scope: SharedTierScope | undefined, cacheEnabled: boolean): SharedTierBinding | undefined {
  if (shared === undefined) return undefined;
  if (typeof shared !== 'object' || shared === null || typeof (shared as Partial<SharedTier>).bind !== 'function') {
    throw new LicenzyConfigError('shared', 'expected a shared tier with bind(), e.g. createRedisTier() from @licenzy-gate/redis');
  }
  if (!cacheEnabled) throw new LicenzyConfigError('shared', 'needs the cache; it cannot be combined with `cache: false`');
  if (scope === undefined) {
    throw new LicenzyConfigError('shared', 'needs the API key to authenticate shared entries: use a client from createLicenzyClient(), or pass `apiKey` beside a custom `client`');
  }
  const binding = shared.bind(scope);
  for (const method of ['read', 'write', 'invalidate', 'clear', 'subscribe'] as const) {
    if (typeof binding?.[method] !== 'function') throw new LicenzyConfigError('shared', `bind() returned no ${method}()`);
  }
  return binding;
}

function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const stopWaiting = onAbort(signal, () => reject(new LicenzyAbortError(signal.reason)));
    promise.then(
      (value) => {
        stopWaiting();
        resolve(value);
      },
      (error: unknown) => {
        stopWaiting();
        reject(error);
      },
    );
  });
}

function validateStore(store: DecisionStore): DecisionStore {
  if (typeof store !== 'object' || store === null) throw new LicenzyConfigError('store', 'expected a DecisionStore object');
  for (const method of ['get', 'set', 'delete', 'clear'] as const) {
    if (typeof store[method] !== 'function') throw new LicenzyConfigError('store', `expected a DecisionStore with a ${method}() method`);
  }
  return store;
}
