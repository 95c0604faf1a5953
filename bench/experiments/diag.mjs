import { startChild } from '../lib/child.mjs';
import { runLoad } from '../lib/load.mjs';
const [framework = 'fastify', list = 'loaded,gated'] = process.argv.slice(2);
const kind = (v) => v.split(':')[0].replace(/[0-9]+$/, '');
const mock = await startChild('mock', {});
await mock.call('grant', ['user_0']);
for (const v of list.split(',')) {
  const child = await startChild('app', { framework, variant: kind(v), flags: v.split(':').slice(1), licenzy: { url: mock.info.url, apiKey: mock.info.apiKey }, cache: { ttl: 3_600_000 }, users: 1 }, { pin: true, execArgv: ['--expose-internals', '--allow-natives-syntax'] });
  await child.call('warm', ['user_0']);
  const d0 = await child.call('diag');
  await runLoad({ url: `${child.info.url}/pro`, duration: 2, connections: 32, headers: { authorization: 'Bearer token_0' } });
  console.log(v, JSON.stringify(d0), JSON.stringify(await child.call('diag')), 'tick', (await child.call('tickCost')).toFixed(0));
  await child.stop();
}
await mock.stop();
process.exit(0);
