// The cache seam: where the gate keeps recent decisions. Default: an in-process LRU (GrowingLru, below).
import type { LicenzyMode } from './config.js';
import { SlotLinks } from './slot-links.js';

/**
 * What the gate remembers about one subject's last Licenzy answer. Times are ms on the gate's duration clock
 * (monotonic by default, or the injected `now`); an entry stamped after "now" is not trusted.
 */
export interface CachedDecision {
  readonly allowed: boolean;
  /** When Licenzy's answer arrived (duration clock). */
  readonly checkedAt: number;
  /** Until when the answer is served from cache (exclusive). */
  readonly expiresAt: number;
  /** Until when the answer may stand in for Licenzy during an outage (`staleIfError`), exclusive. */
  readonly staleUntil: number;
}

/**
 * A synchronous key/value store of decisions, bounded by the implementation. The gate only calls these
 * five members, so a store can add tiers or sharing behind them. Keys are subject_refs; a store shared by
 * gates of different modes must be wrapped with {@link namespacedStore}.
 */
export interface DecisionStore {
  get(key: string): CachedDecision | undefined;
  set(key: string, value: CachedDecision): void;
  delete(key: string): boolean;
  clear(): void;
  readonly size: number;
}

/**
 * The default store: an LRU bounded to `max` entries. Freshness is judged by the gate from the entry's
 * own timestamps (so an injected clock governs it); the LRU only bounds memory. Its index grows with the entries
 * rather than being allocated for `max` up front (see {@link GrowingLru}).
 */
export function createLruDecisionStore(max: number): DecisionStore {
  const lru = new GrowingLru<CachedDecision>(max);
  return {
    get: (key) => lru.get(key),
    set: (key, value) => lru.set(key, value),
    delete: (key) => lru.delete(key),
    clear: () => lru.clear(),
    get size() {
      return lru.size;
    },
  };
}

/**
 * A least-recently-used map bounded to `max` entries: lru-cache's layout (a `Map` from key to slot, slot-indexed
 * values, a doubly linked recency list in typed arrays) without its features, and with slots allocated as entries
 * arrive, doubling up to `max`, instead of all at construction. lru-cache allocates its arrays for `max` up front
 * (for 10,000 entries, ~0.3 MB per cache at gate creation).
 *
 * Slots are public so an owner can keep columns of its own beside the values (the gate's decision cache keeps its
 * expiry stamps in typed arrays indexed by slot): {@link slotOf} finds and touches, {@link set} returns the slot
 * written, and a slot stays the key's until the key is deleted or evicted. `keyOf`, when the value carries its own
 * key, saves the slot-indexed key array.
 */
export class GrowingLru<V> {
  // What a hit reads (the index, the values, the recency list) is declared first: fields are laid out in this order,
  // so those sit next to the object's header, in as few cache lines as the object allows (issue 25).
  readonly #index = new Map<string, number>();
  #values: Array<V | undefined>;
  readonly #links: SlotLinks;
  readonly #max: number;
  readonly #keyOf: ((value: V) => string) | undefined;
  /** Slot-indexed keys; empty when `#keyOf` reads a key from its value. */
  #keys: Array<string | undefined> = [];

  constructor(max: number, keyOf?: (value: V) => string) {
    this.#links = new SlotLinks(max);
    this.#max = max;
    this.#keyOf = keyOf;
    this.#values = new Array<V | undefined>(this.#links.capacity);
  }

  get size(): number {
    return this.#index.size;
  }

  /** Slots allocated so far (every slot ever returned is below it); doubles as entries arrive, up to `max`. */
  get capacity(): number {
    return this.#links.capacity;
  }

  get(key: string): V | undefined {
    const slot = this.slotOf(key);
    return slot < 0 ? undefined : this.#values[slot];
  }

  /** The key's slot, made the most recently used; -1 if the key is absent. */
  slotOf(key: string): number {
    const slot = this.#index.get(key);
    if (slot === undefined) return -1;
    this.#links.touch(slot);
    return slot;
  }

  /** The value in a slot {@link slotOf} or {@link set} returned (until its key is deleted or evicted). */
  valueAt(slot: number): V {
    return this.#values[slot] as V;
  }

  /** Stores the value as the most recent (evicting the least recent when full) and returns its slot. */
  set(key: string, value: V): number {
    let slot = this.#index.get(key);
    if (slot !== undefined) {
      this.#values[slot] = value;
      this.#links.touch(slot);
      return slot;
    }
    if (this.#index.size >= this.#max) {
      // Full: the least recently used entry gives up its slot.
      slot = this.#links.oldest;
      this.#index.delete(this.#keyAt(slot));
      this.#links.remove(slot);
    } else {
      slot = this.#links.take();
      // Sized with the links, so the values cost one pointer per slot rather than an array's growth slack.
      if (slot >= this.#values.length) this.#values = grownTo(this.#values, this.#links.capacity);
    }
    if (this.#keyOf === undefined) this.#keys[slot] = key;
    this.#values[slot] = value;
    this.#index.set(key, slot);
    this.#links.add(slot);
    return slot;
  }

  delete(key: string): boolean {
    const slot = this.#index.get(key);
    if (slot === undefined) return false;
    this.#index.delete(key);
    this.#links.remove(slot);
    if (this.#keyOf === undefined) this.#keys[slot] = undefined;
    this.#values[slot] = undefined;
    this.#links.release(slot);
    return true;
  }

  clear(): void {
    this.#index.clear();
    this.#keys = [];
    this.#values = new Array<V | undefined>(this.#links.capacity);
    this.#links.reset();
  }

  #keyAt(slot: number): string {
    return this.#keyOf === undefined ? (this.#keys[slot] as string) : this.#keyOf(this.#values[slot] as V);
  }
}

/** A copy of `values` with room for `capacity` slots (a holey array of exactly that length, not a grown one's slack). */
export function grownTo<T>(values: Array<T | undefined>, capacity: number): Array<T | undefined> {
  const grown = new Array<T | undefined>(capacity);
  for (let i = 0; i < values.length; i++) grown[i] = values[i];
  return grown;
}

/**
 * Prefixes keys with a namespace so gates sharing one store never see each other's decisions. The gate passes
 * the namespace of its key (`deriveSharedScope()`: a hash of mode, key and base URL — never the key), so two
 * gates serve each other's entries only when they would ask the same Licenzy account the same question.
 * A bare mode (`'test'`/`'live'`) is still accepted, for a store shared by gates of one account.
 *
 * @example
 * const shared = createLruDecisionStore(10_000)
 * const view = namespacedStore(shared, deriveSharedScope(apiKey, 'live', baseUrl).namespace)
 */
export function namespacedStore(store: DecisionStore, namespace: LicenzyMode | string): DecisionStore {
  const prefix = `${namespace}:`;
  // clear() on a shared store would drop the other namespaces' entries too; a namespaced view cannot enumerate,
  // so it clears everything, which is safe (only costs extra Licenzy calls).
  return {
    get: (key) => store.get(prefix + key),
    set: (key, value) => store.set(prefix + key, value),
    delete: (key) => store.delete(prefix + key),
    clear: () => store.clear(),
    get size() {
      return store.size;
    },
  };
}
