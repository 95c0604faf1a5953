// Ad-hoc (issue 25): where app servers allocate under identical load, from V8's sampling heap profiler (objects already
// collected included), per request: the allocating function with its caller chain, compared across variants.
//   node bench/experiments/alloc-sites.mjs express noop,gated 20000 [interval]
import { writeFileSync } from 'node:fs';
import { startChild } from '../lib/child.mjs';
import { runLoad } from '../lib/load.mjs';

const [framework = 'express', list = 'noop,gated', amount = '20000', interval = '128'] = process.argv.slice(2);
const mock = await startChild('mock', {});
await mock.call('grant', ['user_0']);
const headers = { authorization: 'Bearer token_0' };
const out = {};
for (const name of list.split(',')) {
  const [variant, ...flags] = name.split(':');
  const server = await startChild('app', { framework, variant, flags, licenzy: { url: mock.info.url, apiKey: mock.info.apiKey }, cache: { ttl: 3_600_000 }, users: 1 }, { pin: true, execArgv: ['--expose-gc'] });
  await server.call('warm', ['user_0']);
  await runLoad({ url: `${server.info.url}/pro`, connections: 32, duration: 1, headers });
  await server.call('settle');
  await server.call('heapSampleStart', Number(interval));
  const r = await runLoad({ url: `${server.info.url}/pro`, connections: 32, amount: Number(amount), headers });
  const profile = JSON.parse(await server.call('heapSampleStop'));
  writeFileSync(`/tmp/alloc-${framework}-${name}.heapprofile`, JSON.stringify(profile));
  await server.stop();
  // Bytes per request by allocation site: the allocating frame and its two callers.
  const sites = new Map();
  const walk = (node, chain) => {
    const frame = `${node.callFrame.functionName || '(anon)'}@${node.callFrame.url.split('/').slice(-2).join('/')}:${node.callFrame.lineNumber}`;
    const here = [frame, ...chain].slice(0, 3);
    if (node.selfSize > 0) sites.set(here.join(' < '), (sites.get(here.join(' < ')) ?? 0) + node.selfSize / r.ok);
    for (const child of node.children) walk(child, here);
  };
  walk(profile.head, []);
  out[name] = sites;
  const total = [...sites.values()].reduce((a, b) => a + b, 0);
  console.log(`${name}: ${r.ok} requests, sampled ${total.toFixed(0)} B/req`);
}
const names = Object.keys(out);
const keys = new Set(names.flatMap((n) => [...out[n].keys()]));
const rows = [...keys].map((k) => [k, ...names.map((n) => out[n].get(k) ?? 0)]);
rows.sort((a, b) => Math.abs(b[b.length - 1] - b[1]) - Math.abs(a[a.length - 1] - a[1]));
console.log(names.map((n) => n.padStart(8)).join(' '), '  B/req by site (largest differences first)');
for (const row of rows.slice(0, Number(process.env.TOP ?? 30))) console.log(row.slice(1).map((x) => x.toFixed(1).padStart(8)).join(' '), ' ', row[0]);
console.log('--- sites in licenzy-gate code:');
for (const row of rows.filter((r) => r[0].includes('licenzy') || r[0].includes('packages/'))) console.log(row.slice(1).map((x) => x.toFixed(1).padStart(8)).join(' '), ' ', row[0]);
await mock.stop();
process.exit(0);
