// Our own decision cache: an exact LRU of frozen decisions, laid out so a hit reads as few objects as it can (issue 25).
import { SERVED_UNTIL, SLOT, cachedDecision, type CachedAccessDecision } from './cached-decision.js';
import type { LicenzyMode } from './config.js';
import type { Answer, DecisionCache, DecisionCacheOptions } from './decision-cache-types.js';
import { DecisionStamps, requestStartedAt } from './decision-stamps.js';
import { grownTo } from './decision-store.js';
import type { FreshBound } from './fresh-bound.js';
import { SlotLinks } from './slot-links.js';
import type { AccessDecision } from './vocabulary.js';

/** Longest a decision is served, in ms (2^29, 6.2 days): a longer lifetime is served this long, then asked again. */
export const LONGEST_SERVED = 2 ** 29;
/** How far (ms) a reading may be from the cache's epoch before the cache starts again from it (2^30, 12.4 days). */
export const REBASE_AFTER = 2 ** 30;
/** Before any stamp: every reading is at or after it. */
const NO_STAMP = -(2 ** 30);

/**
 * Our own entries, in an exact LRU written for the hit path. A hit reads this object's first fields, the `Map` from
 * subject to decision, and the decision itself, which the caller reads anyway: the decision carries its slot and its
 * expiry ({@link SLOT}, {@link SERVED_UNTIL}), as whole ms after this cache's epoch, rounded down (never served late).
 * Those stay small integers, which V8 keeps in the object itself rather than as a pointer to a heap number: every
 * lifetime is capped at {@link LONGEST_SERVED}, and once a reading is {@link REBASE_AFTER} from the epoch the cache
 * forgets everything and counts from that reading (on the default clock, once in 12.4 days of uptime: each subject
 * then asks Licenzy once more). The recency list and the cold stamps (stale window, when the call started) are columns
 * by slot beside it.
 *
 * A clock stepped back is judged for the whole cache rather than per entry: a reading before the latest stamp serves
 * nothing, and a stamp before the latest one (the clock went back) forgets every decision first, since each may then be
 * stamped in "the future". Its helpers are TypeScript-private rather than `#` methods: a class with `#` methods puts a
 * brand field first in every instance, pushing the fields a hit reads past the object's first cache line.
 */
export class OwnDecisionCache implements DecisionCache {
  // What a hit reads is declared first: fields are laid out in this order, next to the object's header.
  readonly #index = new Map<string, CachedAccessDecision>();
  readonly #now: () => number;
  /** The lag minus the epoch: a clock reading plus this is the latest "now" may be, in cache-relative ms. */
  #shift: number;
  /** The latest stamp, cache-relative. */
  #latest = NO_STAMP;
  /** The most recent slot (its hit moves nothing), or -1 when not known. */
  #newestSlot = -1;
  #hits = 0;
  /**
   * {@link SERVED_UNTIL} and {@link SLOT}, held here: an imported binding is read from its module's exports on every
   * use, an object a hit would fetch for nothing (measured, issue 25); these fields are on lines a hit reads anyway.
   */
  readonly #untilKey: typeof SERVED_UNTIL = SERVED_UNTIL;
  readonly #slotKey: typeof SLOT = SLOT;
  // The rest is for misses and writes.
  readonly #links: SlotLinks;
  #values: Array<CachedAccessDecision | undefined>;
  readonly #stamps: DecisionStamps;
  readonly #lag: number;
  /** The duration clock's reading that cache-relative time counts from (whole ms). */
  #epoch = 0;
  readonly #max: number;
  readonly #mode: LicenzyMode;
  readonly #freshEnough: FreshBound;

  constructor(options: DecisionCacheOptions) {
    this.#links = new SlotLinks(options.max);
    this.#values = new Array<CachedAccessDecision | undefined>(this.#links.capacity);
    this.#stamps = new DecisionStamps(this.#links.capacity);
    this.#now = options.now;
    this.#lag = options.lag ?? 0;
    this.#shift = this.#lag;
    this.#max = options.max;
    this.#mode = options.mode;
    this.#freshEnough = options.freshEnough;
  }

