// Issue 24: failover under load behind Sentinel (1 primary, 2 replicas, 3 sentinels). Three app instances (three gates
// in this process, each with its own tier and its own Redis client: the tier's own node-redis `createSentinel` from
// `url` + `sentinel`, an app's node-redis `createSentinel`, an app's ioredis client in Sentinel mode with `replicas: 1`)
// answer steady checks of 200 subjects from the local Licenzy while the primary is killed with SIGKILL, a replica is
// promoted, and the old primary is restarted and turned into a replica. Licenzy revokes 16 subjects during the
// failover and sends its webhooks, round robin to the instances, retrying a refused one (503), as Licenzy does.
//
// What is counted (failover-load.ts), against the emulator's truth with timestamps:
// - wrong answer: "allowed" for a subject Licenzy never granted (an error is never "allowed": it rejects). Must be 0.
// - late revocation: a revoked subject allowed by a check that started later than the README's bound after the
//   revocation: the entry's `ttl` ("until the retry lands, a revoked grant lives at most what was left of its entry's
//   `ttl`"), plus 500 ms for the answer's transit (TIMING). Must be 0. Allowed before that is not wrong.
// - false denial: "denied" for a subject Licenzy granted at the time (Licenzy never fails here). Must be 0.
// - allowed after a safe 200: a revoked subject allowed by a check that started more than 1 s after its webhook was
//   answered 200 by an instance whose tier waited for a replica (or by any instance in a planned failover, which
//   loses nothing): the README's "an acknowledged revocation survives no failover", with 1 s for pub/sub and the
//   topology resets. Must be 0. (A 200 without WAIT, `replicas: 0`, may be lost in a crash: `ttl` bounds it.)
// - slow request: longer than the tier's `timeout` (one round trip behind Sentinel) + Licenzy's `timeout` + 1 s slack.
//   Counted and printed; none may take 3 × that.
import { Redis } from 'ioredis';
import { createSentinel } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisTier } from '@licenzy-gate/redis';
import { expectSafe, startFleet, TIMING, runScenario, type Fleet, type FleetMember } from './failover-load.js';
import { cli, redisTopologyAvailable, startRedisSentinels, waitForRole, type RedisSentinels } from './redis-cluster.js';
import { until } from './redis-server.js';

const SLOW = TIMING.tierTimeout + TIMING.licenzyTimeout + TIMING.slowSlack;

async function members(deployment: RedisSentinels): Promise<FleetMember[]> {
  const sentinels = deployment.sentinels.map((s) => ({ host: '127.0.0.1', port: s.port }));
  const own = createRedisTier({ url: `redis://127.0.0.1:${sentinels[0]!.port}`, sentinel: deployment.name });
  const nodeApp = createSentinel({ name: deployment.name, sentinelRootNodes: sentinels });
  nodeApp.on('error', () => undefined);
  await nodeApp.connect();
  const ioApp = new Redis({ sentinels, name: deployment.name, enableOfflineQueue: false });
  ioApp.on('error', () => undefined);
  await until(() => ioApp.status === 'ready', 20_000, 'ioredis sentinel ready');
  const nodeTier = createRedisTier({ client: nodeApp });
  // ioredis in Sentinel mode looks like a single server: `replicas: 1` is the README's advice for it.
  const ioTier = createRedisTier({ client: ioApp, replicas: 1 });
  return [
    { name: 'url + sentinel', tier: own, replicas: 1, close: () => own.close() },
    { name: 'node-redis createSentinel', tier: nodeTier, replicas: 1, close: async () => { await nodeTier.close(); nodeApp.destroy(); } },
    { name: 'ioredis Sentinel mode', tier: ioTier, replicas: 1, close: async () => { await ioTier.close(); ioApp.disconnect(); } },
  ];
}

/** The primary's port one Sentinel names now (0 when it does not answer). */
async function namedPrimary(port: number, name: string): Promise<number> {
  const out = await cli(port, ['SENTINEL', 'get-master-addr-by-name', name]).catch(() => '');
  const named = Number(out.split('\n')[1]);
  return Number.isInteger(named) ? named : 0;
}

describe.skipIf(!redisTopologyAvailable('sentinel'))('failover under load behind Sentinel (three instances)', { timeout: 90_000 }, () => {
  let deployment: RedisSentinels;
  let fleet: Fleet;
  beforeAll(async () => {
    deployment = await startRedisSentinels();
    fleet = await startFleet(() => members(deployment));
  }, 90_000);
  afterAll(async () => {
    await fleet?.close();
    await deployment?.stop();
  });

  it('SIGKILL of the primary under load: a replica promoted, the old primary back as a replica; no wrong answer, no late revocation', async () => {
    const old = deployment.primary;
    expect(await deployment.currentPrimary()).toBe(old.port);
    let promotedPort = 0;
    const figures = await runScenario(fleet, { name: 'Sentinel SIGKILL', slowBound: SLOW, lossy: true }, async () => {
      const started = performance.now();
      await old.kill();
      // Every Sentinel names the same new primary: one Sentinel's answer may be a failover attempt another epoch replaces.
      await until(async () => {
        const named = await Promise.all(deployment.sentinels.filter((s) => s.running).map((s) => namedPrimary(s.port, deployment.name)));
        promotedPort = named[0] ?? 0;
        return promotedPort > 0 && promotedPort !== old.port && named.every((port) => port === promotedPort);
      }, 30_000, 'a replica promoted');
      await waitForRole(promotedPort, 'master', 30_000);
      const promoted = performance.now() - started;
      await old.start();
      await waitForRole(old.port, 'slave', 30_000);
      return { 'promoted after': `${Math.round(promoted)} ms`, 'old primary a replica after': `${Math.round(performance.now() - started)} ms` };
    });
    expectSafe(figures, SLOW);
    // Not necessarily the replica first promoted: Sentinel may fail over once more on a loaded machine (seen once in
    // 10 runs under load, with every count above 0); the tier promises nothing about which replica ends up primary.
    expect(await deployment.currentPrimary()).not.toBe(old.port);
  });
});
