// Ad-hoc: process.nextTick cost inside app servers after load (are some processes' tick queues slower?).
import { startChild } from '../lib/child.mjs';
import { runLoad } from '../lib/load.mjs';
const [framework = 'fastify', list = 'loaded,gated', seconds = '3'] = process.argv.slice(2);
const mock = await startChild('mock', {});
await mock.call('grant', ['user_0']);
for (const v of list.split(',')) {
  const [variant, ...flags] = v.split(':');
  const child = await startChild('app', { framework, variant: variant.replace(/[0-9]+$/, ''), flags, licenzy: { url: mock.info.url, apiKey: mock.info.apiKey }, cache: { ttl: 3_600_000 }, users: 1 }, { pin: true });
  await child.call('warm', ['user_0']);
  const before = [await child.call('tickCost'), await child.call('tickCost')];
  await runLoad({ url: `${child.info.url}/pro`, duration: Number(seconds), connections: 32, headers: { authorization: 'Bearer token_0' } });
  const after = [await child.call('tickCost'), await child.call('tickCost'), await child.call('tickCost')];
  console.log(v.padEnd(16), 'nextTick ns before load', before.map((x) => x.toFixed(0)).join(' '), '| after load', after.map((x) => x.toFixed(0)).join(' '));
  await child.stop();
}
await mock.stop();
process.exit(0);
