// `npm start -- --instances N [--redis single|cluster|sentinel] [--check]`: N instances of the Express example on a
// throwaway Redis (one redis-server, a 3+3 Redis Cluster, or 1 primary + 2 replicas behind 3 Sentinels) and one mock
// Licenzy whose webhooks go to instance 1 only; prints (and checks) curl lines showing a revocation sent to instance 1
// denying on the others. Ctrl-C stops everything, Redis included. Called by scripts/start.mjs.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { buildStale } from './build-stale.mjs';
import { REDIS_MISSING, buildRedisIfStale, freePort, redisServerInstalled, startInstance, startRedis, until } from './fleet.mjs';
import { startRedisCluster, startRedisSentinels, topologyMissing } from './lib/redis-topology.mjs';

const root = join(import.meta.dirname, '..');

function portIsFree(port) {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** `count` ports: base, base+1, … when free (a fixed base makes the printed lines repeatable), else free ones. */
export async function choosePorts(count, base) {
  const ports = [];
  for (let i = 0; i < count; i++) {
    const wanted = base === 0 ? 0 : base + i;
    ports.push(wanted !== 0 && (await portIsFree(wanted)) ? wanted : await freePort());
  }
  if (base !== 0 && ports[0] !== base) console.log(`port ${base} is busy; using free ports instead`);
  return ports;
}

/** What `--redis` takes: one redis-server (default), a Redis Cluster, or Redis behind Sentinel. */
export const REDIS_TOPOLOGIES = ['single', 'cluster', 'sentinel'];

/**
 * Starts the throwaway Redis of `kind`; resolves `{ env, label, dbsize(), stop() }`: `env` tells the example app how to
 * reach it (REDIS_URL, and REDIS_CLUSTER=1 or REDIS_SENTINEL=<name>), `dbsize()` counts the keys on its primaries.
 */
async function startTopology(kind) {
  if (kind === 'single') {
    const redis = await startRedis();
    return { env: { REDIS_URL: redis.url }, label: `one Redis (${redis.url})`, dbsize: () => redis.dbsize(), stop: () => redis.stop() };
  }
  const topology = kind === 'cluster' ? await startRedisCluster() : await startRedisSentinels();
  const env = kind === 'cluster' ? { REDIS_URL: topology.url, REDIS_CLUSTER: '1' } : { REDIS_URL: topology.url, REDIS_SENTINEL: topology.name };
  return { env, label: topology.label, dbsize: () => topology.dbsize(), stop: () => topology.stop() };
}

/**
 * Runs the demo. Resolves with the exit code under `--check`; otherwise keeps running until Ctrl-C.
 * @param {{ framework: string, instances: string, check: boolean, port: number, redis?: string }} options
 */
export async function runFleetDemo({ framework, instances, check, port, redis: topologyKind = 'single' }) {
  const count = Number(instances);
  if (!Number.isInteger(count) || count < 2 || count > 9) {
    console.error(`--instances expects an integer from 2 to 9, got ${JSON.stringify(instances)}`);
    return 2;
  }
  if (framework !== 'express') {
    console.error('--instances runs the Express example (examples/express); drop the framework argument');
    return 2;
  }
  if (!REDIS_TOPOLOGIES.includes(topologyKind)) {
    console.error(`--redis expects one of ${REDIS_TOPOLOGIES.join(', ')}, got ${JSON.stringify(topologyKind)}`);
    return 2;
  }
  if (!redisServerInstalled()) {
    console.error(REDIS_MISSING);
    return 1;
  }
  const missing = topologyKind === 'single' ? undefined : topologyMissing(topologyKind);
  if (missing !== undefined) {
    console.error(missing);
    return 1;
  }
  if (!buildStale() || !buildRedisIfStale()) return 1;

  const { createMockLicenzy } = await import(join(root, 'packages/mock/dist/esm/index.js'));
  let redis;
  try {
    redis = await startTopology(topologyKind);
  } catch (error) {
    console.error(`could not start the Redis ${topologyKind}: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  const ports = await choosePorts(count, port);
  // The webhook secret is generated per run and never printed.
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  const webhookUrl = `http://127.0.0.1:${ports[0]}/webhooks/licenzy`;
  const mock = await createMockLicenzy({ webhooks: [{ url: webhookUrl, secret }], webhookRetryDelays: [250, 1000] });
  const apps = [];
  let stopping = false;
  async function stopAll() {
    stopping = true;
    await Promise.allSettled(apps.map((app) => app.stop()));
    await mock.close();
    await redis.stop();
  }

  try {
    const env = { LICENZY_API_URL: mock.url, LICENZY_API_KEY: mock.testKey, ...redis.env, LICENZY_WEBHOOK_SECRET: secret };
    const output = check ? undefined : (chunk) => process.stdout.write(chunk);
    const script = join(root, 'examples/express/server.mjs');
    apps.push(...(await Promise.all(ports.map((p) => startInstance({ script, env: { ...env, PORT: String(p) }, output })))));
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    await stopAll();
    return 1;
  }

  const demo = await runScenario({ apps, mock, redis });
  console.log(`
licenzy-gate demo: ${count} instances of the Express example on ${redis.label}, mock Licenzy at ${mock.url}
Licenzy's webhooks go to instance 1 only (${webhookUrl}); the Redis tier tells the others.
${demo.lines.join('\n')}
Mock Licenzy console (grant, revoke, refund, live log): ${mock.consoleUrl}
Ctrl-C stops everything (the instances, the mock and ${topologyKind === 'single' ? 'redis-server' : 'every Redis process'}).`);

  if (check) {
    await stopAll();
    return demo.ok ? 0 : 1;
  }
  if (!demo.ok) console.error('warning: an answer above did not match what the demo expects');
  const stop = () => void stopAll().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  for (const app of apps) {
    app.child.once('exit', (code) => {
      if (stopping) return;
      console.error(`an example instance exited (${code}); stopping the demo`);
      void stopAll().then(() => process.exit(1));
    });
  }
  return new Promise(() => {}); // runs until Ctrl-C
}

/**
 * The tier connects in the background, and on a cluster or Sentinel it distrusts a new subscription (forgetting every
 * local decision, answers in flight included, every 100 ms) until a probe comes back through it: until an answer one
 * instance fetched reaches each next one through Redis (a throwaway subject per try, no second Licenzy call), the
 * demo's "1 Licenzy call" would depend on timing. Bounded: after 10 s the demo plays anyway and reports what it sees.
 */
async function tierReady({ apps, mock }) {
  const status = async (app, subject) => {
    const response = await fetch(`${app.url}/pro/report`, { headers: { authorization: `Demo ${subject}` } });
    await response.arrayBuffer();
    return response.status;
  };
  const sharedThrough = async (from, to) => {
    const probe = `probe_${randomBytes(6).toString('hex')}`;
    mock.grant(probe);
    await mock.webhooksIdle();
    if ((await status(from, probe)) !== 200) return false;
    const before = mock.count('POST /v1/access/check');
    return (await status(to, probe)) === 200 && mock.count('POST /v1/access/check') === before;
  };
  for (const [i, app] of apps.entries()) {
    await until(() => sharedThrough(app, apps[(i + 1) % apps.length]), 10_000, 'tier ready').catch(() => undefined);
  }
}

/**
 * Plays the printed lines in order and records what each answered: 200 on every instance, a revocation through the
 * mock's control API (its webhook reaches instance 1 only), 403 on the last instance, then a new purchase, 200 again.
 */
async function runScenario({ apps, mock, redis }) {
  const user = 'user_paid';
  const auth = `Authorization: Demo ${user}`;
  const report = async (app) => {
    const response = await fetch(`${app.url}/pro/report`, { headers: { authorization: `Demo ${user}` } });
    await response.arrayBuffer();
    return response.status;
  };
  const control = async (action) => {
    const response = await fetch(`${mock.url}/_mock/subjects/${user}/${action}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    await response.arrayBuffer();
    await mock.webhooksIdle();
    return response.status;
  };
  /** The status once it settles to `expected` (bounded: the webhook and the broadcast take milliseconds). */
  const settled = async (app, expected) => {
    let status;
    await until(async () => (status = await report(app)) === expected, 5000, `${expected} on ${app.url}`).catch(() => undefined);
    return status;
  };
  const last = apps.at(-1);
  const lines = [];
  let ok = true;
  const line = (command, comment, expected, got) => {
    if (expected !== undefined) ok &&= got === expected;
    lines.push(`  ${command.padEnd(80)} # ${comment}${got === undefined ? '' : ` (checked: ${got})`}`);
  };
  const curl = (app) => `curl -i ${app.url}/pro/report -H '${auth}'`;
  const controlCurl = (action) => `curl -X POST ${mock.url}/_mock/subjects/${user}/${action} -H 'content-type: application/json' -d '{}'`;

  await tierReady({ apps, mock });
  mock.grant(user);
  await mock.webhooksIdle();
  const calls = mock.count('POST /v1/access/check');
  const keys = await redis.dbsize();
  const statuses = [await report(apps[0])];
  // The first answer's write-through to Redis is not awaited by the request; let it land before asking the others.
  await until(async () => (await redis.dbsize()) > keys, 5000, 'write-through').catch(() => undefined);
  for (const app of apps.slice(1)) statuses.push(await report(app));
  const licenzyCalls = mock.count('POST /v1/access/check') - calls;
  ok &&= licenzyCalls === 1;
  lines.push(`Every instance answers the paying user; instance 1 asked Licenzy, the others read its answer from Redis (checked: ${licenzyCalls} Licenzy call${licenzyCalls === 1 ? '' : 's'}):`);
  for (const [i, app] of apps.entries()) line(curl(app), `200 on instance ${i + 1}`, 200, statuses[i]);
  lines.push(`Licenzy revokes the access; its webhook reaches instance 1, the tier tells the others:`);
  line(controlCurl('revoke'), 'revoke (the mock sends a signed webhook to instance 1)', 200, await control('revoke'));
  line(curl(last), `403 on instance ${apps.length}, which never received the webhook`, 403, await settled(last, 403));
  lines.push('The user pays again (purchase.finalized webhook to instance 1):');
  line(controlCurl('grant'), 'grant', 201, await control('grant'));
  line(curl(last), `200 on instance ${apps.length} again`, 200, await settled(last, 200));
  line(`curl -i ${last.url}/pro/report -H 'Authorization: Demo user_free'`, 'a user who never paid', 403, await fetch(`${last.url}/pro/report`, { headers: { authorization: 'Demo user_free' } }).then(async (r) => (await r.arrayBuffer(), r.status)));
  return { ok, lines };
}
