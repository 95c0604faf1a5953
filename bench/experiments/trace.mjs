// Ad-hoc: run one app variant under load with extra V8 flags (output to the child's stdout).
import { startChild } from '../lib/child.mjs';
import { runLoad } from '../lib/load.mjs';
const [framework = 'fastify', variant = 'gated', seconds = '4', ...execArgv] = process.argv.slice(2);
const mock = await startChild('mock', {});
await mock.call('grant', ['user_0']);
const child = await startChild('app', { framework, variant, licenzy: { url: mock.info.url, apiKey: mock.info.apiKey }, cache: { ttl: 3_600_000 }, users: 1 }, { pin: true, execArgv });
await child.call('warm', ['user_0']);
console.error('--- load start');
const r = await runLoad({ url: `${child.info.url}/pro`, duration: Number(seconds), connections: 32, headers: { authorization: 'Bearer token_0' } });
console.error('--- load end', Math.round(r.rps));
await child.stop();
await mock.stop();
process.exit(0);
