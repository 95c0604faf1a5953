// The access decision engine: validated subject → cached or coalesced Licenzy answer → a decision, with a failure policy.
import { onAbort } from './abort.js';
import { CachedAccessDecision, type ForeignEntry } from './cached-decision.js';
import { createCircuitBreaker, type CircuitBreakerOptions } from './circuit-breaker.js';
import {
  type AccessCheckResult,
  type CallOptions,
  type ConsumeUsageResult,
  type CustomerAccess,
  type LicenzyClientOptions,
} from './client.js';
import type { LicenzyMode } from './config.js';
import { GrowingLru, type DecisionStore } from './decision-store.js';
import { parseGateOptions } from './gate-options.js';
import { checkChannel, circuitChannel, invalidateChannel, usageChannel, type CheckEvent, type InvalidateEvent, type UsageEvent } from './diagnostics.js';
import {
  LicenzyAbortError,
  LicenzyConfigError,
  LicenzyIdempotencyConflictError,
  LicenzyResponseError,
  LicenzyUnavailableError,
  isOutage,
} from './errors.js';
import type { GateLogger } from './logger.js';
import type { Milliseconds } from './options.js';
import type { SharedEntry, SharedEvent, SharedTier } from './shared-tier.js';
import { validateSubjectRef } from './subject.js';
import { createAccessWaiter, type WaitForAccessOptions } from './wait-for-access.js';

export { CACHE_OPTION_KEYS, GATE_OPTION_KEYS } from './gate-options.js';

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
  /** `POST /v1/usage/consume`, for `gate.consumeUsage()` (our client has it; a custom checker may leave it out). */
  consumeUsage?(subjectRef: string, units: number, options: CallOptions & { idempotencyKey: string }): Promise<ConsumeUsageResult>;
  /** `GET /v1/customer/access/:subject_ref`, for `gate.customerAccess()` (our client has it). */
  getCustomerAccess?(subjectRef: string, options?: CallOptions): Promise<CustomerAccess>;
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

/** Options of `gate.consumeUsage()`. */
export interface ConsumeUsageOptions {
  /**
   * One key per business event (1 to 255 printable ASCII characters), reused on every retry of that event, so
   * Licenzy charges it once. The gate's own retries reuse it; so should yours. Required.
   */
  idempotencyKey: string;
  /** Stops waiting for the answer. The charge may still happen at Licenzy: retry with the same key. */
  signal?: AbortSignal;
}

/** Options of `gate.customerAccess()`. */
export interface CustomerAccessOptions {
  /** Ask Licenzy rather than reuse the cached summary, bounded by the gate's `freshInterval`. Default `false`. */
  fresh?: boolean;
  /** Stops waiting for this load (the shared call goes on for others). */
  signal?: AbortSignal;
}

export type { WaitForAccessOptions } from './wait-for-access.js';

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

/**
 * The gate {@link createAccessGate} returns: an {@link AccessGate} that also meters usage, waits for access after
 * checkout and loads entitlement summaries. (A separate interface so that other `AccessGate` implementations,
 * such as the fake gate of `@licenzy-gate/testing`, stay valid.)
 */
