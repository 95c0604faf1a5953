// Issue 24: failover under load on a real 3+3 Redis Cluster. Three app instances (three gates in this process, each
// with its own tier and its own Redis client: the tier's own node-redis cluster from `url`, an app's node-redis
// `createCluster`, an app's ioredis `Cluster`; each with `replicas: 1`, every client's default on a cluster) answer
// steady checks of 200 subjects from the local Licenzy while the primary of the busiest slot (the scope's epoch, read
// by every check that misses L1) is killed with SIGKILL and its replica promoted, the old primary then restarted as a
// replica; then the same under a planned `CLUSTER FAILOVER`. Licenzy revokes 16 subjects during each failover (half
// of them on the failing shard) and sends its webhooks, round robin to the instances, retrying a refused one (503).
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
// - slow request: longer than the tier's read budget (2 × `timeout` on a cluster) + Licenzy's `timeout` + 1 s slack.
//   Counted and printed; none may take 3 × that.
import { Cluster } from 'ioredis';
import { createCluster } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisTier } from '@licenzy-gate/redis';
import { deriveKeys, subjectHash } from '../src/crypto.js';
import { scopeLayout } from '../src/scope-keys.js';
import { expectSafe, startFleet, TIMING, runScenario, type Fleet, type FleetMember } from './failover-load.js';
import {
  cli, clusterNodes, hashSlot, redisTopologyAvailable, startRedisCluster, waitForRole, type RedisCluster,
} from './redis-cluster.js';
import { until } from './redis-server.js';

const SLOW = 2 * TIMING.tierTimeout + TIMING.licenzyTimeout + TIMING.slowSlack;

/** Replicas an invalidation waits for: the default on a cluster, passed explicitly so the judge knows it. */
const REPLICAS = 1;

async function members(cluster: RedisCluster): Promise<FleetMember[]> {
  const own = createRedisTier({ url: cluster.url, cluster: true, replicas: REPLICAS });
  const nodeApp = createCluster({ rootNodes: [{ url: cluster.url }], defaults: { disableOfflineQueue: true } });
  nodeApp.on('error', () => undefined);
  await nodeApp.connect();
  const ioApp = new Cluster(cluster.seeds as Array<{ host: string; port: number }>, { enableOfflineQueue: false });
  ioApp.on('error', () => undefined);
  await until(() => ioApp.status === 'ready', 20_000, 'ioredis cluster ready');
  const nodeTier = createRedisTier({ client: nodeApp, replicas: REPLICAS });
  const ioTier = createRedisTier({ client: ioApp, replicas: REPLICAS });
  return [
    { name: 'url + cluster: true', tier: own, replicas: REPLICAS, close: () => own.close() },
    { name: 'node-redis createCluster', tier: nodeTier, replicas: REPLICAS, close: async () => { await nodeTier.close(); nodeApp.destroy(); } },
    { name: 'ioredis Cluster', tier: ioTier, replicas: REPLICAS, close: async () => { await ioTier.close(); ioApp.disconnect(); } },
  ];
}

describe.skipIf(!redisTopologyAvailable('cluster'))('failover under load on a 3+3 Redis Cluster (three instances)', { timeout: 90_000 }, () => {
  let cluster: RedisCluster;
  let fleet: Fleet;
  beforeAll(async () => {
    // cluster-node-timeout 1000: a killed primary is failed over in about 2-3 s (2000: 3-5 s).
    cluster = await startRedisCluster({ nodeTimeout: 1_000 });
    fleet = await startFleet(() => members(cluster));
  }, 90_000);
  afterAll(async () => {
    await fleet?.close();
    await cluster?.stop();
  });

  /** The scope's epoch key (read apart by every cluster read) and the shard a subject's keys live on. */
  const places = () => {
    const layout = scopeLayout('licenzy', fleet.scope.namespace, true);
    const keys = deriveKeys(fleet.scope);
    return { epoch: layout.epoch, entry: (subject: string) => layout.subject(subjectHash(keys, subject)).entry };
  };
  async function ownerOf(key: string): Promise<number> {
    const live = cluster.nodes.find((n) => n.running)!;
    const slot = hashSlot(key);
    expect(Number((await cli(live.port, ['CLUSTER', 'KEYSLOT', key])).trim())).toBe(slot);
    return cluster.primaryOf(key);
  }
  /** Whether `subject`'s keys are on the shard of the primary on `port` now. */
  async function onShard(port: number) {
    const live = cluster.nodes.find((n) => n.running)!;
    const shard = (await clusterNodes(live.port)).find((n) => n.port === port)!;
    const { entry } = places();
    return (subject: string) => shard.ranges.some(([a, b]) => hashSlot(entry(subject)) >= a && hashSlot(entry(subject)) <= b);
  }

  it('SIGKILL of the epoch\'s primary under load: its replica promoted, the old primary back as a replica; no wrong answer, no late revocation', async () => {
    const { epoch } = places();
    const victim = await ownerOf(epoch);
    const replica = await cluster.replicaOf(victim);
    const node = cluster.nodes.find((n) => n.port === victim)!;
    const figures = await runScenario(fleet, { name: 'cluster SIGKILL', slowBound: SLOW, lossy: true, preferred: await onShard(victim) }, async () => {
      const started = performance.now();
      await node.kill();
      await waitForRole(replica, 'master', 30_000);
      const promoted = performance.now() - started;
      await cluster.healthy(30_000);
      const healthy = performance.now() - started;
      await node.start();
      await waitForRole(victim, 'slave', 30_000);
      return { 'promoted after': `${Math.round(promoted)} ms`, 'cluster ok after': `${Math.round(healthy)} ms`, 'old primary a replica after': `${Math.round(performance.now() - started)} ms` };
    });
    expectSafe(figures, SLOW);
    expect(await cluster.primaryOf(epoch)).toBe(replica);
  });

  it('planned CLUSTER FAILOVER on the epoch\'s replica under load: no wrong answer, no late revocation', async () => {
    const { epoch } = places();
    const primary = await ownerOf(epoch);
    const replica = await cluster.replicaOf(primary);
    await waitForRole(replica, 'slave', 30_000);
    const figures = await runScenario(fleet, { name: 'cluster CLUSTER FAILOVER', slowBound: SLOW, lossy: false, preferred: await onShard(primary) }, async () => {
      const started = performance.now();
      await cli(replica, ['CLUSTER', 'FAILOVER']);
      await waitForRole(replica, 'master', 30_000);
      const promoted = performance.now() - started;
      await waitForRole(primary, 'slave', 30_000);
      await cluster.healthy(30_000);
      return { 'promoted after': `${Math.round(promoted)} ms`, 'old primary a replica after': `${Math.round(performance.now() - started)} ms` };
    });
    expectSafe(figures, SLOW);
    expect(await cluster.primaryOf(epoch)).toBe(replica);
  });
});
