// The gates seen on `licenzy-gate:check`, held weakly, for the cache-size and circuit gauges.
import type { CheckEvent, CircuitState } from '@licenzy-gate/core';

type StatsOf = CheckEvent['stats'];

/** One gate's numbers at collection time. */
export interface GateSnapshot {
  readonly mode: string;
  readonly size: number;
  readonly circuit: CircuitState;
}

/**
 * Gates discovered from the `stats()` function each check event carries (one function per gate). Only a
 * `WeakRef` is kept, so observing a gate never keeps it (or its cache) alive after the app drops it.
 */
export class GateRegistry {
  private readonly known = new WeakSet<StatsOf>();
  private gates: Array<{ readonly stats: WeakRef<StatsOf>; readonly mode: string }> = [];

  /** Remembers the gate behind `stats`; cheap when already known (one WeakSet lookup). */
  add(stats: StatsOf, mode: string): void {
    if (typeof stats !== 'function' || this.known.has(stats)) return;
    this.known.add(stats);
    this.gates.push({ stats: new WeakRef(stats), mode });
  }

  /** The live gates' numbers; gates collected since are dropped. A `stats()` that throws is skipped. */
  snapshot(): GateSnapshot[] {
    const snapshots: GateSnapshot[] = [];
    this.gates = this.gates.filter(({ stats, mode }) => {
      const read = stats.deref();
      if (read === undefined) return false;
      try {
        const { size, circuit } = read();
        snapshots.push({ mode, size, circuit });
      } catch {
        // A gate that cannot report is left out of this collection, not out of the registry.
      }
      return true;
    });
    return snapshots;
  }

  /** How many gates are held (collected ones included until the next snapshot). */
  get count(): number {
    return this.gates.length;
  }

  /** Forgets every gate (on `disable()`). */
  clear(): void {
    for (const { stats } of this.gates) {
      const read = stats.deref();
      if (read !== undefined) this.known.delete(read);
    }
    this.gates = [];
  }
}
