// Ad-hoc (issue 14, part B): where a paced gate.peek() spends its time. Each piece of the hit path timed alone, one
// call per macrotask after 20–50 µs of busy work (as benchmark 2's paced section), against LRUCache#get.
// `node bench/experiments/paced-parts.mjs [build]`: `build` is a folder under bench/experiments/builds (default: the
// workspace's packages/core/dist).
import { pacedRounds } from './paced-harness.mjs';
import { createRequire } from 'node:module';
import { tracingChannel } from 'node:diagnostics_channel';

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
let fixed = 0;
const constGate = createAccessGate({ client: stub, cache: { ttl: 3_600_000 }, now: () => fixed });
await constGate.check(S);
const lru = new LRUCache({ max: 10_000 });
lru.set(S, { allowed: true, checkedAt: 0, expiresAt: Infinity, staleUntil: Infinity });
const ttlLru = new LRUCache({ max: 10_000, ttl: 3_600_000 });
ttlLru.set(S, { allowed: true });
const grow = new GrowingLru(10_000);
grow.set(S, { allowed: true, checkedAt: 0, expiresAt: Infinity, staleUntil: Infinity });
const other = tracingChannel('experiment:other');
const startCh = checkChannel.start;

const fns = {
  empty: () => 1,
  'LRUCache#get': () => lru.get(S),
  'LRUCache#get (ttl)': () => ttlLru.get(S),
  'GrowingLru#get': () => grow.get(S),
  'coarseNow()': () => coarseNow(),
  'performance.now()': () => performance.now(),
  'checkChannel.hasSubscribers': () => (checkChannel.hasSubscribers ? 1 : undefined),
  'checkChannel.start.hasSubscribers': () => (startCh.hasSubscribers ? 1 : undefined),
  'GrowingLru#get + coarseNow()': () => { const e = grow.get(S); return e !== undefined && coarseNow() < e.expiresAt ? e : undefined; },
  'gate.peek()': () => gate.peek(S),
  'gate.peek(), constant now': () => constGate.peek(S),
};
void other;
const names = Object.keys(fns);
const ROUNDS = Number(process.env.ROUNDS ?? 7);
const CALLS = Number(process.env.CALLS ?? 2000);
const { res, sink } = await pacedRounds(fns, { rounds: ROUNDS, calls: CALLS });
const med = (l) => [...l].sort((a, b) => a - b)[l.length >> 1];
const e = med(res.empty);
const floor = med(res['LRUCache#get']) - e;
console.log(`empty ${e.toFixed(1)} ns (subtracted); sink ${sink}`);
for (const n of names.slice(1)) console.log(n.padEnd(36), (med(res[n]) - e).toFixed(1).padStart(6), 'ns', ((med(res[n]) - e) / floor).toFixed(2).padStart(6), 'x |', res[n].map((x) => (x - e).toFixed(0)).join(' '));
