// The access decision engine: validated subject → cached or coalesced Licenzy answer → a decision, with a failure policy.
import { LRUCache } from 'lru-cache';
import { createCircuitBreaker, type CircuitBreakerOptions } from './circuit-breaker.js';
import { coarseNow } from './clock.js';
import { createLicenzyClient, type AccessCheckResult, type CallOptions, type LicenzyClientOptions } from './client.js';
import type { LicenzyMode } from './config.js';
import { createLruDecisionStore, namespacedStore, type CachedDecision, type DecisionStore } from './decision-store.js';
import { LicenzyAbortError, LicenzyConfigError, LicenzyResponseError, LicenzyUnavailableError, isOutage } from './errors.js';
import { functionOption, integerOption, numberOption, objectOption, type Milliseconds } from './options.js';
import { validateSubjectRef } from './subject.js';

/** Where a decision came from: a Licenzy answer just now, the fresh cache, or a stale entry during an outage. */
export type DecisionSource = 'licenzy' | 'cache' | 'stale';

/** The gate's answer for one subject. Frozen; the same object may be handed to many requests. */
export interface AccessDecision {
  readonly subjectRef: string;
  readonly allowed: boolean;
  readonly source: DecisionSource;
  /** When Licenzy gave this answer, in ms of the gate's clock (`Date.now()` by default). */
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
  /** How long past its expiry an answer may stand in while Licenzy is unavailable. Default `0` (never). */
  staleIfError?: Milliseconds;
  /** How long checks of a subject share a failed Licenzy call instead of each calling again. Default `1000` ms. */
  errorTtl?: Milliseconds;
}

/** The transport seam: anything that answers access checks for one mode (a client, or a tier in front of one). */
export interface AccessChecker {
  readonly mode: LicenzyMode;
  checkAccess(subjectRef: string, options?: CallOptions): Promise<AccessCheckResult>;
}

/** Options of {@link createAccessGate}: the client's options, or a ready `client`, plus the cache policy. */
export interface AccessGateOptions extends LicenzyClientOptions {
  /** A client (or any {@link AccessChecker}) to use instead of creating one from the client options. */
  client?: AccessChecker;
  /** Decision cache, or `false` to ask Licenzy on every check (concurrent checks are still coalesced). */
  cache?: AccessCacheOptions | false;
  /** Replaces the in-process LRU (the seam for shared or tiered caches). Keys get the mode as prefix. */
  store?: DecisionStore;
  /** Fail fast while Licenzy keeps failing, or `false` to always call. Default `{ threshold: 5, cooldown: 2000 }`. */
  circuitBreaker?: CircuitBreakerOptions | false;
  /** Clock in ms; inject one to test TTLs without waiting. Default: `Date.now()`, read at most once per ms. */
  now?: () => number;
}

/** Per-check options. */
export interface CheckOptions {
  /** Skip the cache and ask Licenzy now, storing the answer (e.g. right after checkout). Default `false`. */
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
}

/** The gate the adapters use. */
export interface AccessGate {
  readonly mode: LicenzyMode;
  /** The gate's clock in ms (the injected `now`, else `Date.now`); decisions' `checkedAt` come from it. */
  now(): number;
  /** Decides for one subject. Rejects with a typed {@link LicenzyError}; never resolves `allowed: true` on an error. */
  check(subjectRef: string, options?: CheckOptions): Promise<AccessDecision>;
  /** The synchronous fast path: the cached decision if one is fresh, else `undefined`. Counts a hit. */
  peek(subjectRef: string): AccessDecision | undefined;
  /** Forgets a subject's decision (e.g. on a Licenzy `entitlement.updated` webhook). True if one was cached. */
  invalidate(subjectRef: string): boolean;
  /** Forgets every decision. */
  clear(): void;
  stats(): GateStats;
}

