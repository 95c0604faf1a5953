// Ad-hoc (issue 25): CPU profiles of apps of ONE process (as benchmark 1 runs them) under identical load, alternating
// apps for `windows` windows each; prints the functions whose self time per request differs most between two apps.
//   node bench/experiments/profile-apps.mjs express noop,gated 6 2
import { startChild } from '../lib/child.mjs';
import { runLoad } from '../lib/load.mjs';

const [framework = 'express', list = 'noop,gated', windows = '6', seconds = '2'] = process.argv.slice(2);
const names = list.split(',');
const variantOf = (name) => (name === 'control' ? 'noop' : name.replace(/[0-9]+$/, ''));
const mock = await startChild('mock', {});
await mock.call('grant', ['user_0']);
const headers = { authorization: 'Bearer token_0' };
const child = await startChild('app', { framework, variant: 'bare', apps: Object.fromEntries(names.map((name) => [name, variantOf(name)])), licenzy: { url: mock.info.url, apiKey: mock.info.apiKey }, cache: { ttl: 3_600_000 }, users: 1 }, { pin: true, execArgv: ['--expose-gc'] });
await child.call('warm', ['user_0']);
for (const name of names) await runLoad({ url: `${child.info.urls[name]}/pro`, connections: 32, duration: 0.5, headers });
await child.call('settle');
const self = Object.fromEntries(names.map((name) => [name, new Map()]));
const requests = Object.fromEntries(names.map((name) => [name, 0]));
for (let w = 0; w < Number(windows); w++) {
  for (let k = 0; k < names.length; k++) {
    const name = names[(k + w) % names.length];
    await runLoad({ url: `${child.info.urls[name]}/pro`, connections: 32, duration: 0.3, headers });
    await child.call('profileStart', 100);
    const r = await runLoad({ url: `${child.info.urls[name]}/pro`, connections: 32, duration: Number(seconds), headers });
    const profile = JSON.parse(await child.call('profileStop'));
    requests[name] += r.ok;
    const byId = new Map(profile.nodes.map((node) => [node.id, node]));
    const dt = new Map();
    profile.samples.forEach((id, i) => dt.set(id, (dt.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
    for (const [id, us] of dt) {
      const { callFrame: f } = byId.get(id);
      const key = `${f.functionName || '(anon)'} ${f.url.split('/').slice(-2).join('/')}:${f.lineNumber}`;
      self[name].set(key, (self[name].get(key) ?? 0) + us);
    }
  }
}
const [a, b] = names;
const keys = new Set([...self[a].keys(), ...self[b].keys()]);
const per = (name, key) => (self[name].get(key) ?? 0) / requests[name];
const total = (name) => [...self[name].values()].reduce((s, v) => s + v, 0) / requests[name];
console.log(`${a} ${total(a).toFixed(2)} µs/req sampled, ${b} ${total(b).toFixed(2)} µs/req`);
const rows = [...keys].map((key) => [key, per(b, key) - per(a, key), per(a, key), per(b, key)]).sort((x, y) => Math.abs(y[1]) - Math.abs(x[1]));
for (const [key, d, x, y] of rows.slice(0, 25)) console.log(`${d >= 0 ? '+' : ''}${d.toFixed(3)} µs  (${x.toFixed(3)} → ${y.toFixed(3)})  ${key}`);
await child.stop();
await mock.stop();
process.exit(0);
