// The gate's counters (each part counts its own events into one object) and the snapshot gate.stats() returns.
import type { GateStats } from './gate-types.js';
import type { CircuitState } from './vocabulary.js';

/** Counters since the gate was created (documented on {@link GateStats}); the parts increment them, {@link createGateStats} reads them. */
export type GateCounters = Pick<GateStats, 'misses' | 'stale' | 'upstreamCalls' | 'errors' | 'coalesced' | 'shed' | 'sharedHits' | 'sharedErrors'> & { skipped: number };

/** A gate's counters, all zero. */
export function createGateCounters(): GateCounters {
  return { misses: 0, stale: 0, upstreamCalls: 0, errors: 0, coalesced: 0, shed: 0, sharedHits: 0, sharedErrors: 0, skipped: 0 };
}

/** The gauges a snapshot reads from the parts that hold them. */
export interface StatsSources {
  /** `hits`: every fresh decision the cache served (it counts them itself, beside what a hit reads). */
  readonly cache: { readonly size: number; readonly hits: number };
  readonly caller: { readonly circuit: CircuitState; readonly active: number; readonly queued: number };
}

/**
 * `gate.stats()`: the counters plus the gauges, as a new object each call.
 *
 * @example
 * const stats = createGateStats(counters, { cache, caller })
 * stats().hits // 0
 */
export function createGateStats(counters: GateCounters, sources: StatsSources): () => GateStats {
  const { cache, caller } = sources;
  return () => ({ ...counters, hits: cache.hits, size: cache.size, circuit: caller.circuit, active: caller.active, queued: caller.queued });
}
