// Ad-hoc (issue 25): per app of one process (as benchmark 1 runs them), under the same load: CPU, main-thread GC time
// (V8's GCProfiler `cost`), scavenges and bytes allocated per request. Does an app's middleware make the GC work more?
//   node bench/experiments/gc-share.mjs express noop,control,gated,weakmap 3 4 20000
import { startChild } from '../lib/child.mjs';
import { runLoad } from '../lib/load.mjs';
import { median } from '../lib/stats.mjs';

const [framework = 'express', list = 'noop,control,gated', copies = '3', rounds = '4', amount = '20000'] = process.argv.slice(2);
const names = list.split(',');
const variantOf = (name) => (name === 'control' ? 'noop' : name.replace(/[0-9]+$/, ''));
const mock = await startChild('mock', {});
await mock.call('grant', ['user_0']);
const headers = { authorization: 'Bearer token_0' };
const per = Object.fromEntries(names.map((name) => [name, []]));
for (let n = 0; n < Number(copies); n++) {
  const order = names.map((_, k) => names[(k + n) % names.length]);
  const child = await startChild('app', { framework, variant: 'bare', apps: Object.fromEntries(order.map((name) => [name, variantOf(name)])), licenzy: { url: mock.info.url, apiKey: mock.info.apiKey }, cache: { ttl: 3_600_000 }, users: 1 }, { pin: true, execArgv: ['--expose-gc'] });
  await child.call('warm', ['user_0']);
  for (const name of names) await runLoad({ url: `${child.info.urls[name]}/pro`, connections: 32, duration: 0.5, headers });
  await child.call('settle');
  for (let round = 0; round < Number(rounds); round++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(k + round) % names.length];
      await runLoad({ url: `${child.info.urls[name]}/pro`, connections: 32, duration: 0.2, headers });
      await child.call('countStart');
      const r = await runLoad({ url: `${child.info.urls[name]}/pro`, connections: 32, amount: Number(amount), headers });
      const c = await child.call('countStop');
      per[name].push({ bytes: c.total / r.ok, gc: c.gcCost / r.ok, scavenges: (c.scavenges / r.ok) * 1000, cpu: c.cpu / r.ok });
    }
  }
  await child.stop();
}
const m = (runs, key) => median(runs.map((x) => x[key]));
for (const [name, runs] of Object.entries(per)) {
  console.log(`${framework} ${name.padEnd(10)} CPU ${m(runs, 'cpu').toFixed(2)} µs/req, GC (main thread) ${m(runs, 'gc').toFixed(3)} µs/req, scavenges/1000 req ${m(runs, 'scavenges').toFixed(2)}, ${m(runs, 'bytes').toFixed(0)} B/req`);
}
await mock.stop();
process.exit(0);
