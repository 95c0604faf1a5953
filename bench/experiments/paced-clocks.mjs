// Ad-hoc: paced peek() (one per 20–50 µs of work, event loop turning) with different coarse clocks injected.
import { createRequire } from 'node:module';
import { createAccessGate } from '@licenzy-gate/core';
const stub = { mode: 'test', checkAccess: async (subjectRef) => ({ subjectRef, allowed: true }) };
const spin = (us) => { const end = process.hrtime.bigint() + BigInt(Math.round(us * 1000)); while (process.hrtime.bigint() < end); };
function refreshClock() { let r; let t; const f = () => { r = undefined; }; return () => { if (r === undefined) { r = performance.now(); if (t === undefined) { t = setTimeout(f, 1); t.unref(); } else t.refresh(); } return r; }; }
function timeoutClock() { let r; const f = () => { r = undefined; }; return () => { if (r === undefined) { r = performance.now(); setTimeout(f, 1).unref(); } return r; }; }
function intervalClock() {
  let r; let t; let used = false;
  const tick = () => { if (!used) { clearInterval(t); t = undefined; } used = false; r = undefined; };
  return () => { if (r === undefined) { r = performance.now(); used = true; if (t === undefined) { t = setInterval(tick, 1); t.unref(); } } return r; };
}
const clocks = { refresh: refreshClock(), timeout: timeoutClock(), interval: intervalClock(), 'performance.now': () => performance.now() };
const gates = {};
for (const [k, now] of Object.entries(clocks)) { gates[k] = createAccessGate({ client: stub, now, cache: { ttl: 3_600_000 } }); await gates[k].check('u'); }
const { LRUCache } = createRequire(new URL('../../package.json', import.meta.url))('lru-cache');
const lru = new LRUCache({ max: 100 }); lru.set('u', { allowed: true });
const fns = { empty: () => 1, lru: () => lru.get('u'), ...Object.fromEntries(Object.entries(gates).map(([k, g]) => [k, () => g.peek('u')])) };
// warm up
for (const fn of Object.values(fns)) for (let i = 0; i < 200000; i++) fn();
const res = Object.fromEntries(Object.keys(fns).map((k) => [k, []]));
const names = Object.keys(fns);
for (let round = 0; round < 6; round++) for (let k = 0; k < names.length; k++) {
  const name = names[(round + k) % names.length]; const fn = fns[name]; const calls = [];
  for (let i = 0; i < 2000; i++) await new Promise((r) => setImmediate(() => { spin(20 + Math.random() * 30); const a = process.hrtime.bigint(); fn(); calls.push(Number(process.hrtime.bigint() - a)); r(); }));
  calls.sort((a, b) => a - b); const kept = calls.slice(0, 1980); res[name].push(kept.reduce((a, b) => a + b, 0) / kept.length);
}
const med = (l) => [...l].sort((a, b) => a - b)[l.length >> 1];
const e = med(res.empty);
for (const n of names) console.log(n.padEnd(16), (med(res[n]) - e).toFixed(1), 'ns net', res[n].map((x) => (x - e).toFixed(0)).join(' '));
