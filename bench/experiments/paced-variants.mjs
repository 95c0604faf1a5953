// Ad-hoc (issue 14, part B): replicas of gate.peek()'s hit path, paced as in benchmark 2 (one call per macrotask
// after 20–50 µs of busy work), each removing one thing, to see which piece costs what when the call runs cold.
// `node bench/experiments/paced-variants.mjs [build]` (a folder under bench/experiments/builds; default the workspace).
import { LRUCache, SUBJECT as S, loadBuild, pacedFromEnv, printPaced } from './paced-harness.mjs';

const build = process.argv[2];
const { clock: { coarseNow }, store: { GrowingLru }, diagnostics: { checkChannel }, gate } = await loadBuild(build);
const lru = new LRUCache({ max: 10_000 });
lru.set(S, { allowed: true, checkedAt: 0, expiresAt: Infinity, staleUntil: Infinity });

/**
 * A replica of the gate's closure, with switches. Each replica is compiled from its own source text (new Function),
 * so replicas share no type feedback (one shared `lookup` would see every replica's store and turn polymorphic).
 */
function replica({ wrapper = true, subscribers = true, counting = true, clock = 'coarseNow', typeCheck = true }) {
  const source = `
    const lruStore = new GrowingLru(10_000);
    const store = ${wrapper ? '{ get: (k) => lruStore.get(k), set: (k, v) => lruStore.set(k, v) }' : 'lruStore'};
    const counters = { hits: 0, misses: 0, stale: 0, upstreamCalls: 0, errors: 0, coalesced: 0, shed: 0, sharedHits: 0, sharedErrors: 0 };
    const cacheEnabled = true;
    const now = ${clock === 'coarseNow' ? 'coarseNow' : '() => 0'};
    const decision = Object.freeze({ subjectRef: S, allowed: true, source: 'cache', checkedAt: Date.now(), mode: 'test' });
    const t = now();
    store.set(S, { allowed: true, checkedAt: t, expiresAt: t + 3_600_000, staleUntil: t + 3_600_000, requestedAt: t, cached: decision });
    function lookup(subjectRef) {
      if (!cacheEnabled ${typeCheck ? "|| typeof subjectRef !== 'string'" : ''}) return undefined;
      const entry = store.get(subjectRef);
      if (entry === undefined) return undefined;
      const t = now();
      if (t >= entry.expiresAt || t < entry.checkedAt) return undefined;
      ${counting ? 'counters.hits++;' : ''}
      return entry.cached;
    }
    function peek(subjectRef) {
      const hit = lookup(subjectRef);
      ${subscribers ? 'if (hit !== undefined && checkChannel.hasSubscribers) return checkChannel.traceSync(() => hit, {});' : ''}
      return hit;
    }
    return { peek };`;
  return new Function('GrowingLru', 'coarseNow', 'checkChannel', 'S', source)(GrowingLru, coarseNow, checkChannel, S);
}

const variants = {
  'replica: as the gate': replica({}),
  'replica: no store wrapper': replica({ wrapper: false }),
  'replica: no hasSubscribers': replica({ subscribers: false }),
  'replica: no counter': replica({ counting: false }),
  'replica: constant clock': replica({ clock: 'constant' }),
  'replica: none of those': replica({ wrapper: false, subscribers: false, counting: false }),
};
const fns = {
  empty: () => 1,
  'LRUCache#get': () => lru.get(S),
  'gate.peek()': () => gate.peek(S),
  ...Object.fromEntries(Object.entries(variants).map(([k, g]) => [k, () => g.peek(S)])),
};
printPaced(await pacedFromEnv(fns, 7), 'LRUCache#get');
