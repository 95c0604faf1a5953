// The gate's decision cache: one interface, our own LRU of decision objects or a foreign DecisionStore behind it.
import { CachedAccessDecision, cachedDecision, foreignEntry, type ForeignEntry } from './cached-decision.js';
import type { LicenzyMode } from './config.js';
import { DecisionStamps, servedAt } from './decision-stamps.js';
import { GrowingLru, type DecisionStore } from './decision-store.js';
import type { FreshBound } from './fresh-bound.js';
import type { AccessDecision, DecisionSource } from './vocabulary.js';

/**
 * An answer to cache: `checkedAt` is the wall time Licenzy answered, `lifetime`/`staleLifetime` run from now on the
 * duration clock (the second one during outages), `requestedAt` is when the call behind it started (duration clock;
 * `-Infinity` for an answer that never counts as fresh).
 */
export interface Answer {
  readonly allowed: boolean;
  readonly checkedAt: number;
  readonly lifetime: number;
  readonly staleLifetime: number;
  readonly requestedAt: number;
}

/**
 * The decision cache as the gate uses it. Every read judges the entry by its own stamps on the gate's clock, and
 * only an entry for the subject asked about is ever served. {@link DecisionCache.lookup} counts its own hits (kept
 * beside what it reads, so a hit writes no other object); a caller counts any other answer it serves.
 */
export interface DecisionCache {
  /** The hit path: the decision if one is fresh now (counted in {@link hits}), else `undefined`. Synchronous, allocation-free for our own LRU. */
  lookup(subjectRef: string): AccessDecision | undefined;
  /** How many {@link lookup}s found a fresh decision (the gate's other hits it counts itself). */
  readonly hits: number;
  /** A fresh decision whose call started within the fresh bound at `t` (good enough for a `fresh` check). */
  recentAnswer(subjectRef: string, t: number): AccessDecision | undefined;
  /** During an outage: a decision past its expiry but inside its stale window at `t`, as `source: 'stale'`. */
  standIn(subjectRef: string, t: number): AccessDecision | undefined;
  /** Whether anything, fresh or not, is kept for the subject. */
  holds(subjectRef: string): boolean;
  /** Caches an answer from now on and returns the decision served for it on hits. */
  remember(subjectRef: string, answer: Answer): AccessDecision;
  delete(subjectRef: string): boolean;
  clear(): void;
  readonly size: number;
}

/** What a cache is built from (the gate's parsed options). */
export interface DecisionCacheOptions {
  readonly mode: LicenzyMode;
  /** The duration clock (stamps, expiry). */
  readonly now: () => number;
  /**
   * How far behind the true time a reading of `now` may be (the coarse clock's period; 0, the default, for an exact
   * clock). Freshness and expiry are judged at `now() + lag`: a decision is refreshed up to twice `lag` early rather than
   * served past its TTL on an old reading. Stamps are the reading itself, never later than the true time.
   */
  readonly lag?: number;
  /** The wall clock (a foreign entry's `checkedAt` converted for display). */
  readonly wallNow: () => number;
  readonly freshEnough: FreshBound;
  /** `false`: nothing is cached (`cache: false`); delete/clear/size still reach the store. */
  readonly enabled: boolean;
  /** Most subjects in our own LRU. */
  readonly max: number;
  /** A foreign store (namespaced); `undefined` for our own LRU. */
  readonly store: DecisionStore | undefined;
}

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
 * Our own entries: the LRU is keyed by us and holds only our decisions, so no shape check is needed on a hit. Each
 * decision's stamps sit in typed-array columns indexed by its LRU slot ({@link DecisionStamps}, grown with the LRU's
 * slots): no per-decision object or boxed number for them.
 */
class OwnDecisionCache implements DecisionCache {
  // What a hit reads is declared first (fields are laid out in this order), so it shares the object's first cache line:
  // the LRU, the stamps' time column (held here as well as in #stamps: one object fewer per hit), the clock, the count.
  readonly #lru: GrowingLru<CachedAccessDecision>;
  #times: Float64Array;
  readonly #now: () => number;
  readonly #lag: number;
  #hits = 0;
  readonly #stamps: DecisionStamps;
  readonly #mode: LicenzyMode;
  readonly #freshEnough: FreshBound;

  constructor(options: DecisionCacheOptions) {
    // A decision carries its subject, so the LRU keeps no key array of its own.
    this.#lru = new GrowingLru<CachedAccessDecision>(options.max, subjectOf);
    this.#stamps = new DecisionStamps(this.#lru.capacity);
    this.#times = this.#stamps.times;
    this.#now = options.now;
    this.#lag = options.lag ?? 0;
    this.#mode = options.mode;
    this.#freshEnough = options.freshEnough;
  }

  lookup(subjectRef: string): AccessDecision | undefined {
    // Only validated subjects are ever stored, so a hit needs no further validation.
    if (typeof subjectRef !== 'string') return undefined;
    const slot = this.#lru.slotOf(subjectRef);
    // An entry stamped after "now" (a clock stepped back) is not trusted: servedAt() says so.
    if (slot < 0 || !servedAt(this.#times, slot, this.#now() + this.#lag)) return undefined;
    this.#hits++;
    return this.#lru.valueAt(slot);
  }

  get hits(): number {
    return this.#hits;
  }

  recentAnswer(subjectRef: string, at: number): AccessDecision | undefined {
    const t = at + this.#lag;
    const slot = this.#lru.slotOf(subjectRef);
    if (slot < 0 || !this.#freshEnough(this.#stamps.requestStartedAt(slot), t) || !this.#stamps.servesAt(slot, t)) return undefined;
    const entry = this.#lru.valueAt(slot);
    return entry.subjectRef === subjectRef ? entry : undefined;
  }

  standIn(subjectRef: string, at: number): AccessDecision | undefined {
    const slot = this.#lru.slotOf(subjectRef);
    if (slot < 0 || !this.#stamps.standsInAt(slot, at + this.#lag)) return undefined;
    const entry = this.#lru.valueAt(slot);
    if (entry.subjectRef !== subjectRef) return undefined;
    return Object.freeze({ subjectRef, allowed: entry.allowed, source: 'stale', checkedAt: entry.checkedAt, mode: this.#mode });
  }

  holds(subjectRef: string): boolean {
    return this.#lru.slotOf(subjectRef) >= 0;
  }

  remember(subjectRef: string, answer: Answer): AccessDecision {
    const { allowed, checkedAt, lifetime, staleLifetime, requestedAt } = answer;
    const decision = cachedDecision(subjectRef, allowed, checkedAt, this.#mode);
    const stampedAt = this.#now();
    const slot = this.#lru.set(subjectRef, decision);
    if (slot >= this.#stamps.capacity) {
      this.#stamps.grow(this.#lru.capacity);
      this.#times = this.#stamps.times;
    }
    this.#stamps.write(slot, stampedAt, lifetime, staleLifetime, requestedAt);
    return decision;
  }

  delete(subjectRef: string): boolean {
    return this.#lru.delete(subjectRef);
  }

  clear(): void {
    this.#lru.clear();
  }

  get size(): number {
    return this.#lru.size;
  }
}

const subjectOf = (decision: CachedAccessDecision): string => decision.subjectRef;

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
