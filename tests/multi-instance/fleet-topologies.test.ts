// Issue 24: the fleet's cases (fleet-cases.ts) unchanged on a real 3-primary, 3-replica Redis Cluster and behind
// Sentinel (1 primary, 2 replicas, 3 Sentinels), all on 127.0.0.1, each with the apps' node-redis client and with their
// ioredis client (in Sentinel mode ioredis looks like one server, so the fleet app gives it `replicas: 1`): three app
// processes, real HTTP, one mock Licenzy per run (so the runs share neither grants nor a scope in Redis).
import { useLocalLicenzy } from '@licenzy-gate/testing';
import { afterAll, afterEach, beforeAll, describe } from 'vitest';
import { startFleet, type Instance } from '../../scripts/fleet.mjs';
import { startRedisCluster, startRedisSentinels, topologyMissing } from '../../scripts/lib/redis-topology.mjs';
import { LIFETIMES, WEBHOOK_SECRET, fleetCases, fleetReady, rawCluster, rawSingle, type RawRedis } from './fleet-cases.js';

function available(topology: 'cluster' | 'sentinel'): boolean {
  const missing = topologyMissing(topology);
  if (missing === undefined) return true;
  if (process.env.LICENZY_REQUIRE_SERVERS === '1') throw new Error(missing);
  console.warn(`[multi-instance] skipping: ${missing}`);
  return false;
}

/** What each topology gives the cases: the apps' environment for a client, and a raw view of the keys. */
interface Deployment {
  env(client: 'node-redis' | 'ioredis'): Record<string, string>;
  raw(): Promise<RawRedis>;
  stop(): Promise<void>;
}

const TOPOLOGIES = {
  'a 3+3 Redis Cluster': {
    topology: 'cluster',
    start: async (): Promise<Deployment> => {
      const cluster = await startRedisCluster();
      return { env: (client) => cluster.env(client), raw: () => rawCluster(cluster.seeds), stop: () => cluster.stop() };
    },
  },
  'Redis behind Sentinel': {
    topology: 'sentinel',
    start: async (): Promise<Deployment> => {
      const deployment = await startRedisSentinels();
      // No failover here: the primary stays where it started, and one server holds every key.
      return { env: (client) => deployment.env(client), raw: () => rawSingle(`redis://127.0.0.1:${deployment.primary.port}`), stop: () => deployment.stop() };
    },
  },
} as const;

describe.each(Object.entries(TOPOLOGIES))('three app processes on %s', (_name, { topology, start }) => {
  describe.skipIf(!available(topology))(topology, { timeout: 30_000 }, () => {
    let deployment: Deployment | undefined;
    beforeAll(async () => {
      deployment = await start();
    }, 60_000);
    afterAll(async () => {
      await deployment?.stop();
    });

    describe.each(['node-redis', 'ioredis'] as const)("with the apps' %s client", (client) => {
      const licenzy = useLocalLicenzy({ hooks: { beforeAll, afterAll, afterEach } });
      let fleet: Instance[] = [];
      let raw: RawRedis;
      beforeAll(async () => {
        const env = { LICENZY_API_KEY: licenzy.mock.testKey, LICENZY_API_URL: licenzy.mock.url, LICENZY_WEBHOOK_SECRET: WEBHOOK_SECRET, ...LIFETIMES };
        fleet = await startFleet(3, { ...env, ...deployment!.env(client) });
        raw = await deployment!.raw();
        await fleetReady({ fleet, raw, licenzy });
      }, 60_000);
      afterAll(async () => {
        await Promise.allSettled(fleet.map((instance) => instance.stop()));
        await raw?.close();
      });

      fleetCases(() => ({ fleet, raw, licenzy }));
    });
  });
});
