// Ad-hoc: CPU profiles of app servers (bare vs gated) under identical load; prints self-time per function.
// node bench/experiments/profile.mjs fastify bare,gated 4
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { startChild } from '../lib/child.mjs';
import { runLoad } from '../lib/load.mjs';

const [framework = 'fastify', variants = 'bare,gated', seconds = '4', extra = ''] = process.argv.slice(2);
const kindOf = (v) => v.split(':')[0].replace(/[0-9]+$/, '');
const mock = await startChild('mock', {});
await mock.call('grant', ['user_0']);
const out = {};
for (const variant of variants.split(',')) {
  const dir = `/tmp/prof/${framework}-${variant}`;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const execArgv = extra ? extra.split(' ') : [];
  const child = await startChild('app', { framework, variant: kindOf(variant) === 'control' ? 'bare' : kindOf(variant), flags: variant.split(':').slice(1), licenzy: { url: mock.info.url, apiKey: mock.info.apiKey }, cache: { ttl: 3_600_000 }, users: 1 }, { pin: true, execArgv });
  await child.call('warm', ['user_0']);
  const load = { connections: 32, headers: { authorization: 'Bearer token_0' } };
  await runLoad({ url: `${child.info.url}/pro`, duration: 1.5, ...load });
  await child.call('profileStart');
  const c0 = await child.call('cpu');
  const r = await runLoad({ url: `${child.info.url}/pro`, duration: Number(seconds), ...load });
  const cpu = (await child.call('cpu')) - c0;
  const prof = JSON.parse(await child.call('profileStop'));
  writeFileSync(`${dir}/window.cpuprofile`, JSON.stringify(prof));
  await child.stop();
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const dt = prof.timeDeltas;
  for (let i = 0; i < prof.samples.length; i++) {
    const n = byId.get(prof.samples[i]);
    const key = `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').slice(-2).join('/')}:${n.callFrame.lineNumber}`;
    self.set(key, (self.get(key) ?? 0) + (dt[i] ?? 0));
  }
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  out[variant] = { self, total, cpuPerReq: cpu / r.ok, rps: r.rps, requests: r.ok };
  console.log(`${variant}: ${Math.round(r.rps)} req/s, ${(cpu / r.ok).toFixed(2)} µs CPU/req`);
}
const names = Object.keys(out);
const keys = new Set(names.flatMap((v) => [...out[v].self.keys()]));
const rows = [...keys].filter((k) => !k.startsWith('(idle)')).map((k) => [k, ...names.map((v) => (out[v].self.get(k) ?? 0) / out[v].requests)]);
rows.sort((a, b) => Math.abs(b[2] - b[1]) - Math.abs(a[2] - a[1]));
for (const r of rows.slice(0, Number(process.env.TOP ?? 45))) console.log(r.slice(1).map((x) => x.toFixed(2).padStart(6)).join(' '), r[0]);
await mock.stop();
process.exit(0);
