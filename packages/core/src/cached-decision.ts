// One object per cached decision: the frozen AccessDecision served on every hit; its stamps live in the cache's slots.
import type { LicenzyMode } from './config.js';
import { requestStartedAt, requestedAgo } from './decision-stamps.js';
import type { CachedDecision } from './decision-store.js';
import type { AccessDecision } from './vocabulary.js';

/**
 * Keys of our own LRU's bookkeeping on each decision (own-decision-cache.ts): its slot and until when it is served, in
 * whole ms after the cache's epoch. Symbols only core holds, on non-enumerable, read-only own properties: invisible to
 * `Object.keys`, `getOwnPropertyNames`, JSON, spreads and deep equality, never writable (the object is frozen).
 */
export const SLOT = Symbol('licenzy-gate.slot');
export const SERVED_UNTIL = Symbol('licenzy-gate.servedUntil');

/** `source` and `mode` are the same for every decision of one class: read through accessors shared by all of them. */
const SOURCE: PropertyDescriptor = { get: () => 'cache', enumerable: true, configurable: false };
const TEST_MODE: PropertyDescriptor = { get: () => 'test', enumerable: true, configurable: false };
const LIVE_MODE: PropertyDescriptor = { get: () => 'live', enumerable: true, configurable: false };

/**
 * A cached answer as the gate serves it on every hit (`source: 'cache'`): frozen, with exactly the five public fields
 * of {@link AccessDecision} as own enumerable properties in their usual order (`Object.keys`, `JSON.stringify`, spreads
 * and deep equality see a plain decision). The cache's bookkeeping is not among them: our own LRU keeps the slot and the
 * expiry in two non-enumerable symbol-keyed fields ({@link SLOT}, {@link SERVED_UNTIL}), the rest in typed arrays beside
 * it; a foreign store keeps all of it in its plain entry.
 *
 * Memory (issue 25): `subjectRef`, `allowed`, `checkedAt` and the LRU's two small integers are the only per-decision
 * slots. `source` and `mode`, the same for every decision of a gate, are own accessor properties whose getters live in
 * the hidden class shared by all decisions of one mode, not in each object: 64 B per object instead of 80 (plus
 * `checkedAt`'s number). One
 * class per mode, so the two accessor pairs never meet in one transition tree (V8 would fall back to slow,
 * dictionary-mode objects there); construct them through {@link cachedDecision} only.
 *
 * Not a {@link CachedDecision}: its `checkedAt` is wall time (for display), whereas a `CachedDecision`'s is the
 * duration-clock stamp. A foreign `store` is given {@link foreignEntry}'s plain entry, which carries this object as
 * `cached`.
 */
export abstract class CachedAccessDecision implements AccessDecision {
  declare readonly subjectRef: string;
  declare readonly allowed: boolean;
  declare readonly source: 'cache';
  declare readonly checkedAt: number;
  declare readonly mode: LicenzyMode;
  /** Our own LRU's slot for this decision (0 for one it does not hold). */
  declare readonly [SLOT]: number;
  /** Until when our own LRU serves it, cache-relative whole ms (0 for a decision it does not hold). */
  declare readonly [SERVED_UNTIL]: number;

  protected constructor(subjectRef: string, allowed: boolean, checkedAt: number, mode: PropertyDescriptor, slot: number, until: number) {
    // Small integers, stored in the object itself (no heap number), first: the hit test reads the expiry from the line
    // the object's header is on. Symbol keys never change the order `Object.keys` and JSON give the public fields.
    Object.defineProperty(this, SERVED_UNTIL, { value: until });
    Object.defineProperty(this, SLOT, { value: slot });
    this.subjectRef = subjectRef;
    this.allowed = allowed;
    Object.defineProperty(this, 'source', SOURCE);
    this.checkedAt = checkedAt;
    Object.defineProperty(this, 'mode', mode);
    Object.freeze(this);
  }

  /** `console.log` / `util.inspect` show the values, not `[Getter]` (a symbol on the prototype: no own property). */
  [Symbol.for('nodejs.util.inspect.custom')](): AccessDecision {
    return { subjectRef: this.subjectRef, allowed: this.allowed, source: this.source, checkedAt: this.checkedAt, mode: this.mode };
  }
}

class TestModeDecision extends CachedAccessDecision {
  constructor(subjectRef: string, allowed: boolean, checkedAt: number, slot: number, until: number) {
    super(subjectRef, allowed, checkedAt, TEST_MODE, slot, until);
  }
}

class LiveModeDecision extends CachedAccessDecision {
  constructor(subjectRef: string, allowed: boolean, checkedAt: number, slot: number, until: number) {
    super(subjectRef, allowed, checkedAt, LIVE_MODE, slot, until);
  }
}

/**
 * The frozen decision served on hits for an answer (`checkedAt`: wall time of Licenzy's answer); `slot` and `until`:
 * where our own LRU keeps it and until when it serves it (0 and 0 elsewhere, so every decision of a mode shares one shape).
 */
export function cachedDecision(subjectRef: string, allowed: boolean, checkedAt: number, mode: LicenzyMode, slot = 0, until = 0): CachedAccessDecision {
  return mode === 'live' ? new LiveModeDecision(subjectRef, allowed, checkedAt, slot, until) : new TestModeDecision(subjectRef, allowed, checkedAt, slot, until);
}

/**
 * The entry a foreign {@link DecisionStore} gets: a plain {@link CachedDecision} (duration-clock `checkedAt`,
 * `expiresAt`, `staleUntil`) with `requestedAt` and the decision served on hits as `cached`, as the gate has always
 * written them. `lifetime`/`staleLifetime` run from `stampedAt`.
 */
export function foreignEntry(decision: CachedAccessDecision, stampedAt: number, lifetime: number, staleLifetime: number, requestedAt: number): ForeignEntry {
  const expiresAt = stampedAt + lifetime;
  const staleUntil = expiresAt + (staleLifetime - lifetime);
  return { allowed: decision.allowed, checkedAt: stampedAt, expiresAt, staleUntil, requestedAt: requestStartedAt(stampedAt, requestedAgo(stampedAt, requestedAt)), cached: decision };
}

/** What the gate writes to a foreign store, and may find there (the extras absent if another writer wrote it). */
export interface ForeignEntry extends CachedDecision {
  /** When the call behind the answer started (duration clock): how fresh it is for a `fresh` check. */
  readonly requestedAt?: number;
  /** The decision served on hits, built once. */
  readonly cached?: unknown;
}
