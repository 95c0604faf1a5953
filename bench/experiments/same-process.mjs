// Benchmark 1's design candidate: every variant as its own app in ONE server process (a port each), several processes,
// the CPU per request of each app read over windows where only it is loaded. Per-process ratios, then pooled:
//   node bench/experiments/same-process.mjs koa bare,noop,control,gated 3 8 1 [flag,...]
import { startChild } from '../lib/child.mjs';
import { inProcessRuns, pairedRatios } from '../lib/ab.mjs';
import { runLoad } from '../lib/load.mjs';
import { median } from '../lib/stats.mjs';

const [framework = 'koa', list = 'bare,noop,control,gated', copies = '3', rounds = '8', duration = '1', flagList = ''] = process.argv.slice(2);
const names = list.split(',');
const flags = flagList ? flagList.split(',') : [];
const variantOf = (name) => (name === 'control' ? 'noop' : name.replace(/[0-9]+$/, ''));
if (process.env.PIN_PARENT) (await import('node:child_process')).execSync(`taskset -a -cp 0 ${process.pid}`, { stdio: 'ignore' });
const mock = await startChild('mock', {});
await mock.call('grant', ['user_0']);
const headers = { authorization: 'Bearer token_0' };
const processes = [];
for (let n = 0; n < Number(copies); n++) {
  const child = await startChild('app', { framework, variant: 'bare', routes: process.env.ROUTES === '1', apps: Object.fromEntries(names.map((_, k) => names[(k + n) % names.length]).map((name) => [name, variantOf(name)])), flags, licenzy: { url: mock.info.url, apiKey: mock.info.apiKey }, cache: { ttl: 3_600_000 }, users: 1 }, { pin: true, execArgv: ['--expose-gc', ...(process.env.V8FLAGS ? process.env.V8FLAGS.split(' ') : [])] });
  await child.call('warm', ['user_0']);
  // First requests in this process's rotated order, as benchmark 1 does (polymorphic inline caches check maps in the order first seen).
  for (const name of names.map((_, k) => names[(k + n) % names.length])) await runLoad({ url: `${child.info.urls[name]}/pro`, connections: 32, duration: 0.5, headers });
  await child.call('settle');
  processes.push(child);
}
const byName = await inProcessRuns({ processes, names, rounds: Number(rounds), duration: Number(duration), warmup: 1, connections: 32, headers, label: framework });
const runs = {};
for (const name of names) processes.forEach((_, n) => { runs[`${name}#${n}`] = byName[name][n]; });
const pooled = Object.fromEntries(names.map((v) => [v, Array.from({ length: Number(rounds) }, (_, i) => {
  const l = processes.map((_, n) => runs[`${v}#${n}`][i]);
  const ok = l.reduce((s, r) => s + r.ok, 0);
  return { cpuPerRequest: l.reduce((s, r) => s + r.cpuPerRequest * r.ok, 0) / ok };
})]));
const base = names.includes('noop') ? 'noop' : names[0];
for (const v of names) {
  const r = pairedRatios(pooled[base], pooled[v], (a, b) => a.cpuPerRequest / b.cpuPerRequest);
  const per = processes.map((_, n) => median(runs[`${base}#${n}`].map((x, i) => x.cpuPerRequest / runs[`${v}#${n}`][i].cpuPerRequest)).toFixed(3));
  console.log(`${v.padEnd(10)} ${median(pooled[v].map((x) => x.cpuPerRequest)).toFixed(2)} µs/req  ${base}/${v} ${r.median.toFixed(3)} (${r.min.toFixed(3)}–${r.max.toFixed(3)}) per process ${per.join(' ')}`);
}
await Promise.all(processes.map((s) => s.stop()));
await mock.stop();
process.exit(0);
