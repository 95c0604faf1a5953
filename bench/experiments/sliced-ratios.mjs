// Ad-hoc (issue 25): benchmark 1's estimator on the slices `sliced-ab.mjs` dumps (DUMP=<file>): for each app, base's
// CPU per request ÷ the app's, cycle by cycle (the two apps' slices of one cycle), the median over all cycles, and a 95%
// interval drawn over processes and their visits (`nestedMedianInterval` in bench/lib/stats.mjs).
//   node bench/experiments/sliced-ratios.mjs /tmp/slices.json [base=noop]
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { median, nestedMedianInterval } from '../lib/stats.mjs';

/**
 * slices: [{ b, p, c, name, cpu, ok }] (visit block, process, cycle, app, CPU ns, requests). Returns one row per app
 * other than `base`: { name, median, low, high, perProcess, cycles }.
 */
export function slicedRatios(slices, base = 'noop') {
  const cycles = new Map();
  for (const s of slices) {
    const key = `${s.b}/${s.p}/${s.c}`;
    if (!cycles.has(key)) cycles.set(key, { b: s.b, p: s.p, cost: {} });
    cycles.get(key).cost[s.name] = s.cpu / s.ok;
  }
  const names = [...new Set(slices.map((s) => s.name))].filter((name) => name !== base);
  const processes = [...new Set([...cycles.values()].map((c) => c.p))].sort((x, y) => x - y);
  return names.map((name) => {
    // process → visit → that visit's cycle ratios
    const byProcess = new Map(processes.map((p) => [p, new Map()]));
    for (const c of cycles.values()) {
      if (c.cost[base] === undefined || c.cost[name] === undefined) continue;
      const visits = byProcess.get(c.p);
      if (!visits.has(c.b)) visits.set(c.b, []);
      visits.get(c.b).push(c.cost[base] / c.cost[name]);
    }
    const groups = processes.map((p) => [...byProcess.get(p).values()]);
    return { name, ...nestedMedianInterval(groups), perProcess: groups.map((visits) => median(visits.flat())), cycles: groups.flat(2).length };
  });
}

export function printRatios(rows, base) {
  for (const r of rows) {
    console.log(`${base}/${r.name}: ${r.median.toFixed(3)} (95% ${r.low.toFixed(3)}–${r.high.toFixed(3)}; ${r.cycles} cycles; per process ${r.perProcess.map((x) => x.toFixed(3)).join(' ')})`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [file, base = 'noop'] = process.argv.slice(2);
  if (file === undefined) throw new Error('usage: node bench/experiments/sliced-ratios.mjs <dump.json> [base]');
  printRatios(slicedRatios(JSON.parse(readFileSync(file, 'utf8')), base), base);
}