interface StoredDecision extends CachedDecision {
  /** The decision object served on cache hits, built once. */
  readonly cached: AccessDecision;
}

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
  const now = functionOption('now', options.now, coarseNow);

  const cacheOptions = options.cache === false ? undefined : objectOption('cache', options.cache) ?? {};
  const cacheEnabled = options.cache !== false;
  const max = integerOption('cache.max', cacheOptions?.max, 10_000, 1);
  const ttl = numberOption('cache.ttl', cacheOptions?.ttl, 30_000);
  const deniedTtl = numberOption('cache.deniedTtl', cacheOptions?.deniedTtl, 5_000);
  const staleIfError = numberOption('cache.staleIfError', cacheOptions?.staleIfError, 0);
  const errorTtl = numberOption('cache.errorTtl', cacheOptions?.errorTtl, 1_000);

  const store = options.store
    ? namespacedStore(validateStore(options.store), mode)
    : createLruDecisionStore(max);
  const breakerOptions = options.circuitBreaker === false ? undefined : objectOption('circuitBreaker', options.circuitBreaker) ?? {};
  const breaker = breakerOptions
    ? createCircuitBreaker(
        integerOption('circuitBreaker.threshold', breakerOptions.threshold, 5, 1),
        numberOption('circuitBreaker.cooldown', breakerOptions.cooldown, 2_000),
        now,
      )
    : undefined;

  // Calls in flight per subject: concurrent checks share one. A newer call (fresh, or after invalidate)
  // replaces the entry, and only the call still registered may write the cache, so an old answer never
  // overwrites a newer one.
  const inflight = new Map<string, Promise<AccessDecision>>();
  // Recent failures per subject, so a burst of checks during an outage makes one call, not one each.
  // Expiry is kept here rather than as lru-cache's ttl, like decisions: lru-cache counts an entry live at exactly
  // `ttl` and wants integer ms, while every window of the gate ends at `start + ttl` on the gate's clock.
  const failures = new LRUCache<string, { error: unknown; until: number }>({ max });
  const counters = { hits: 0, misses: 0, stale: 0, upstreamCalls: 0, errors: 0, coalesced: 0 };

  function peek(subjectRef: string): AccessDecision | undefined {
    if (!cacheEnabled || typeof subjectRef !== 'string') return undefined;
    // Only validated subjects are ever stored, so a hit needs no further validation.
    const entry = store.get(subjectRef) as StoredDecision | undefined;
    if (entry === undefined || now() >= entry.expiresAt) return undefined;
    counters.hits++;
    return entry.cached ?? toDecision(subjectRef, entry, 'cache');
  }

  function toDecision(subjectRef: string, entry: CachedDecision, source: DecisionSource): AccessDecision {
    return Object.freeze({ subjectRef, allowed: entry.allowed, source, checkedAt: entry.checkedAt, mode });
  }

  /** During an outage, a recent enough answer may stand in; anything else is rethrown as is. */
  function staleOrThrow(subjectRef: string, error: unknown): AccessDecision {
    if (cacheEnabled && staleIfError > 0 && isOutage(error)) {
      const entry = store.get(subjectRef);
      if (entry !== undefined && now() < entry.staleUntil) {
        counters.stale++;
        return toDecision(subjectRef, entry, 'stale');
      }
    }
    throw error;
  }

  function callLicenzy(subjectRef: string): Promise<AccessDecision> {
    counters.upstreamCalls++;
    const call: Promise<AccessDecision> = client
      .checkAccess(subjectRef)
      .then((result) => {
        // Defence in depth: a checker that is not our client must not grant on anything but a boolean true
        // for this subject. Checked in its own step so a bad answer takes the error path below.
        if (result?.subjectRef !== subjectRef || typeof result.allowed !== 'boolean') {
          throw new LicenzyResponseError('Access checker answered for another subject or without a boolean `allowed`');
        }
        return result.allowed;
      })
      .then(
        (allowed) => {
          breaker?.success();
          const checkedAt = now();
          const expiresAt = checkedAt + (allowed ? ttl : deniedTtl);
          const entry: CachedDecision = { allowed, checkedAt, expiresAt, staleUntil: expiresAt + staleIfError };
          if (inflight.get(subjectRef) === call) {
            inflight.delete(subjectRef);
            failures.delete(subjectRef);
            if (cacheEnabled) {
              const stored: StoredDecision = { ...entry, cached: toDecision(subjectRef, entry, 'cache') };
              store.set(subjectRef, stored);
            }
          }
          return toDecision(subjectRef, entry, 'licenzy');
        },
        (error: unknown) => {
          counters.errors++;
          if (isOutage(error)) breaker?.failure();
          else breaker?.success();
          if (inflight.get(subjectRef) === call) {
            inflight.delete(subjectRef);
            if (errorTtl > 0) failures.set(subjectRef, { error, until: now() + errorTtl });
          }
          throw error;
        },
      );
    inflight.set(subjectRef, call);
    return call;
  }

  async function check(subjectRef: string, checkOptions: CheckOptions = {}): Promise<AccessDecision> {
    const fresh = checkOptions.fresh === true;
    if (!fresh) {
      const hit = peek(subjectRef);
      if (hit !== undefined) return hit;
    }
    validateSubjectRef(subjectRef);
    const signal = checkOptions.signal;
    if (signal?.aborted) throw new LicenzyAbortError();
    counters.misses++;

    let call = fresh ? undefined : inflight.get(subjectRef);
    if (call !== undefined) {
      counters.coalesced++;
    } else {
      if (!fresh) {
        const failure = failures.get(subjectRef);
        if (failure !== undefined && now() < failure.until) return staleOrThrow(subjectRef, failure.error);
      }
      const blockedFor = breaker?.blockedFor();
      if (blockedFor !== undefined) {
        return staleOrThrow(subjectRef, new LicenzyUnavailableError('circuit_open', 'Licenzy is failing; not calling it for a moment', { retryAfterMs: blockedFor }));
      }
      call = callLicenzy(subjectRef);
    }

    try {
      return await (signal ? raceAbort(call, signal) : call);
    } catch (error) {
      return staleOrThrow(subjectRef, error);
    }
  }

  return {
    mode,
    now: () => now(),
    check,
    peek,
    invalidate(subjectRef) {
      inflight.delete(subjectRef);
      failures.delete(subjectRef);
      return store.delete(subjectRef);
    },
    clear() {
      inflight.clear();
      failures.clear();
      store.clear();
    },
    stats() {
      return { ...counters, size: store.size, circuit: breaker?.state ?? 'closed' };
    },
  };
}

function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new LicenzyAbortError(signal.reason));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function validateStore(store: DecisionStore): DecisionStore {
  for (const method of ['get', 'set', 'delete', 'clear'] as const) {
    if (typeof store[method] !== 'function') throw new LicenzyConfigError('store', `expected a DecisionStore with a ${method}() method`);
  }
  return store;
}
