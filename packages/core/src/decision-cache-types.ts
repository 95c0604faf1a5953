// The decision cache's interface and options (decision-cache.ts builds one; own-decision-cache.ts is our own LRU).
import type { LicenzyMode } from './config.js';
import type { DecisionStore } from './decision-store.js';
import type { FreshBound } from './fresh-bound.js';
import type { AccessDecision } from './vocabulary.js';

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
 * only an entry for the subject asked about is ever served. The cache counts every fresh decision it serves
 * ({@link DecisionCache.hits}), beside what a hit reads, so a hit writes no other object.
 */
export interface DecisionCache {
  /** The hit path: the decision if one is fresh now (counted in {@link hits}), else `undefined`. Synchronous, allocation-free for our own LRU. */
  lookup(subjectRef: string): AccessDecision | undefined;
  /** How many fresh decisions {@link lookup} and {@link recentAnswer} served: the gate's `stats().hits`. */
  readonly hits: number;
  /** A fresh decision whose call started within the fresh bound at `t` (good enough for a `fresh` check; counted in {@link hits}). */
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
