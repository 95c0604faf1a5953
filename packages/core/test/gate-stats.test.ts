// The gate's counters and the stats snapshot.
import { describe, expect, it } from 'vitest';
import { createGateCounters, createGateStats } from '../src/gate-stats.js';

describe('createGateStats', () => {
  it('snapshots the counters with the gauges read at call time, as a new object each call; hits are the cache\'s own count', () => {
    const counters = createGateCounters();
    const cache = { size: 0, hits: 0 };
    const caller = { circuit: 'closed' as const, active: 0, queued: 0 };
    const stats = createGateStats(counters, { cache, caller });
    const before = stats();
    counters.misses += 2;
    cache.hits = 5;
    cache.size = 3;
    Object.assign(caller, { circuit: 'open', active: 1, queued: 4 });
    expect(before).toMatchObject({ hits: 0, size: 0, circuit: 'closed' });
    expect(stats()).toEqual({
      hits: 5, misses: 2, stale: 0, upstreamCalls: 0, errors: 0, coalesced: 0, shed: 0, sharedHits: 0, sharedErrors: 0, skipped: 0,
      size: 3, circuit: 'open', active: 1, queued: 4,
    });
  });
});
