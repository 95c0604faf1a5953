// The gate's decision cache: one interface, our own LRU of decision objects or a foreign DecisionStore behind it.
import { CachedAccessDecision, cachedDecision, foreignEntry, type ForeignEntry } from './cached-decision.js';
import type { LicenzyMode } from './config.js';
import type { Answer, DecisionCache, DecisionCacheOptions } from './decision-cache-types.js';
import type { DecisionStore } from './decision-store.js';
import type { FreshBound } from './fresh-bound.js';
import { OwnDecisionCache } from './own-decision-cache.js';
import type { AccessDecision, DecisionSource } from './vocabulary.js';

export type { Answer, DecisionCache, DecisionCacheOptions } from './decision-cache-types.js';

/**
 * The gate's decision cache: our own LRU of {@link CachedAccessDecision}s (the decision served on hits is the entry),
 * or a foreign store holding plain `CachedDecision` entries.
 *
 * @example
 * const cache = createDecisionCache({ mode: 'test', now, wallNow: now, freshEnough, enabled: true, max: 10_000, store: undefined })
 * cache.remember('user_1', { allowed: true, checkedAt: now(), lifetime: 30_000, staleLifetime: 30_000, requestedAt: now() })
 * cache.lookup('user_1')?.allowed // true
 */
export function createDecisionCache(options: DecisionCacheOptions): DecisionCache {
  const cache = options.store === undefined ? new OwnDecisionCache(options) : new ForeignDecisionCache(options, options.store);
  return options.enabled ? cache : new DisabledDecisionCache(options, cache);
}

/**
 * A foreign store holds what its `CachedDecision` type says (duration-clock stamps), never our class instances; it
 * may hand back anything, so every entry is checked for shape and subject, failing closed.
 */
class ForeignDecisionCache implements DecisionCache {
  readonly #store: DecisionStore;
  readonly #now: () => number;
  readonly #lag: number;
  readonly #wallNow: () => number;
  readonly #mode: LicenzyMode;
  readonly #freshEnough: FreshBound;
  #hits = 0;

  constructor(options: DecisionCacheOptions, store: DecisionStore) {
    this.#store = store;
    this.#now = options.now;
    this.#lag = options.lag ?? 0;
    this.#wallNow = options.wallNow;
    this.#mode = options.mode;
    this.#freshEnough = options.freshEnough;
  }

  lookup(subjectRef: string): AccessDecision | undefined {
    if (typeof subjectRef !== 'string') return undefined;
    const entry: ForeignEntry | undefined = this.#store.get(subjectRef);
    if (entry === undefined) return undefined;
    const t = this.#now() + this.#lag;
    if (!foreignUsable(subjectRef, entry, t, entry.expiresAt)) return undefined;
    this.#hits++;
    return entry.cached instanceof CachedAccessDecision ? entry.cached : this.#toDecision(subjectRef, entry, 'cache');
  }

  get hits(): number {
    return this.#hits;
  }

  recentAnswer(subjectRef: string, at: number): AccessDecision | undefined {
    const t = at + this.#lag;
    const entry: ForeignEntry | undefined = this.#store.get(subjectRef);
    if (entry === undefined) return undefined;
    if (typeof entry.requestedAt !== 'number' || !this.#freshEnough(entry.requestedAt, t)) return undefined;
    if (!foreignUsable(subjectRef, entry, t, entry.expiresAt)) return undefined;
    this.#hits++;
    return entry.cached instanceof CachedAccessDecision ? entry.cached : this.#toDecision(subjectRef, entry, 'cache');
  }

  standIn(subjectRef: string, at: number): AccessDecision | undefined {
    const t = at + this.#lag;
    const entry: ForeignEntry | undefined = this.#store.get(subjectRef);
    if (entry === undefined || !foreignUsable(subjectRef, entry, t, entry.staleUntil)) return undefined;
    return this.#toDecision(subjectRef, entry, 'stale');
  }

  holds(subjectRef: string): boolean {
    return this.#store.get(subjectRef) !== undefined;
  }

  remember(subjectRef: string, answer: Answer): AccessDecision {
    const { allowed, checkedAt, lifetime, staleLifetime, requestedAt } = answer;
    const decision = cachedDecision(subjectRef, allowed, checkedAt, this.#mode);
    this.#store.set(subjectRef, foreignEntry(decision, this.#now(), lifetime, staleLifetime, requestedAt));
    return decision;
  }

  delete(subjectRef: string): boolean {
    return this.#store.delete(subjectRef);
  }

  clear(): void {
    this.#store.clear();
  }

  get size(): number {
    return this.#store.size;
  }

  #toDecision(subjectRef: string, entry: ForeignEntry, source: DecisionSource): AccessDecision {
    const ours = entry.cached instanceof CachedAccessDecision ? entry.cached : undefined;
    // A foreign entry has only duration-clock stamps (its `checkedAt` is one): convert its age to wall time.
    const checkedAt = ours !== undefined ? ours.checkedAt : this.#wallNow() - (this.#now() - entry.checkedAt);
    return Object.freeze({ subjectRef, allowed: entry.allowed, source, checkedAt, mode: this.#mode });
  }
}

/** `cache: false`: nothing is served or kept, but invalidation and `size` still reach the configured store. */
class DisabledDecisionCache implements DecisionCache {
  readonly #inner: DecisionCache;
  readonly #mode: LicenzyMode;

  constructor(options: DecisionCacheOptions, inner: DecisionCache) {
    this.#inner = inner;
    this.#mode = options.mode;
  }

  lookup(): undefined {
    return undefined;
  }

  get hits(): number {
    return 0;
  }

  recentAnswer(): undefined {
    return undefined;
  }

  standIn(): undefined {
    return undefined;
  }

  holds(): boolean {
    return false;
  }

  remember(subjectRef: string, answer: Answer): AccessDecision {
    return cachedDecision(subjectRef, answer.allowed, answer.checkedAt, this.#mode);
  }

  delete(subjectRef: string): boolean {
    return this.#inner.delete(subjectRef);
  }

  clear(): void {
    this.#inner.clear();
  }

  get size(): number {
    return this.#inner.size;
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
