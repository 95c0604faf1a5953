// Ad-hoc (issue 25): instructions per request in app servers, counted by valgrind's callgrind (exact counts, unmoved by
// other work on the machine), over a window of identical load, collection switched on and off with callgrind_control.
//   node bench/experiments/callgrind.mjs express noop,gated 3000 2000
// Writes /tmp/cg/<framework>-<variant>.out-<thread> (01: the main thread, where JavaScript runs); compare with callgrind_annotate (per function, node's builtins and runtime
// by name, JIT code as addresses).
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { startChild } from '../lib/child.mjs';
import { runLoad } from '../lib/load.mjs';

const [framework = 'express', list = 'noop,gated', warm = '3000', amount = '2000'] = process.argv.slice(2);
const connections = Number(process.env.CONNECTIONS ?? 32);
mkdirSync('/tmp/cg', { recursive: true });
const mock = await startChild('mock', {});
await mock.call('grant', ['user_0']);
const headers = { authorization: 'Bearer token_0' };
for (const name of list.split(',')) {
  const [variant, ...flags] = name.split(':');
  const out = `/tmp/cg/${framework}-${name.replaceAll(':', '_')}.out`;
  for (const file of readdirSync('/tmp/cg')) if (`/tmp/cg/${file}`.startsWith(out)) rmSync(`/tmp/cg/${file}`, { force: true });
  const wrapper = ['/usr/bin/valgrind', '--tool=callgrind', '--instr-atstart=no', '--smc-check=all-non-file', `--callgrind-out-file=${out}`, '--quiet', '--separate-threads=yes'];
  const server = await startChild('app', { framework, variant: variant.replace(/[0-9]+$/, ''), flags, licenzy: { url: mock.info.url, apiKey: mock.info.apiKey }, cache: { ttl: 3_600_000 }, users: 1 }, { pin: true, execArgv: ['--expose-gc', '--perf-basic-prof'], wrapper });
  await server.call('warm', ['user_0']);
  await runLoad({ url: `${server.info.url}/pro`, connections, amount: Number(warm), headers });
  await server.call('settle');
  await runLoad({ url: `${server.info.url}/pro`, connections, amount: Number(warm), headers });
  execFileSync('callgrind_control', ['--instr=on', String(server.pid)]);
  await server.call('countStart');
  const r = await runLoad({ url: `${server.info.url}/pro`, connections, amount: Number(amount), headers });
  const c = await server.call('countStop');
  execFileSync('callgrind_control', ['--instr=off', String(server.pid)]);
  await server.stop();
  const total = Number(readFileSync(`${out}-01`, 'utf8').match(/^totals: (\d+)/m)?.[1]); // the main thread
  // V8's map of its generated code (--perf-basic-prof) names the JIT addresses in the callgrind files: cg-names.py.
  copyFileSync(`/tmp/perf-${server.pid}.map`, `${out}.map`);
  console.log(`${framework} ${name}: ${r.ok} requests, ${total} Ir, ${(total / r.ok).toFixed(0)} Ir/req; ${(c.total / r.ok).toFixed(0)} B/req, ${(c.loops / r.ok).toFixed(3)} loops/req, ${c.gcs} GCs (${c.scavenges} scavenges)`);
}
await mock.stop();
process.exit(0);
