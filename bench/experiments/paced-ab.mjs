// Ad-hoc (issue 14, part B): paced gate.peek() of several builds of core side by side in one process, against
// LRUCache#get, timed as benchmark 2's paced section (one call per macrotask after 20–50 µs of busy work, each call
// timed alone, mean of the fastest 99% per block, an empty region subtracted). Interleaved blocks, order rotated, so
// a noisy neighbour hits every row alike; also reports each round's ratio to that round's floor.
// `node bench/experiments/paced-ab.mjs base mem ...` (folders under bench/experiments/builds; `.` = the workspace).
import { LRUCache, SUBJECT as S, loadBuild, medianOf, pacedFromEnv } from './paced-harness.mjs';

const builds = process.argv.slice(2);
const lru = new LRUCache({ max: 10_000 });
lru.set(S, { allowed: true, checkedAt: 0, expiresAt: Infinity, staleUntil: Infinity });
const ttlLru = new LRUCache({ max: 10_000, ttl: 3_600_000 });
ttlLru.set(S, { allowed: true });

const fns = { empty: () => 1, 'LRUCache#get (floor)': () => lru.get(S), 'LRUCache#get, ttl': () => ttlLru.get(S) };
for (const build of builds) {
  const { core: { createGuard }, gate } = await loadBuild(build);
  const guard = createGuard({ gate, subject: (req) => req.user.id }, () => undefined);
  const request = { user: { id: S } };
  fns[`${build}: gate.peek()`] = () => gate.peek(S);
  if (process.env.GUARD) fns[`${build}: guard.decide()`] = () => (guard.decide ?? guard.run)(request);
}
const names = Object.keys(fns);
const ROUNDS = Number(process.env.ROUNDS ?? 11);
const CALLS = Number(process.env.CALLS ?? 2000);
const { res, sink } = await pacedFromEnv(fns, ROUNDS);
const med = medianOf;
const e = med(res.empty);
const floor = med(res['LRUCache#get (floor)']) - e;
const ratios = (name) => res[name].map((x, i) => (x - res.empty[i]) / (res['LRUCache#get (floor)'][i] - res.empty[i]));
console.log(`empty ${e.toFixed(1)} ns (subtracted); ${ROUNDS - 1} rounds x ${CALLS} calls; sink ${sink}`);
console.log('row'.padEnd(28), 'median ns', ' x floor', ' median of per-round x floor', '| per round ns');
for (const n of names.slice(1)) {
  console.log(n.padEnd(28), (med(res[n]) - e).toFixed(1).padStart(9), ((med(res[n]) - e) / floor).toFixed(2).padStart(8), med(ratios(n)).toFixed(2).padStart(28), '|', res[n].map((x) => (x - e).toFixed(0)).join(' '));
}
