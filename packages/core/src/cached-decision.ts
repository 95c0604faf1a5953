// One object per cached decision: the frozen AccessDecision served on every hit *is* the cache entry.
import type { LicenzyMode } from './config.js';
import type { CachedDecision } from './decision-store.js';
import type { AccessDecision } from './vocabulary.js';

/**
 * A cached answer as the gate keeps it in its own store: the decision served on every hit (`source: 'cache'`) and
 * the cache's bookkeeping in one frozen object, rather than an entry object plus a decision object. The bookkeeping
 * lives in private fields, absent from `Object.keys`, `JSON.stringify`, spreads and deep equality, so callers see
 * exactly the five public fields of {@link AccessDecision}. Durations are kept rather than instants where they can be
 * (small integers, no heap number each); only the stamp is a clock reading.
 *
 * Not a {@link CachedDecision}: its public `checkedAt` is wall time (for display), whereas a `CachedDecision`'s is the
 * duration-clock stamp. A foreign `store` is therefore never given one of these, but {@link toCachedDecision}'s plain
 * entry, which carries this object as `cached`.
 */
export class CachedAccessDecision implements AccessDecision {
  readonly subjectRef: string;
  readonly allowed: boolean;
  readonly source = 'cache' as const;
  readonly checkedAt: number;
  readonly mode: LicenzyMode;
  /** When the answer was stored (duration clock). */
  readonly #stampedAt: number;
  /** How long after the stamp it is served (ms). */
  readonly #lifetime: number;
  /** How much longer it may stand in during an outage (ms). */
  readonly #staleFor: number;
  /** How long before the stamp its call started, whole ms rounded up (older, never fresher); -1: never fresh. */
  readonly #requestedAgo: number;

  /**
   * `checkedAt`: wall time of Licenzy's answer; `stampedAt`: now on the duration clock; `lifetime`/`staleLifetime`:
   * from the stamp; `requestedAt`: when the call behind it started (duration clock), `-Infinity` for never fresh.
   */
  constructor(subjectRef: string, allowed: boolean, checkedAt: number, mode: LicenzyMode, stampedAt: number, lifetime: number, staleLifetime: number, requestedAt: number) {
    this.subjectRef = subjectRef;
    this.allowed = allowed;
    this.checkedAt = checkedAt;
    this.mode = mode;
    this.#stampedAt = stampedAt;
    this.#lifetime = lifetime;
    this.#staleFor = staleLifetime - lifetime;
    const requestedAgo = requestedAt === -Infinity ? -1 : Math.ceil(stampedAt - requestedAt);
    this.#requestedAgo = requestedAgo >= 0 ? requestedAgo : -1;
    Object.freeze(this);
  }

  /** The hit test: stamped no later than `t` (an entry stamped after "now" is not trusted) and not expired. */
  servesAt(t: number): boolean {
    return t < this.#stampedAt + this.#lifetime && t >= this.#stampedAt;
  }

  /** May stand in for Licenzy at `t` during an outage (same rule for a stamp after "now"). */
  standsInAt(t: number): boolean {
    return t < this.#stampedAt + this.#lifetime + this.#staleFor && t >= this.#stampedAt;
  }

  /** When the call behind the answer started (duration clock), for a `fresh` check's bound; `-Infinity` for a shared-tier fill. */
  requestStartedAt(): number {
    return this.#requestedAgo < 0 ? -Infinity : this.#stampedAt - this.#requestedAgo;
  }

  /**
   * The entry a foreign {@link DecisionStore} gets: a plain {@link CachedDecision} (duration-clock `checkedAt`,
   * `expiresAt`, `staleUntil`) with `requestedAt` and this object as `cached`, as the gate has always written them.
   */
  toCachedDecision(): ForeignEntry {
    const stampedAt = this.#stampedAt;
    const expiresAt = stampedAt + this.#lifetime;
    return { allowed: this.allowed, checkedAt: stampedAt, expiresAt, staleUntil: expiresAt + this.#staleFor, requestedAt: this.requestStartedAt(), cached: this };
  }
}

/** What the gate writes to a foreign store, and may find there (the extras absent if another writer wrote it). */
export interface ForeignEntry extends CachedDecision {
  /** When the call behind the answer started (duration clock): how fresh it is for a `fresh` check. */
  readonly requestedAt?: number;
  /** The decision served on hits, built once. */
  readonly cached?: unknown;
}
