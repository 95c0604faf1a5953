// Ad-hoc (issue 25): benchmark 1's allocation measurement alone (bench/lib/ab.mjs allocationRuns), several processes
// per variant pooled per round, each variant against the first:
//   node bench/experiments/alloc-window.mjs express noop,control:noop,gated 3 4 1
import { startChild } from '../lib/child.mjs';
import { allocationRuns } from '../lib/ab.mjs';
import { runLoad } from '../lib/load.mjs';
import { median } from '../lib/stats.mjs';

const [framework = 'express', list = 'noop,control:noop,gated', copies = '3', rounds = '4', seconds = '1'] = process.argv.slice(2);
const mock = await startChild('mock', {});
await mock.call('grant', ['user_0']);
const headers = { authorization: 'Bearer token_0' };
const servers = {};
const names = list.split(',');
for (const name of names) {
  const [variant, ...flags] = name.split(':').filter((part) => part !== 'control');
  for (let n = 1; n <= Number(copies); n++) {
    const key = `${name}#${n}`;
    servers[key] = await startChild('app', { framework, variant, flags, licenzy: { url: mock.info.url, apiKey: mock.info.apiKey }, cache: { ttl: 3_600_000 }, users: 1 }, { pin: true, execArgv: ['--expose-gc'] });
    await servers[key].call('warm', ['user_0']);
    await runLoad({ url: `${servers[key].info.url}/pro`, connections: 32, duration: 1, headers });
    await servers[key].call('settle');
  }
}
const runs = await allocationRuns({ servers, rounds: Number(rounds), seconds: Number(seconds), connections: 32, headers, pauseIdle: true });
const pooled = (name, i) => {
  const list = Object.keys(servers).filter((key) => key.startsWith(`${name}#`)).map((key) => runs[key][i]);
  return list.reduce((sum, r) => sum + r.allocated, 0) / list.reduce((sum, r) => sum + r.requests, 0);
};
for (const [key, list] of Object.entries(runs)) console.log(key.padEnd(22), list.map((r) => `${r.bytes.toFixed(0)}/${r.young.toFixed(0)} (${r.requests} req, ${r.scavenges} sc)`).join("  "));
for (const [key, list] of Object.entries(runs)) console.log(key.padEnd(22), list.map((r) => `${r.bytes.toFixed(0)}/${r.young.toFixed(0)} (${r.requests} req, ${r.scavenges} sc)`).join('  '));
for (const name of names) {
  const per = Array.from({ length: Number(rounds) }, (_, i) => pooled(name, i));
  const diff = per.map((x, i) => x - pooled(names[0], i));
  console.log(`${framework} ${name.padEnd(18)} ${median(per).toFixed(1)} B/req; minus ${names[0]}: ${median(diff).toFixed(1)} B (rounds ${diff.map((x) => x.toFixed(1)).join(' ')})`);
}
await Promise.all(Object.values(servers).map((s) => s.stop()));
await mock.stop();
process.exit(0);
