// Ad-hoc (issue 14, part B): replicas of gate.peek()'s hit path, paced as in benchmark 2 (one call per macrotask
// after 20–50 µs of busy work), each removing one thing, to see which piece costs what when the call runs cold.
// `node bench/experiments/paced-variants.mjs [build]` (a folder under bench/experiments/builds; default the workspace).
import { pacedRounds } from './paced-harness.mjs';
import { createRequire } from 'node:module';

const build = process.argv[2];
const dist = build === undefined ? new URL('../../packages/core/dist/esm/', import.meta.url) : new URL(`./builds/${build}/dist/esm/`, import.meta.url);
const { createAccessGate } = await import(new URL('index.js', dist));
const { coarseNow } = await import(new URL('clock.js', dist));
const { GrowingLru } = await import(new URL('decision-store.js', dist));
const { checkChannel } = await import(new URL('diagnostics.js', dist));
const { LRUCache } = createRequire(new URL('../../package.json', import.meta.url))('lru-cache');

const stub = { mode: 'test', checkAccess: async (subjectRef) => ({ subjectRef, allowed: true }) };
const S = 'user_0';

const gate = createAccessGate({ client: stub, cache: { ttl: 3_600_000 } });
await gate.check(S);
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
const names = Object.keys(fns);
const ROUNDS = Number(process.env.ROUNDS ?? 7);
const CALLS = Number(process.env.CALLS ?? 2000);
const { res, sink } = await pacedRounds(fns, { rounds: ROUNDS, calls: CALLS });
const med = (l) => [...l].sort((a, b) => a - b)[l.length >> 1];
const e = med(res.empty);
const floor = med(res['LRUCache#get']) - e;
console.log(`empty ${e.toFixed(1)} ns (subtracted); sink ${sink}`);
for (const n of names.slice(1)) console.log(n.padEnd(36), (med(res[n]) - e).toFixed(1).padStart(6), 'ns', ((med(res[n]) - e) / floor).toFixed(2).padStart(6), 'x |', res[n].map((x) => (x - e).toFixed(0)).join(' '));
