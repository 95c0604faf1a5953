// Candidate harness for benchmark 1: apps of one server process loaded in short alternating slices, the server's CPU
// read from /proc between slices. Prints per-block ratios against the first name (an A/A when it is a second copy), then
// benchmark 1's cycle-by-cycle medians with a 95% interval over processes and visits (sliced-ratios.mjs).
//   node bench/experiments/sliced-ab.mjs fastify noop,control,gated 3 10 20 25
//   (framework, apps, processes, blocks, cycles per block, slice ms)
import { startChild } from '../lib/child.mjs';
import { settledAppProcess } from '../lib/app-processes.mjs';
import { carryoverBalanced, creationOrder, slicedLoad } from '../lib/sliced.mjs';
import { median } from '../lib/stats.mjs';
import { printRatios, slicedRatios } from './sliced-ratios.mjs';

const [framework = 'fastify', list = 'noop,control,gated', copies = '3', blocks = '10', cycles = '20', sliceMs = '25'] = process.argv.slice(2);
const names = list.split(',');
(await import('node:child_process')).execSync(`taskset -a -cp 0 ${process.pid}`, { stdio: 'ignore' });
const mock = await startChild('mock', {});
await mock.call('grant', ['user_0']);
const headers = { authorization: 'Bearer token_0' };
const processes = [];
for (let n = 0; n < Number(copies); n++) {
  const child = await settledAppProcess({ framework, names, n, mock, headers, variant: (name) => (name === 'control' ? 'noop' : name.replace(/[0-9]+$/, '')) });
  child.load = await slicedLoad({ pid: child.pid, urls: Object.fromEntries(creationOrder(names, n).map((name) => [name, child.info.urls[name]])), connections: Number(process.env.CONNS ?? 32), headers });
  processes.push(child);
}
for (const child of processes) process.kill(child.pid, 'SIGSTOP');
// acc[block][name] = { cpu, ok } pooled over processes
const acc = Array.from({ length: Number(blocks) }, () => Object.fromEntries(names.map((name) => [name, { cpu: 0, ok: 0 }])));
const perProc = processes.map(() => Object.fromEntries(names.map((name) => [name, []])));
const sequences = carryoverBalanced(names.length);
// Each process walks the orders in turn across its visits (its unkept first cycles included), so that over the run
// every app follows every other equally often in each process; `prev` in the dump is the app loaded just before.
const nextOrder = processes.map(() => 0);
const started = Date.now();
const slices = [];
for (let b = -1; b < Number(blocks); b++) {
  for (let q = 0; q < processes.length; q++) {
    const p = (q + Math.max(b, 0)) % processes.length;
    const child = processes[p];
    process.kill(child.pid, 'SIGCONT');
    const local = Object.fromEntries(names.map((name) => [name, { cpu: 0, ok: 0 }]));
    // an unkept first cycle after the switch (c = -1)
    let prev;
    for (let c = -1; c < (b < 0 ? 4 : Number(cycles)); c++) {
      const order = sequences[nextOrder[p]++ % sequences.length];
      for (let k = 0; k < names.length; k++) {
        const name = names[order[k]];
        const s = await child.load.slice(name, Number(sliceMs));
        if (s.other > 0) throw new Error(`${name}: ${s.other} non-2xx`);
        const before = prev;
        prev = name;
        if (c < 0) continue;
        if (b >= 0) slices.push({ b, p, c, k, name, prev: before, cpu: s.cpuNs, ok: s.ok, ms: s.ms });
        local[name].cpu += s.cpuNs;
        local[name].ok += s.ok;
      }
    }
    process.kill(child.pid, 'SIGSTOP');
    if (b < 0) continue;
    for (const name of names) {
      acc[b][name].cpu += local[name].cpu;
      acc[b][name].ok += local[name].ok;
      perProc[p][name].push(local[name].cpu / local[name].ok);
    }
  }
}
const base = names[0];
const cpr = (x) => x.cpu / x.ok / 1000;
for (const name of names) {
  const ratios = acc.map((a) => cpr(a[base]) / cpr(a[name]));
  const per = perProc.map((pp) => median(pp[base].map((x, i) => x / pp[name][i])).toFixed(3));
  console.log(`${name.padEnd(8)} ${median(acc.map((a) => cpr(a[name]))).toFixed(2)} µs/req  ${base}/${name} ${median(ratios).toFixed(3)} (${Math.min(...ratios).toFixed(3)}–${Math.max(...ratios).toFixed(3)}) blocks ${ratios.map((r) => r.toFixed(3)).join(' ')} | per process ${per.join(' ')}`);
}
// Benchmark 1's estimator (cycle by cycle, median), with a two-level bootstrap interval: see sliced-ratios.mjs.
printRatios(slicedRatios(slices, base), base);
console.log(`${((Date.now() - started) / 1000).toFixed(0)} s; requests per slice ~${Math.round(acc[0][base].ok / processes.length / Number(cycles))}`);
if (process.env.DUMP) (await import('node:fs')).writeFileSync(process.env.DUMP, JSON.stringify(slices));
for (const child of processes) { process.kill(child.pid, 'SIGCONT'); child.load.close(); }
await Promise.all(processes.map((s) => s.stop()));
await mock.stop();
process.exit(0);
