// Like cpu-ab.mjs, with several processes per variant, pooled per round (the variant's CPU ÷ its requests) and every
// server settled first (traffic, then full GCs while idle), as benchmark 1 does:
//   node bench/experiments/cpu-ab-pooled.mjs express bare,control,gated 3 8 1
// A trailing number names a second set of the same variant (noop,noop2,gated: noop2 is the empty middleware's A/A).
import { startChild } from '../lib/child.mjs';
import { interleavedRuns, pairedRatios } from '../lib/ab.mjs';
import { runLoad } from '../lib/load.mjs';
import { median } from '../lib/stats.mjs';

const [framework = 'fastify', list = 'bare,gated', copies = '3', rounds = '8', duration = '1'] = process.argv.slice(2);
const variants = list.split(',');
const mock = await startChild('mock', {});
await mock.call('grant', ['user_0']);
const headers = { authorization: 'Bearer token_0' };
const servers = {};
for (const v of variants) {
  const [variant, ...flags] = v.split(':');
  for (let n = 1; n <= Number(copies); n++) {
    const key = `${v}#${n}`;
    servers[key] = await startChild('app', { framework, variant: variant === 'control' ? 'bare' : variant.replace(/[0-9]+$/, ''), flags, licenzy: { url: mock.info.url, apiKey: mock.info.apiKey }, cache: { ttl: 3_600_000 }, users: 1 }, { pin: true, execArgv: ['--expose-gc', ...(process.env.V8FLAGS ? process.env.V8FLAGS.split(' ') : [])] });
    await servers[key].call('warm', ['user_0']);
    await runLoad({ url: `${servers[key].info.url}/pro`, connections: 32, duration: 0.5, headers });
    await servers[key].call('settle');
  }
}
const runs = await interleavedRuns({ servers, rounds: Number(rounds), duration: Number(duration), warmup: 1, connections: 32, headers, label: framework, pauseIdle: Boolean(process.env.PAUSE) });
const pooled = Object.fromEntries(variants.map((v) => [v, Array.from({ length: Number(rounds) }, (_, i) => {
  const list = Object.keys(servers).filter((k) => k.startsWith(`${v}#`)).map((k) => runs[k][i]);
  const ok = list.reduce((s, r) => s + r.ok, 0);
  return { cpuPerRequest: list.reduce((s, r) => s + r.cpuPerRequest * r.ok, 0) / ok };
})]));
for (const v of variants) {
  const r = pairedRatios(pooled[variants[0]], pooled[v], (a, b) => a.cpuPerRequest / b.cpuPerRequest);
  console.log(`${v.padEnd(24)} ${median(pooled[v].map((x) => x.cpuPerRequest)).toFixed(2)} µs/req  ${variants[0]}/${v} CPU ${r.median.toFixed(3)} (${r.min.toFixed(3)}–${r.max.toFixed(3)})`);
}
await Promise.all(Object.values(servers).map((s) => s.stop()));
await mock.stop();
process.exit(0);
