// Ad-hoc (run with --expose-gc): heap bytes per entry of candidate cache-entry layouts in an LRUCache, 100k subjects.
import { createRequire } from 'node:module';
const { LRUCache } = createRequire(new URL('../../package.json', import.meta.url))('lru-cache');
const N = 100_000;
const subjects = Array.from({ length: N }, (_, i) => `user_${String(i).padStart(8, '0')}`);
const settle = () => { for (let i = 0; i < 4; i++) globalThis.gc(); const m = process.memoryUsage(); return m.heapUsed + m.arrayBuffers; };
const base = performance.now();
class Entry { constructor(subjectRef, allowed, checkedAt, mode, stamp, expiresAt, staleUntil, requestedAt) { this.subjectRef = subjectRef; this.allowed = allowed; this.source = 'cache'; this.checkedAt = checkedAt; this.mode = mode; this.stamp = stamp; this.expiresAt = expiresAt; this.staleUntil = staleUntil; this.requestedAt = requestedAt; } }
class CAD { constructor(s, a, c, m, st, l, sl, r) { this.subjectRef = s; this.allowed = a; this.source = 'cache'; this.checkedAt = c; this.mode = m; const ra = Math.ceil(st - r); Object.defineProperty(this, 'stampedAt', { value: st }); Object.defineProperty(this, 'lifetime', { value: l }); Object.defineProperty(this, 'staleFor', { value: sl - l }); Object.defineProperty(this, 'requestedAgo', { value: ra >= 0 ? ra : -1 }); Object.freeze(this); } }
class CADP { #st; #l; #sf; #ra; constructor(s, a, c, m, st, l, sl, r) { this.subjectRef = s; this.allowed = a; this.source = 'cache'; this.checkedAt = c; this.mode = m; this.#st = st; this.#l = l; this.#sf = sl - l; const ra = Math.ceil(st - r); this.#ra = ra >= 0 ? ra : -1; Object.freeze(this); } get stampedAt() { return this.#st; } get rest() { return [this.#l, this.#sf, this.#ra]; } }
class CADPlain { constructor(s, a, c, m, st, l, sl, r) { this.subjectRef = s; this.allowed = a; this.source = 'cache'; this.checkedAt = c; this.mode = m; this.stampedAt = st; this.lifetime = l; this.staleFor = sl - l; const ra = Math.ceil(st - r); this.requestedAgo = ra >= 0 ? ra : -1; Object.freeze(this); } }
const layouts = {
  'private fields class (2 heap numbers)': (s, t, w) => new CADP(s, true, w, 'test', t, 3600000, 3600000, t - 0.5),
  'plain fields class (2 heap numbers)': (s, t, w) => new CADPlain(s, true, w, 'test', t, 3600000, 3600000, t - 0.5),
  'patched gate class (2 heap numbers)': (s, t, w) => new CAD(s, true, w, 'test', t, 3600000, 3600000, t - 0.5),
  'lru {allowed, expiresAt} (issue floor)': (s, t) => ({ allowed: true, expiresAt: t + 30000 }),
  'current: entry(6) + frozen decision(5)': (s, t, w) => { const d = Object.freeze({ subjectRef: s, allowed: true, source: 'cache', checkedAt: w, mode: 'test' }); return { allowed: true, checkedAt: t, expiresAt: t + 30000, staleUntil: t + 30000, requestedAt: t, cached: d }; },
  'current, integer ms times': (s, t, w) => { t = Math.floor(t); const d = Object.freeze({ subjectRef: s, allowed: true, source: 'cache', checkedAt: w, mode: 'test' }); return { allowed: true, checkedAt: t, expiresAt: t + 30000, staleUntil: t + 30000, requestedAt: t, cached: d }; },
  'one frozen literal (9 fields)': (s, t, w) => Object.freeze({ subjectRef: s, allowed: true, source: 'cache', checkedAt: w, mode: 'test', stamp: t, expiresAt: t + 30000, staleUntil: t + 30000, requestedAt: t }),
  'one frozen class (9 fields)': (s, t, w) => Object.freeze(new Entry(s, true, w, 'test', t, t + 30000, t + 30000, t)),
  'one frozen class, integer ms': (s, t, w) => { t = Math.floor(t); return Object.freeze(new Entry(s, true, w, 'test', t, t + 30000, t + 30000, t)); },
  'one class, unfrozen, integer ms': (s, t, w) => { t = Math.floor(t); return new Entry(s, true, w, 'test', t, t + 30000, t + 30000, t); },
};
const only = process.argv[2];
for (const [name, make] of Object.entries(layouts)) {
  if (only && !name.startsWith(only)) continue;
  const before = settle();
  let lru = process.env.LAZY ? new LRUCache({ maxSize: N, sizeCalculation: () => 1 }) : new LRUCache({ max: N });
  const created = settle();
  for (let i = 0; i < N; i++) lru.set(subjects[i], make(subjects[i], performance.now() - base + 1000.25, Date.now()));
  globalThis.keep = lru;
  const after = settle();
  console.log(`${name.padEnd(42)} entries ${((after - created) / N).toFixed(0).padStart(4)} B, with LRU arrays ${((after - before) / N).toFixed(0).padStart(4)} B`);
  lru = undefined; globalThis.keep = undefined;
}
