// The cache seam: where the gate keeps recent decisions. Default: an in-process LRU (lru-cache).
import { LRUCache } from 'lru-cache';
import type { LicenzyMode } from './config.js';

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
 * own timestamps (so an injected clock governs it); the LRU only bounds memory.
 */
export function createLruDecisionStore(max: number): DecisionStore {
  const lru = new LRUCache<string, CachedDecision>({ max });
  return {
    get: (key) => lru.get(key),
    set: (key, value) => void lru.set(key, value),
    delete: (key) => lru.delete(key),
    clear: () => lru.clear(),
    get size() {
      return lru.size;
    },
  };
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
