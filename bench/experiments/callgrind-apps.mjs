// Ad-hoc (issue 25): instructions per request of several apps in ONE server process (as benchmark 1 runs them), counted
// by valgrind's callgrind over windows of identical load, one app at a time, collection switched on and off and dumped
// per window with callgrind_control. Apps share the process's compiled framework and Node code, so the difference
// between two of them is what their own middleware costs in instructions, not how two processes compiled the rest.
//   node bench/experiments/callgrind-apps.mjs koa noop,control,gated 3000 2000 2
// Writes /tmp/cga/<framework>.out.<dump>-01 (main thread) and a summary line per window; names in /tmp/cga/<framework>.out.map.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { startChild } from '../lib/child.mjs';
import { runLoad } from '../lib/load.mjs';

const [framework = 'koa', list = 'noop,control,gated', warm = '3000', amount = '2000', roundsArg = '2'] = process.argv.slice(2);
const names = list.split(',');
const APP = (name) => (name === 'control' ? 'noop' : name.replace(/[0-9]+$/, ''));
const connections = Number(process.env.CONNECTIONS ?? 32);
const flags = (process.env.FLAGS ?? '').split(',').filter(Boolean);
mkdirSync('/tmp/cga', { recursive: true });
const out = `/tmp/cga/${framework}.out`;
for (const file of readdirSync('/tmp/cga')) if (`/tmp/cga/${file}`.startsWith(out)) rmSync(`/tmp/cga/${file}`, { force: true });
const mock = await startChild('mock', {});
await mock.call('grant', ['user_0']);
const headers = { authorization: 'Bearer token_0' };
// CG_FLAGS: more callgrind options, e.g. '--cache-sim=yes --branch-sim=yes' (cache misses and branch mispredictions).
const wrapper = ['/usr/bin/valgrind', '--tool=callgrind', '--instr-atstart=no', '--smc-check=all-non-file', `--callgrind-out-file=${out}`, '--quiet', '--separate-threads=yes', ...(process.env.CG_FLAGS ?? '').split(' ').filter(Boolean)];
const server = await startChild('app', { framework, variant: 'bare', flags, apps: Object.fromEntries(names.map((n) => [n, APP(n)])), licenzy: { url: mock.info.url, apiKey: mock.info.apiKey }, cache: { ttl: 3_600_000 }, users: 1 }, { pin: true, execArgv: ['--expose-gc', '--perf-basic-prof', ...(process.env.EXTRA_ARGS ?? '').split(' ').filter(Boolean)], wrapper });
await server.call('warm', ['user_0']);
for (const n of names) await runLoad({ url: `${server.info.urls[n]}/pro`, connections, amount: Number(warm), headers });
await server.call('settle');
for (const n of names) await runLoad({ url: `${server.info.urls[n]}/pro`, connections, amount: Number(warm), headers });
const totals = Object.fromEntries(names.map((n) => [n, []]));
let dump = 0;
for (let round = 0; round < Number(roundsArg); round++) {
  const order = names.map((_, k) => names[(k + round) % names.length]);
  for (const n of order) {
    await runLoad({ url: `${server.info.urls[n]}/pro`, connections, amount: 300, headers }); // unkept: the switch of app
    execFileSync('callgrind_control', ['-z', String(server.pid)]);
    execFileSync('callgrind_control', ['--instr=on', String(server.pid)]);
    const r = await runLoad({ url: `${server.info.urls[n]}/pro`, connections, amount: Number(amount), headers });
    execFileSync('callgrind_control', ['--instr=off', String(server.pid)]);
    execFileSync('callgrind_control', ['-d', `${n}-${round}`, String(server.pid)]);
    dump++;
    const file = readdirSync('/tmp/cga').filter((f) => f.startsWith(`${framework}.out.${dump}-`)).find((f) => f.endsWith('-01'));
    const text = readFileSync(`/tmp/cga/${file}`, 'utf8');
    const events = text.match(/^events: (.*)$/m)[1].split(' ');
    const counts = text.match(/^totals: (.*)$/m)[1].split(' ').map(Number);
    const total = counts[0];
    if (events.length > 1) console.log(`  ${n}: ${events.map((e, k) => `${e} ${(counts[k] / r.ok).toFixed(1)}`).join(', ')} per request`);
    totals[n].push(total / r.ok);
    console.log(`${framework} ${n} round ${round}: ${r.ok} requests, ${(total / r.ok).toFixed(0)} Ir/req (${file})`);
  }
}
copyFileSync(`/tmp/perf-${server.pid}.map`, `${out}.map`);
await server.stop();
await mock.stop();
for (const n of names) console.log(`${framework} ${n}: ${totals[n].map((t) => t.toFixed(0)).join(' ')} Ir/req`);
process.exit(0);