export interface LicenzyGate extends AccessGate {
  /**
   * Charges `units` of the subject's usage packs (`POST /v1/usage/consume`) through the gate's concurrency bound,
   * circuit breaker and watchdog; never from a cache. Resolves `{ ok: false, reason: 'insufficient_usage' }` when
   * Licenzy has too few units left (a billing limit, not an error). Rejects with a typed error otherwise:
   * {@link LicenzyIdempotencyConflictError} when the key was used for another event, 503 errors when Licenzy
   * cannot answer. Concurrent calls with one key share one Licenzy call. Publishes on `licenzy-gate:usage`.
   *
   * @example
   * const result = await gate.consumeUsage('user_123', 1, { idempotencyKey: `report:${reportId}` })
   * if (!result.ok) return reply(402)
   */
  consumeUsage(subjectRef: string, units: number, options: ConsumeUsageOptions): Promise<ConsumeUsageResult>;
  /**
   * Resolves with the first allowed decision for the subject (e.g. on the page checkout returns to): fresh checks
   * with jittered backoff (250 ms doubling to 2 s), one loop per subject however many callers wait, bounded by
   * `freshInterval`, and woken at once when the subject is invalidated (locally, by a webhook receiver, or by
   * another instance through the shared tier). Rejects with {@link LicenzyWaitTimeoutError} after `timeout`.
   *
   * @example
   * const decision = await gate.waitForAccess('user_123', { timeout: 10_000 })
   */
  waitForAccess(subjectRef: string, options?: WaitForAccessOptions): Promise<AccessDecision>;
  /**
   * The subject's entitlement summary (`GET /v1/customer/access/:subject_ref`: `hasAccess`, `status`,
   * `entitlements` with `usage_remaining`, `expires_at`, unknown fields kept), cached in its own small LRU with the
   * decision TTLs (`ttl` when it has access, `deniedTtl` otherwise) and forgotten by `invalidate()`. Frozen. Never
   * used to grant access: `check()` decides that.
   *
   * @example
   * const summary = await gate.customerAccess('user_123')
   * const left = summary.entitlements.find((e) => e.kind === 'usage_pack')?.usage_remaining
   */
  customerAccess(subjectRef: string, options?: CustomerAccessOptions): Promise<CustomerAccess>;
  /**
   * {@link AccessGate.invalidate}, resolved only once every instance can know: at once without a shared tier, else
   * when the tier has recorded the invalidation (so no older answer can be written back) and broadcast it. Rejects
   * with a 503 {@link LicenzyUnavailableError} when the tier failed, so a webhook receiver can refuse the delivery
   * and let Licenzy retry it, instead of acknowledging an invalidation that reached only this instance.
   *
   * @example
   * await gate.invalidateEverywhere('user_123', { reason: 'webhook' }) // throws while Redis is down
   */
  invalidateEverywhere(subjectRef: string, options?: InvalidateOptions): Promise<boolean>;
}

/**
 * The decision cache as the gate uses it. Its own: an LRU of {@link CachedAccessDecision}, one object per subject
 * (the decision served on hits is the entry). A foreign `store`: plain `CachedDecision` entries (see
 * {@link foreignEntries}); the gate reads both shapes.
 */
interface DecisionEntries {
  get(key: string): CachedAccessDecision | ForeignEntry | undefined;
  set(key: string, decision: CachedAccessDecision): void;
  delete(key: string): boolean;
  clear(): void;
  readonly size: number;
}

