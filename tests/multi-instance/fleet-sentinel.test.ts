// Issue 24: the fleet's cases (fleet-cases.ts) unchanged behind Sentinel (1 primary, 2 replicas, 3 Sentinels on
// 127.0.0.1), with the apps' node-redis `createSentinel` client and with an ioredis client in Sentinel mode (which the
// fleet app gives `replicas: 1`, since it looks like one server). One mock Licenzy per run.
import { useLocalLicenzy } from '@licenzy-gate/testing';
import { afterAll, afterEach, beforeAll, describe } from 'vitest';
import { startFleet, type Instance } from '../../scripts/fleet.mjs';
import { startRedisSentinels, topologyMissing, type LocalRedisSentinels } from '../../scripts/lib/redis-topology.mjs';
import { LIFETIMES, WEBHOOK_SECRET, fleetCases, fleetReady, rawSingle, type RawRedis } from './fleet-cases.js';

function sentinelAvailable(): boolean {
  const missing = topologyMissing('sentinel');
  if (missing === undefined) return true;
  if (process.env.LICENZY_REQUIRE_SERVERS === '1') throw new Error(missing);
  console.warn(`[multi-instance] skipping: ${missing}`);
  return false;
}

describe.skipIf(!sentinelAvailable())('three app processes on Redis behind Sentinel', { timeout: 30_000 }, () => {
  let deployment: LocalRedisSentinels;
  beforeAll(async () => {
    deployment = await startRedisSentinels();
  }, 60_000);
  afterAll(async () => {
    await deployment?.stop();
  });

  describe.each(['node-redis', 'ioredis'] as const)('with the apps\' %s Sentinel client', (client) => {
    const licenzy = useLocalLicenzy({ hooks: { beforeAll, afterAll, afterEach } });
    let fleet: Instance[] = [];
    let raw: RawRedis;
    beforeAll(async () => {
      const env = { LICENZY_API_KEY: licenzy.mock.testKey, LICENZY_API_URL: licenzy.mock.url, LICENZY_WEBHOOK_SECRET: WEBHOOK_SECRET, ...LIFETIMES };
      fleet = await startFleet(3, { ...env, ...deployment.env(client) });
      // No failover here: the primary stays where it started, and one server holds every key.
      raw = await rawSingle(`redis://127.0.0.1:${deployment.primary.port}`);
      await fleetReady({ fleet, raw, licenzy });
    }, 60_000);
    afterAll(async () => {
      await Promise.allSettled(fleet.map((instance) => instance.stop()));
      await raw?.close();
    });

    fleetCases(() => ({ fleet, raw, licenzy }));
  });
});
