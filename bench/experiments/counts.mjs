// Ad-hoc (issue 25): counts, not times, in app servers under identical load, read in each server process: bytes
// allocated per request (V8's GCProfiler), scavenges, event-loop iterations and events per request (libuv's metrics),
// and CPU per request for reference. Robust to a busy machine where CPU ratios are not.
//   node bench/experiments/counts.mjs express noop,noop2,gated,gated:now=date 4 20000
// A variant is `<app variant>[:flag…]` (see bench/children/app.mjs); a trailing number names another process of it.
import { startChild } from '../lib/child.mjs';
import { runLoad } from '../lib/load.mjs';
import { median } from '../lib/stats.mjs';

const [framework = 'express', list = 'noop,noop2,gated', rounds = '4', amount = '20000'] = process.argv.slice(2);
const connections = Number(process.env.CONNECTIONS ?? 32);
const mock = await startChild('mock', {});
await mock.call('grant', ['user_0']);
const headers = { authorization: 'Bearer token_0' };
const servers = {};
for (const name of list.split(',')) {
  const [variant, ...flags] = name.split(':');
  servers[name] = await startChild('app', { framework, variant: variant.replace(/[0-9]+$/, ''), flags, licenzy: { url: mock.info.url, apiKey: mock.info.apiKey }, cache: { ttl: 3_600_000 }, users: 1 }, { pin: true, execArgv: ['--expose-gc'] });
  await servers[name].call('warm', ['user_0']);
  await runLoad({ url: `${servers[name].info.url}/pro`, connections, duration: 1, headers });
  await servers[name].call('settle');
}
const per = Object.fromEntries(Object.keys(servers).map((k) => [k, []]));
for (let round = 0; round < Number(rounds); round++) {
  for (const [name, server] of Object.entries(servers)) {
    await server.call('countStart');
    const r = await runLoad({ url: `${server.info.url}/pro`, connections, amount: Number(amount), headers });
    const c = await server.call('countStop');
    per[name].push({ bytes: c.total / r.ok, young: c.young / r.ok, scavenges: (c.scavenges / r.ok) * 1000, loops: c.loops / r.ok, events: c.events / r.ok, cpu: c.cpu / r.ok, perSecond: c.loops / r.seconds });
  }
}
const base = Object.keys(servers)[0];
const m = (runs, key) => median(runs.map((x) => x[key]));
for (const [name, runs] of Object.entries(per)) {
  const d = runs.map((x, i) => x.bytes - per[base][i].bytes);
  console.log(`${framework} ${name.padEnd(20)} ${m(runs, 'bytes').toFixed(0).padStart(6)} B/req (${name === base ? '' : `−${base} ${median(d).toFixed(1)} B: ${d.map((x) => x.toFixed(0)).join(' ')}; `}young ${m(runs, 'young').toFixed(0)}), scavenges/1000 req ${m(runs, 'scavenges').toFixed(2)}, loop iterations/req ${m(runs, 'loops').toFixed(3)} (${m(runs, 'perSecond').toFixed(0)}/s), events/req ${m(runs, 'events').toFixed(3)}, CPU ${m(runs, 'cpu').toFixed(1)} µs/req`);
}
await Promise.all(Object.values(servers).map((s) => s.stop()));
await mock.stop();
process.exit(0);
