// Ad-hoc (issue 14, part B): where a paced gate.peek() spends its time. Each piece of the hit path timed alone, one
// call per macrotask after 20–50 µs of busy work (as benchmark 2's paced section), against LRUCache#get.
// `node bench/experiments/paced-parts.mjs [build]`: `build` is a folder under bench/experiments/builds (default: the
// workspace's packages/core/dist).
import { tracingChannel } from 'node:diagnostics_channel';
import { LRUCache, SUBJECT as S, loadBuild, pacedFromEnv, printPaced, stub } from './paced-harness.mjs';

const build = process.argv[2];
const { core: { createAccessGate }, clock: { coarseNow }, store: { GrowingLru }, diagnostics: { checkChannel }, gate } = await loadBuild(build);
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
printPaced(await pacedFromEnv(fns, 7), 'LRUCache#get');
