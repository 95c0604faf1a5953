// The gate's public option and interface types: what createAccessGate() takes and returns; no behaviour here.
import type { CircuitBreakerOptions } from './circuit-breaker.js';
import type { LicenzyClientOptions } from './client-options.js';
import type { LicenzyMode } from './config.js';
import type { DecisionStore } from './decision-store.js';
import type { GateLogger } from './logger.js';
import type { Milliseconds } from './options.js';
import type { SharedTier } from './shared-tier.js';
import type {
  AccessCheckResult,
  AccessDecision,
  CallOptions,
  CircuitState,
  ConsumeUsageResult,
  CustomerAccess,
} from './vocabulary.js';
import type { WaitForAccessOptions } from './wait-for-access.js';

export type { WaitForAccessOptions } from './wait-for-access.js';

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

/**
 * The transport seam the gate needs, and no more: anything that answers access checks for one mode (a client, or a
 * tier in front of one). Not {@link LicenzyClient}, the full HTTP client of `createLicenzyClient()`, which is one.
 */
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
   * Clock in ms; inject one to test TTLs without waiting. It then measures durations and stamps `checkedAt`. A clock
   * that goes back is safe but costly: nothing cached is served until it passes its latest stamp again, and the next
   * answer cached makes the gate forget every other one. Default: durations on a monotonic clock (`performance.now()`
   * in whole ms, read at most once per 10 ms), `checkedAt` from `Date.now()`.
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
  circuit: CircuitState;
  /** Licenzy calls running now, and waiting for a slot (`maxConcurrent`). */
  active: number;
  queued: number;
  /** Checks refused at once because the queue was full. */
  shed: number;
  /**
   * Background checks of report-only routes not started because every Licenzy slot (`maxConcurrent`) was busy:
   * they would have queued ahead of enforcing routes. Absent on gates without slots (fakes).
   */
  skipped?: number;
  /** Local misses answered by the shared tier, and shared-tier operations that failed (each treated as a miss). */
  sharedHits: number;
  sharedErrors: number;
}

/**
 * The minimal gate the adapters need (check, peek, invalidate, clear, stats); fakes implement just this. Not
 * {@link LicenzyGate}, the full gate `createAccessGate()` returns, which is one.
 */
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
  /**
   * For a check nobody waits on (a report-only route's background check): `true` when a Licenzy slot is free now, so
   * a miss would not queue; `false` when every slot is busy, counted in `stats().skipped` (the caller then skips the
   * check). Optional: a gate without slots (a fake) leaves it out, and its checks are never skipped.
   */
  backgroundSlot?(): boolean;
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