/** A foreign store holds what its `CachedDecision` type says (duration-clock stamps), never our class instances. */
function foreignEntries(store: DecisionStore): DecisionEntries {
  return {
    get: (key) => store.get(key),
    set: (key, decision) => store.set(key, decision.toCachedDecision()),
    delete: (key) => store.delete(key),
    clear: () => store.clear(),
    get size() {
      return store.size;
    },
  };
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

/**
 * Creates an access gate: one Licenzy client, one decision cache, one failure policy.
 *
 * @example
 * const gate = createAccessGate({ cache: { ttl: 30_000, deniedTtl: 5_000 } }) // key and URL from the environment
 * const decision = await gate.check('user_123')
 * if (!decision.allowed) reply(403)
 */
export function createAccessGate(options: AccessGateOptions = {}): LicenzyGate {
  // Options are parsed (and every bad one named) in one place; what follows is behaviour only.
  const {
    client, mode, now, wallNow, cacheEnabled, max, ttl, deniedTtl, staleIfError, errorTtl, freshInterval,
    maxConcurrent, maxQueue, watchdogMs, store: foreignStore, binding, logger, circuitBreaker, random,
  } = parseGateOptions(options);
  const store: DecisionEntries = foreignStore === undefined ? new GrowingLru<CachedAccessDecision>(max) : foreignEntries(foreignStore);
  const counters = { hits: 0, misses: 0, stale: 0, upstreamCalls: 0, errors: 0, coalesced: 0, shed: 0, sharedHits: 0, sharedErrors: 0 };
  const breaker = circuitBreaker
    ? createCircuitBreaker(
        circuitBreaker.threshold,
        circuitBreaker.cooldown,
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
  // Expiry is kept in each entry, like decisions: every window ends at `start + ttl` on the gate's clock. A Map bounded
  // to `max`, the oldest failure out first: unlike an LRUCache, nothing is allocated for `max` up front.
  const failures = new Map<string, Failure>();
  function rememberFailure(subjectRef: string, failure: Failure): void {
    failures.delete(subjectRef);
    if (failures.size >= max) failures.delete(failures.keys().next().value as string);
    failures.set(subjectRef, failure);
  }
  // The bound on concurrent Licenzy calls: a slot per call, a FIFO of waiters, each waiting at most one watchdog period.
  let active = 0;
  const waiting: Array<{ resolve: () => void; reject: (error: unknown) => void; timer: ReturnType<typeof setTimeout> }> = [];

  function lookup(subjectRef: string): AccessDecision | undefined {
    if (!cacheEnabled || typeof subjectRef !== 'string') return undefined;
    // Only validated subjects are ever stored, so a hit needs no further validation.
    const entry = store.get(subjectRef);
    if (entry === undefined) return undefined;
    const t = now();
    // Ours: the entry is the decision. An entry stamped after "now" (a clock stepped back, a store written by another
    // clock) is not trusted.
    if (entry instanceof CachedAccessDecision) {
      // Our own LRU is keyed by us; a foreign store's answer must at least be for the subject asked about.
      if (!entry.servesAt(t) || (foreignStore !== undefined && entry.subjectRef !== subjectRef)) return undefined;
      counters.hits++;
      return entry;
    }
    if (!foreignUsable(subjectRef, entry, t, entry.expiresAt)) return undefined;
    counters.hits++;
    return entry.cached instanceof CachedAccessDecision ? entry.cached : toDecision(subjectRef, entry, 'cache');
  }

  function toDecision(subjectRef: string, entry: CachedAccessDecision | ForeignEntry, source: DecisionSource): AccessDecision {
    const ours = entry instanceof CachedAccessDecision ? entry : entry.cached instanceof CachedAccessDecision ? entry.cached : undefined;
    // A foreign entry has only duration-clock stamps (its `checkedAt` is one): convert its age to wall time.
    const checkedAt = ours !== undefined ? ours.checkedAt : wallNow() - (now() - (entry as ForeignEntry).checkedAt);
    return Object.freeze({ subjectRef, allowed: entry.allowed, source, checkedAt, mode });
  }

  /**
   * Caches an answer for `lifetime` ms (and as a stand-in during outages for `staleLifetime`), from now on the
   * duration clock; `checkedAt` is the wall time Licenzy answered, `requestedAt` when the call behind it started.
   */
  function remember(subjectRef: string, answer: { allowed: boolean; checkedAt: number; lifetime: number; staleLifetime: number; requestedAt: number }): AccessDecision {
    const { allowed, checkedAt, lifetime, staleLifetime, requestedAt } = answer;
    const decision = new CachedAccessDecision(subjectRef, allowed, checkedAt, mode, now(), lifetime, staleLifetime, requestedAt);
    store.set(subjectRef, decision);
    return decision;
  }

  /** During a transport outage a recent enough answer may stand in; anything else is rethrown as is. */
  function staleOrThrow(subjectRef: string, error: unknown): AccessDecision {
    if (cacheEnabled && staleIfError > 0 && isOutage(error)) {
      const entry = store.get(subjectRef);
      const t = now();
      const standsIn = entry instanceof CachedAccessDecision ? entry.standsInAt(t) && entry.subjectRef === subjectRef : entry !== undefined && foreignUsable(subjectRef, entry, t, entry.staleUntil);
      if (entry !== undefined && standsIn) {
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
    const entry = store.get(subjectRef);
    if (entry === undefined) return undefined;
    if (entry instanceof CachedAccessDecision) {
      if (!entry.requestedWithin(t, freshInterval) || !entry.servesAt(t) || entry.subjectRef !== subjectRef) return undefined;
      counters.hits++;
      return entry;
    }
    if (typeof entry.requestedAt !== 'number' || t - entry.requestedAt >= freshInterval) return undefined;
    if (!foreignUsable(subjectRef, entry, t, entry.expiresAt)) return undefined;
    counters.hits++;
    return entry.cached instanceof CachedAccessDecision ? entry.cached : toDecision(subjectRef, entry, 'cache');
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
  function askLicenzy(subjectRef: string): Promise<boolean> {
    return callLicenzy(subjectRef, 'Access check', () => client.checkAccess(subjectRef), (result: AccessCheckResult) => {
      // Defence in depth: a checker that is not our client must not grant on anything but a boolean true
      // for this subject.
      if (result?.subjectRef !== subjectRef || typeof result.allowed !== 'boolean') {
        throw new LicenzyResponseError('Access checker answered for another subject or without a boolean `allowed`');
      }
      return result.allowed;
    });
  }

  /**
   * Any Licenzy operation through the same circuit, slot, watchdog and breaker accounting; `validate` runs inside.
   * An open circuit fails fast here, before a slot is taken, for every kind of call alike.
   */
  async function callLicenzy<R, T>(subjectRef: string, what: string, operation: () => Promise<R>, validate: (result: R) => T): Promise<T> {
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
      licenzyAnswered();
      return valid;
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
              // An L2 hit fills L1 with the *remaining* lifetime, never more: it cannot extend a decision. Nor does it
              // count as fresh: another instance asked Licenzy at some unknown moment, not this call.
              counters.sharedHits++;
              return remember(subjectRef, { allowed: entry.allowed, checkedAt: entry.checkedAt, lifetime, staleLifetime, requestedAt: -Infinity });
            }
          }
          // Past its fresh window but inside its stale window: kept locally (already expired) so that only an
          // outage can be covered by it, within our own `staleIfError` at most.
          const stale = read.stale;
          if (stale !== undefined && current() && staleIfError > 0 && store.get(subjectRef) === undefined) {
            const staleLifetime = Math.min(stale.staleTtl, staleIfError);
            if (typeof stale.allowed === 'boolean' && Number.isFinite(staleLifetime) && staleLifetime > 0 && Number.isFinite(stale.checkedAt)) {
              remember(subjectRef, { allowed: stale.allowed, checkedAt: stale.checkedAt, lifetime: 0, staleLifetime, requestedAt: -Infinity });
            }
          }
        } catch {
          counters.sharedErrors++;
          token = undefined;
        }
      }
      const allowed = await askLicenzy(subjectRef);
      const checkedAt = wallNow();
      const lifetime = allowed ? ttl : deniedTtl;
      if (current()) {
        failures.delete(subjectRef);
        if (cacheEnabled) remember(subjectRef, { allowed, checkedAt, lifetime, staleLifetime: lifetime + staleIfError, requestedAt: call.startedAt });
        if (binding !== undefined && token !== undefined && lifetime > 0) {
          const entry: SharedEntry = { allowed, checkedAt, ttl: lifetime, staleTtl: lifetime + staleIfError };
          // A fresh answer is broadcast, so "just paid" shows on every instance at once. A refused write means the
          // subject was invalidated on another instance since the token was read: drop what is cached for it, even if
          // the invalidation message has not reached us yet. Unconditionally: a newer entry dropped with it costs one
          // Licenzy call, never a wrong answer (and a copying store gives no identity to compare).
          binding.write(subjectRef, entry, token, { broadcast: fresh }).then(
            (written) => {
              if (written === false) store.delete(subjectRef);
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
      if (current() && errorTtl > 0 && !local) rememberFailure(subjectRef, { error, until: now() + errorTtl, startedAt: call.startedAt });
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
    if (customerCache.size > 0 || customerInflight.size > 0) {
      customerCache.delete(subjectRef);
      customerInflight.delete(subjectRef);
    }
    const had = store.delete(subjectRef);
    // After the entry is gone, so a woken waiter's fresh check asks Licenzy instead of reusing it.
    if (wakeups.size > 0) wakeups.get(subjectRef)?.forEach(runWakeup);
    return had;
  }

  function forgetAll(): void {
    inflight.clear();
    failures.clear();
    customerCache.clear();
    customerInflight.clear();
    store.clear();
    if (wakeups.size > 0) for (const set of [...wakeups.values()]) set.forEach(runWakeup);
  }

  // Waiters of waitForAccess(): woken by the forget path above (local invalidate, webhook, shared-tier broadcast).
  // The hit path never looks at this map.
  const wakeups = new Map<string, Set<() => void>>();
  function onWakeup(subjectRef: string, wake: () => void): () => void {
    let set = wakeups.get(subjectRef);
    if (set === undefined) wakeups.set(subjectRef, (set = new Set()));
    set.add(wake);
    return () => {
      set.delete(wake);
      if (set.size === 0 && wakeups.get(subjectRef) === set) wakeups.delete(subjectRef);
    };
  }
  const waiter = createAccessWaiter({
    // Through check(), so each of its checks is traced on `licenzy-gate:check` like any other.
    check: (subjectRef) => check(subjectRef, { fresh: true }),
    peek: lookup,
    onWakeup,
    random,
  });

  // Usage: never cached. Concurrent calls with one key (a double click, a client retrying before the first answer)
  // share one Licenzy call; a different event under that key is a conflict without asking Licenzy.
  const consuming = new Map<string, { fingerprint: string; promise: Promise<ConsumeUsageResult> }>();
  function consumeUsage(subjectRef: string, units: number, consumeOptions: ConsumeUsageOptions): Promise<ConsumeUsageResult> {
    let idempotencyKey: string;
    try {
      validateSubjectRef(subjectRef);
      if (!Number.isSafeInteger(units) || units <= 0) throw new LicenzyConfigError('units', `expected a positive safe integer, got ${String(units)}`);
      idempotencyKey = validIdempotencyKey(consumeOptions?.idempotencyKey);
      if (typeof client.consumeUsage !== 'function') throw new LicenzyConfigError('client', 'has no consumeUsage(); use a client from createLicenzyClient()');
    } catch (error) {
      return Promise.reject(error);
    }
    const signal = consumeOptions.signal;
    if (signal?.aborted) return Promise.reject(new LicenzyAbortError(signal.reason));
    const fingerprint = `${subjectRef}\n${units}`;
    const running = consuming.get(idempotencyKey);
    if (running !== undefined) {
      if (running.fingerprint !== fingerprint) return Promise.reject(new LicenzyIdempotencyConflictError());
      return signal ? raceAbort(running.promise, signal) : running.promise;
    }
    const publish = (event: Omit<UsageEvent, 'mode' | 'subjectRef' | 'units' | 'idempotencyKey'>) => {
      if (usageChannel.hasSubscribers) usageChannel.publish({ mode, subjectRef, units, idempotencyKey, ...event });
    };
    const consume = client.consumeUsage.bind(client);
    // Not the caller's signal: the call is shared by every caller of this key, and each stops waiting on its own.
    const promise = callLicenzy(subjectRef, 'Usage consume', () => consume(subjectRef, units, { idempotencyKey }), validConsumeResult).then(
      (result) => {
        publish(result.ok ? { type: 'charged', ...(result.usageRemaining === undefined ? {} : { remaining: result.usageRemaining }) } : { type: 'exhausted' });
        return result;
      },
      (error: unknown) => {
        // Any 409 but `insufficient_usage` is Licenzy rejecting the reuse of the key for another event.
        const typed = error instanceof LicenzyResponseError && error.upstreamStatus === 409 ? new LicenzyIdempotencyConflictError({ upstreamStatus: 409, cause: error }) : error;
        publish({ type: 'failed', error: typed });
        throw typed;
      },
    ).finally(() => {
      if (consuming.get(idempotencyKey)?.promise === promise) consuming.delete(idempotencyKey);
    });
    consuming.set(idempotencyKey, { fingerprint, promise });
    return signal ? raceAbort(promise, signal) : promise;
  }

  // Entitlement summaries: their own small LRU (never the decision cache), the decision TTLs, coalesced loads.
  interface CustomerEntry { value: CustomerAccess; checkedAt: number; expiresAt: number; requestedAt: number }
  const customerCache = new GrowingLru<CustomerEntry>(Math.min(max, 1_000));
  const customerInflight = new Map<string, { startedAt: number; promise: Promise<CustomerAccess> }>();
  function customerAccess(subjectRef: string, accessOptions: CustomerAccessOptions = {}): Promise<CustomerAccess> {
    try {
      validateSubjectRef(subjectRef);
      if (typeof client.getCustomerAccess !== 'function') throw new LicenzyConfigError('client', 'has no getCustomerAccess(); use a client from createLicenzyClient()');
    } catch (error) {
      return Promise.reject(error);
    }
    const fresh = accessOptions?.fresh === true;
    const signal = accessOptions?.signal;
    if (signal?.aborted) return Promise.reject(new LicenzyAbortError(signal.reason));
    const t = now();
    const cached = customerCache.get(subjectRef);
    if (cached !== undefined && t < cached.expiresAt && t >= cached.checkedAt && (!fresh || t - cached.requestedAt < freshInterval)) {
      return Promise.resolve(cached.value);
    }
    let load = customerInflight.get(subjectRef);
    if (load === undefined || (fresh && t - load.startedAt >= freshInterval)) {
      const getCustomerAccess = client.getCustomerAccess.bind(client);
      const entry = { startedAt: t, promise: undefined as unknown as Promise<CustomerAccess> };
      entry.promise = (async () => {
        const value = await callLicenzy(subjectRef, 'Customer access', () => getCustomerAccess(subjectRef), (result: CustomerAccess) => validCustomerAccess(subjectRef, result));
        const lifetime = value.hasAccess ? ttl : deniedTtl;
        // Only the load still registered may write: one started before an invalidate() must not be stored.
        if (customerInflight.get(subjectRef) === entry && cacheEnabled && lifetime > 0) {
          const at = now();
          customerCache.set(subjectRef, { value, checkedAt: at, expiresAt: at + lifetime, requestedAt: entry.startedAt });
        }
        return value;
      })().finally(() => {
        if (customerInflight.get(subjectRef) === entry) customerInflight.delete(subjectRef);
      });
      customerInflight.set(subjectRef, entry);
      load = entry;
    }
    return signal ? raceAbort(load.promise, signal) : load.promise;
  }

  /** The local half of invalidate(): forget, and say so on `licenzy-gate:invalidate`. */
  function forgetHere(subjectRef: string, invalidateOptions: InvalidateOptions | undefined): boolean {
    const had = forget(subjectRef);
    publishInvalidate({ mode, reason: invalidateOptions?.reason === 'webhook' ? 'webhook' : 'local', subjectRef });
    return had;
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
    // With a tier, each forgets twice: at once, and again once the tier has recorded it. A check in between may have
    // refilled L1 from the tier's old entry (the tier drops its own broadcast, so nothing else would forget it).
    invalidate(subjectRef, invalidateOptions) {
      const had = forgetHere(subjectRef, invalidateOptions);
      if (binding !== undefined && typeof subjectRef === 'string') callShared(() => binding.invalidate(subjectRef).then(() => void forget(subjectRef)), counters);
      return had;
    },
    async invalidateEverywhere(subjectRef, invalidateOptions) {
      const had = forgetHere(subjectRef, invalidateOptions);
      if (binding === undefined || typeof subjectRef !== 'string') return had;
      try {
        await binding.invalidate(subjectRef);
      } catch (error) {
        counters.sharedErrors++;
        throw new LicenzyUnavailableError('shared', 'The shared tier could not carry the invalidation to the other instances', { cause: error });
      }
      forget(subjectRef);
      return had;
    },
    clear(invalidateOptions) {
      forgetAll();
      if (binding !== undefined) callShared(() => binding.clear().then(forgetAll), counters);
      publishInvalidate({ mode, reason: invalidateOptions?.reason === 'webhook' ? 'webhook' : 'local' });
    },
    stats,
    consumeUsage,
    waitForAccess: waiter.wait,
    customerAccess,
  };
}

/** The rule Licenzy's client applies, checked before any slot is taken. */
function validIdempotencyKey(key: unknown): string {
  if (typeof key !== 'string' || key.length === 0 || key.length > 255 || /[^\x21-\x7e]/.test(key)) {
    throw new LicenzyConfigError('idempotencyKey', 'required: 1 to 255 printable ASCII characters, one per business event');
  }
  return key;
}

/** A consume answer the gate can act on; a custom client's odd answer is malformed, never a free charge. */
function validConsumeResult(result: ConsumeUsageResult): ConsumeUsageResult {
  if (result?.ok === false && result.reason === 'insufficient_usage') return Object.freeze({ ok: false, reason: 'insufficient_usage' });
  if (result?.ok === true && typeof result.consumed === 'number' && Number.isFinite(result.consumed) && result.consumed >= 0) {
    const remaining = typeof result.usageRemaining === 'number' && Number.isFinite(result.usageRemaining) ? result.usageRemaining : undefined;
    return Object.freeze({ ok: true, consumed: result.consumed, usageRemaining: remaining });
  }
  throw new LicenzyResponseError('Usage consume answer is malformed');
}

/** A summary for this subject with a boolean `hasAccess`, deeply frozen: one object is shared by every caller. */
function validCustomerAccess(subjectRef: string, result: CustomerAccess): CustomerAccess {
  if (result?.subjectRef !== subjectRef || typeof result.hasAccess !== 'boolean' || !Array.isArray(result.entitlements)) {
    throw new LicenzyResponseError('Customer access answered for another subject or without a boolean `hasAccess`');
  }
  return deepFreeze(structuredClone(result));
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

function runWakeup(wake: () => void): void {
  try {
    wake();
  } catch {
    // A waiter's failure is its own; the invalidation stands.
  }
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

/**
 * Whether a foreign store's entry may answer for `subjectRef` at `t` until `until` (its `expiresAt`, or `staleUntil`
 * during an outage). Fails closed: a missing or non-numeric stamp, a non-boolean `allowed` or a mixed-up entry is a miss.
 */
function foreignUsable(subjectRef: string, entry: ForeignEntry, t: number, until: number): boolean {
  return typeof entry.allowed === 'boolean' && t >= entry.checkedAt && t < until && !mixedUp(subjectRef, entry);
}

/**
 * A foreign store's entry that carries the decision we wrote with it (`cached`, also as a serializing store's copy)
 * for another subject, or one that disagrees with the entry: the store mixed entries up, so it is a miss.
 */
function mixedUp(subjectRef: string, entry: ForeignEntry): boolean {
  const cached = entry.cached as { subjectRef?: unknown; allowed?: unknown } | null | undefined;
  if (typeof cached !== 'object' || cached === null) return false;
  return cached.subjectRef !== subjectRef || cached.allowed !== entry.allowed;
}

/** A shared entry the gate can use, or undefined: anything odd is a miss, never a grant. */
function validSharedEntry(entry: SharedEntry | undefined): SharedEntry | undefined {
  if (typeof entry !== 'object' || entry === null) return undefined;
  const { allowed, checkedAt, ttl, staleTtl } = entry;
  if (typeof allowed !== 'boolean' || !Number.isFinite(checkedAt) || !Number.isFinite(ttl) || !Number.isFinite(staleTtl)) return undefined;
  if (staleTtl < ttl || staleTtl <= 0) return undefined;
  return entry;
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