  lookup(subjectRef: string): AccessDecision | undefined {
    // Only validated subjects are ever stored, so a hit needs no further validation.
    if (typeof subjectRef !== 'string') return undefined;
    const decision = this.#index.get(subjectRef);
    if (decision === undefined) return undefined;
    const t = this.#now() + this.#shift;
    // `t >= latest`: a reading before the latest stamp (a clock stepped back) serves nothing.
    if (!(t >= this.#latest && t < decision[this.#untilKey])) return undefined;
    // Slots, not decisions, are compared: comparing two objects makes V8 check that each is one, a read of its map.
    if (decision[this.#slotKey] !== this.#newestSlot) this.touch(decision[SLOT]);
    this.#hits++;
    return decision;
  }

  get hits(): number {
    return this.#hits;
  }

  recentAnswer(subjectRef: string, at: number): AccessDecision | undefined {
    const decision = this.held(subjectRef);
    const t = at + this.#shift;
    if (decision === undefined || !(t >= this.#latest && t < decision[SERVED_UNTIL])) return undefined;
    const startedAt = requestStartedAt(decision[SERVED_UNTIL] + this.#epoch, this.#stamps.requestedBefore(decision[SLOT]));
    if (!this.#freshEnough(startedAt, at + this.#lag)) return undefined;
    this.#hits++;
    return decision;
  }

  standIn(subjectRef: string, at: number): AccessDecision | undefined {
    const decision = this.held(subjectRef);
    const t = at + this.#shift;
    if (decision === undefined || !(t >= this.#latest && t < decision[SERVED_UNTIL] + this.#stamps.staleWindow(decision[SLOT]))) return undefined;
    return Object.freeze({ subjectRef, allowed: decision.allowed, source: 'stale', checkedAt: decision.checkedAt, mode: this.#mode });
  }

  holds(subjectRef: string): boolean {
    return this.held(subjectRef) !== undefined;
  }

  remember(subjectRef: string, answer: Answer): AccessDecision {
    const { allowed, checkedAt, lifetime, staleLifetime, requestedAt } = answer;
    const reading = this.#now();
    if (Math.abs(reading - this.#epoch) >= REBASE_AFTER) this.rebase(reading);
    const stamp = reading - this.#epoch;
    // The clock went back past the latest stamp: what is held may be stamped in "the future" now.
    if (stamp < this.#latest) this.clear();
    this.#latest = stamp;
    const until = Math.floor(stamp + Math.min(lifetime, LONGEST_SERVED));
    const slot = this.slotFor(subjectRef);
    const decision = cachedDecision(subjectRef, allowed, checkedAt, this.#mode, slot, until);
    this.#values[slot] = decision;
    this.#index.set(subjectRef, decision);
    this.#newestSlot = slot;
    this.#stamps.write(slot, lifetime, staleLifetime, until + this.#epoch, requestedAt);
    return decision;
  }

  delete(subjectRef: string): boolean {
    const decision = this.#index.get(subjectRef);
    if (decision === undefined) return false;
    const slot = decision[SLOT];
    this.#index.delete(subjectRef);
    this.#links.remove(slot);
    this.#links.release(slot);
    this.#values[slot] = undefined;
    if (slot === this.#newestSlot) this.#newestSlot = -1;
    return true;
  }

  clear(): void {
    this.#index.clear();
    this.#values = new Array<CachedAccessDecision | undefined>(this.#links.capacity);
    this.#links.reset();
    this.#newestSlot = -1;
  }

  get size(): number {
    return this.#index.size;
  }

  /** The subject's decision, made the most recently used; `undefined` if none is held. */
  private held(subjectRef: string): CachedAccessDecision | undefined {
    const decision = this.#index.get(subjectRef);
    if (decision !== undefined && decision[SLOT] !== this.#newestSlot) this.touch(decision[SLOT]);
    return decision;
  }

  private touch(slot: number): void {
    this.#links.touch(slot);
    this.#newestSlot = slot;
  }

  /** The slot a new decision for `subjectRef` goes to, linked as the most recent: its old one, a free one, or the least recent. */
  private slotFor(subjectRef: string): number {
    const held = this.#index.get(subjectRef);
    if (held !== undefined) {
      this.#links.touch(held[SLOT]);
      return held[SLOT];
    }
    let slot: number;
    if (this.#index.size >= this.#max) {
      // Full: the least recently used decision gives up its slot.
      slot = this.#links.oldest;
      this.#index.delete((this.#values[slot] as CachedAccessDecision).subjectRef);
      this.#links.remove(slot);
    } else {
      slot = this.#links.take();
      if (slot >= this.#values.length) {
        this.#values = grownTo(this.#values, this.#links.capacity);
        this.#stamps.grow(this.#links.capacity);
      }
    }
    this.#links.add(slot);
    return slot;
  }

  /** Starts again from `reading`: forgets every decision and counts cache-relative time from it (whole ms). */
  private rebase(reading: number): void {
    this.clear();
    this.#epoch = Math.floor(reading);
    this.#shift = this.#lag - this.#epoch;
    this.#latest = NO_STAMP;
  }
}
