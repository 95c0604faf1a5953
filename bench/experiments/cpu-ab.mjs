// Ad-hoc A/B of app variants on CPU per request: node bench/experiments/cpu-ab.mjs fastify bare,control,gated 8 2
import { startChild } from '../lib/child.mjs';
import { interleavedRuns, cpuRatio } from '../lib/ab.mjs';
import { median } from '../lib/stats.mjs';

const [framework = 'fastify', list = 'bare,control,gated', rounds = '8', duration = '2'] = process.argv.slice(2);
const variants = list.split(',');
const mock = await startChild('mock', {});
await mock.call('grant', ['user_0']);
const servers = {};
for (const v of variants) {
  const [variant, ...flags] = v.split(":"); const kind = variant.replace(/[0-9]+$/, "");
  servers[v] = await startChild('app', { framework, variant: kind === "control" ? "bare" : kind, flags, licenzy: { url: mock.info.url, apiKey: mock.info.apiKey }, cache: { ttl: 3_600_000 }, users: 1 }, { pin: true, execArgv: [...(flags.some((f) => f.startsWith('core=')) ? ['--require', new URL('./redirect-core.cjs', import.meta.url).pathname] : []), ...flags.filter((f) => f.startsWith('v8=')).map((f) => f.slice(3)), ...(process.env.SETTLE ? ['--expose-gc'] : [])] });
  if (!process.env.NOWARM) await servers[v].call('warm', ['user_0']);
}
if (process.env.SETTLE) {
  // As benchmark 1: traffic, then full GCs while idle, in every server.
  const { runLoad } = await import('../lib/load.mjs');
  for (const v of variants) {
    await runLoad({ url: `${servers[v].info.url}/pro`, connections: 32, duration: 0.5, headers: { authorization: 'Bearer token_0' } });
    await servers[v].call('settle');
  }
}
const runs = await interleavedRuns({ servers, rounds: Number(rounds), duration: Number(duration), warmup: 1.5, connections: 32, headers: { authorization: 'Bearer token_0' }, label: framework });
for (const v of variants) {
  const r = cpuRatio(runs[variants[0]], runs[v]);
  console.log(`${v.padEnd(22)} ${median(runs[v].map((x) => x.rps)).toFixed(0).padStart(7)} req/s  ${median(runs[v].map((x) => x.cpuPerRequest)).toFixed(2)} µs/req busy ${median(runs[v].map((x) => x.serverBusy)).toFixed(2)} p50 ${median(runs[v].map((x) => x.p50)).toFixed(2)}ms ${variants[0]}/${v} CPU ${r.median.toFixed(3)} (${r.min.toFixed(3)}–${r.max.toFixed(3)}) [${r.list.map((x) => x.toFixed(3)).join(' ')}]`);
}
await Promise.all(Object.values(servers).map((s) => s.stop()));
await mock.stop();
process.exit(0);
