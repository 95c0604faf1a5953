// Benchmark 6's measuring process (run with --expose-gc): heap per cached decision at a given number of subjects.
import { createRequire } from 'node:module';
import { childConfig, serveParent } from '../lib/child.mjs';

const { subjects: count } = childConfig();
// LICENZY_CORE: another build of core to measure (e.g. one with a proposed patch), side by side with the workspace's.
const { createAccessGate } = await import(process.env.LICENZY_CORE ?? '@licenzy-gate/core');
const { LRUCache } = createRequire(new URL('../../package.json', import.meta.url))('lru-cache');

function settle() {
  for (let i = 0; i < 4; i++) globalThis.gc();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return { heapUsed, arrayBuffers, total: heapUsed + arrayBuffers };
}
const delta = (a, b) => ({ heapUsed: b.heapUsed - a.heapUsed, arrayBuffers: b.arrayBuffers - a.arrayBuffers, total: b.total - a.total });

// Subject strings exist before the cache does (they come with the requests), so they are not counted. They are flat,
// as a parsed request's are: join() builds flat strings, whereas a template literal's result is a V8 cons string that
// the first structure to hash it flattens (a new string per subject), charging it to whichever is measured first.
const subjects = Array.from({ length: count }, (_, i) => ['user_', String(i).padStart(8, '0')].join(''));
// No HTTP: a checker that allows everyone, so filling 100,000 entries takes a second, not minutes.
const stub = { mode: 'test', checkAccess: async (subjectRef) => ({ subjectRef, allowed: true }) };

// First the floor: a bare LRUCache of the same size holding one small record per subject.
const beforeLru = settle();
let lru = new LRUCache({ max: count });
// The floor: what a hand-rolled cache needs per subject, `{ allowed, expiresAt }` (a real, fractional expiry).
for (const s of subjects) lru.set(s, { allowed: true, expiresAt: performance.now() + 3_600_000 });
const lruFilled = settle();
if (lru.size !== count) throw new Error('LRU not full');
lru = undefined;

// A process may hold gates of both modes, with grants and denials: a few such decisions exist before the measurement,
// so a layout that only stays compact while every decision looks alike would show here (issue 25).
const other = createAccessGate({ client: { mode: 'live', checkAccess: async (subjectRef) => ({ subjectRef, allowed: subjectRef.endsWith('1') }) } });
const warmUp = createAccessGate({ client: { mode: 'test', checkAccess: async (subjectRef) => ({ subjectRef, allowed: subjectRef.endsWith('1') }) } });
for (const s of ['warm_0', 'warm_1', 'warm_2', 'warm_3']) await Promise.all([other.check(s), warmUp.check(s)]);
if (other.peek('warm_1')?.mode !== 'live' || warmUp.peek('warm_0')?.allowed !== false) throw new Error('warm-up decisions not cached');

const empty = settle();
const gate = createAccessGate({ client: stub, cache: { max: count, ttl: 3_600_000 } });
const created = settle();
for (let i = 0; i < count; i += 1000) await Promise.all(subjects.slice(i, i + 1000).map((s) => gate.check(s)));
const filled = settle();
const size = gate.stats().size;
if (size !== count) throw new Error(`expected ${count} cached decisions, found ${size}`);

if (other.stats().size !== 4 || warmUp.stats().size !== 4) throw new Error('warm-up gates lost their decisions');

serveParent({}, {
  count,
  gate: { total: delta(empty, filled), entries: delta(created, filled), setup: delta(empty, created) },
  lru: delta(beforeLru, lruFilled),
});
