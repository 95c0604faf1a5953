// Issue 24: the fleet's cases (fleet-cases.ts) unchanged on a real 3-primary, 3-replica Redis Cluster on 127.0.0.1,
// once with the apps' node-redis cluster client and once with their ioredis Cluster: three app processes, real HTTP,
// one mock Licenzy per run (so the runs share neither grants nor a scope in Redis).
import { useLocalLicenzy } from '@licenzy-gate/testing';
import { afterAll, afterEach, beforeAll, describe } from 'vitest';
import { startFleet, type Instance } from '../../scripts/fleet.mjs';
import { startRedisCluster, topologyMissing, type LocalRedisCluster } from '../../scripts/lib/redis-topology.mjs';
import { LIFETIMES, WEBHOOK_SECRET, fleetCases, fleetReady, rawCluster, type RawRedis } from './fleet-cases.js';

function clusterAvailable(): boolean {
  const missing = topologyMissing('cluster');
  if (missing === undefined) return true;
  if (process.env.LICENZY_REQUIRE_SERVERS === '1') throw new Error(missing);
  console.warn(`[multi-instance] skipping: ${missing}`);
  return false;
}

describe.skipIf(!clusterAvailable())('three app processes on a 3+3 Redis Cluster', { timeout: 30_000 }, () => {
  let cluster: LocalRedisCluster;
  beforeAll(async () => {
    cluster = await startRedisCluster();
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  describe.each(['node-redis', 'ioredis'] as const)('with the apps\' %s cluster client', (client) => {
    const licenzy = useLocalLicenzy({ hooks: { beforeAll, afterAll, afterEach } });
    let fleet: Instance[] = [];
    let raw: RawRedis;
    beforeAll(async () => {
      const env = { LICENZY_API_KEY: licenzy.mock.testKey, LICENZY_API_URL: licenzy.mock.url, LICENZY_WEBHOOK_SECRET: WEBHOOK_SECRET, ...LIFETIMES };
      fleet = await startFleet(3, { ...env, ...cluster.env(client) });
      raw = await rawCluster(cluster.seeds);
      await fleetReady({ fleet, raw, licenzy });
    }, 60_000);
    afterAll(async () => {
      await Promise.allSettled(fleet.map((instance) => instance.stop()));
      await raw?.close();
    });

    fleetCases(() => ({ fleet, raw, licenzy }));
  });
});
