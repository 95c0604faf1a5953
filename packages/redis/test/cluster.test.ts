// The Redis tier on a real 3+3 Redis Cluster and a real Sentinel deployment, once per client (node-redis, ioredis, url).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, createCluster, createSentinel } from 'redis';
import { Cluster, Redis } from 'ioredis';
import { LicenzyConfigError, deriveSharedScope } from '@licenzy-gate/core';
import { type SharedEvent, type SharedTierBinding } from '@licenzy-gate/core/adapter';
import { createRedisTier, type SharedTier } from '@licenzy-gate/redis';
import { cli, redisTopologyAvailable, startRedisCluster, startRedisSentinels, type RedisCluster, type RedisSentinels } from './redis-cluster.js';
import { until } from './redis-server.js';

const scope = deriveSharedScope('lz_test_cluster_key_0001', 'test', 'https://licenzy.example');
const entry = (allowed: boolean) => ({ allowed, checkedAt: Date.now(), ttl: 60_000, staleTtl: 120_000 });
const quiet = { warn: () => undefined, error: () => undefined };

type Made = { tier: SharedTier; close: () => Promise<void> };

async function ready(binding: SharedTierBinding): Promise<void> {
  await until(() => binding.read('probe').then(() => true, () => false), 10_000, 'tier ready');
}

/** Waits until `listener` hears `sender`'s invalidations, then collects what else it hears. */
async function listen(listener: SharedTierBinding, sender: SharedTierBinding) {
  const events: SharedEvent[] = [];
  let live = false;
  listener.subscribe((event) => {
    if (event.type === 'invalidate' && event.subjectRef === 'subscription-probe') live = true;
    else events.push(event);
  });
  await until(async () => {
    await sender.invalidate('subscription-probe').catch(() => undefined);
    return live;
  }, 10_000, 'subscription');
  return events;
}

/** The cases every topology and client must pass: round trip, token race, invalidation and clear seen elsewhere. */
function tierCases(make: () => Promise<Made>) {
  const closes: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const close of closes) await close().catch(() => undefined);
  });
  const bound = async () => {
    const made = await make();
    closes.push(made.close);
    const binding = made.tier.bind(scope);
    await ready(binding);
    return binding;
  };

  it('reads, writes, refuses a stale token, invalidates and clears across two tiers, without CROSSSLOT', async () => {
    const [a, b] = await Promise.all([bound(), bound()]);
    const events = await listen(b, a);
    const users = Array.from({ length: 12 }, (_, i) => `user_${i}_${Math.random()}`);
    for (const user of users) expect(await a.write(user, entry(true), (await a.read(user)).token)).toBe(true);
    for (const user of users) expect((await b.read(user)).entry).toMatchObject({ allowed: true });
    const { token } = await a.read(users[0]!);
    await b.invalidate(users[0]!);
    expect(await a.write(users[0]!, entry(true), token)).toBe(false);
    expect((await a.read(users[0]!)).entry).toBeUndefined();
    const before = await a.read(users[1]!);
    const heardBeforeClear = events.length;
    await a.clear();
    for (const user of users.slice(1)) expect((await b.read(user)).entry).toBeUndefined();
    // A write under a token from before the clear is stored nowhere readable, and said to be 'cleared'.
    expect(await a.write(users[1]!, entry(true), before.token)).toBe('cleared');
    expect((await b.read(users[1]!)).entry).toBeUndefined();
    // The listener must forget everything: it hears the clear, or, if its subscriber's link dropped and came back while
    // the clear was published (pub/sub delivers nothing missed), the tier's reset, which makes a gate forget everything
    // too. Seen once on a loaded CI machine with ioredis over Sentinel: no clear within 5 s.
    await until(() => events.slice(heardBeforeClear).some((e) => e.type === 'clear' || e.type === 'reset'), 5000, 'clear (or a reset after it) heard');
  });
}

// The tiers here wait up to 2 s for a replica (WAIT uses the tier's `timeout`): on a loaded 2-core CI machine the default
// 200 ms was missed once by a freshly created cluster's replica (a clean-clone run), which is load, not the tier.
describe.skipIf(!redisTopologyAvailable('cluster'))('Redis tier on a 3-primary, 3-replica cluster', { timeout: 60_000 }, () => {
  let cluster: RedisCluster;
  beforeAll(async () => {
    cluster = await startRedisCluster();
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  describe('url + cluster: true (node-redis createCluster, the tier\'s own)', () => {
    tierCases(async () => {
      const tier = createRedisTier({ url: cluster.url, cluster: true, logger: quiet, timeout: 2_000 });
      return { tier, close: () => tier.close() };
    });
  });

  describe('an app\'s node-redis cluster client', () => {
    tierCases(async () => {
      const app = createCluster({ rootNodes: [{ url: cluster.url }], defaults: { disableOfflineQueue: true } });
      app.on('error', () => undefined);
      await app.connect();
      const tier = createRedisTier({ client: app, logger: quiet, timeout: 2_000 });
      return { tier, close: async () => { await tier.close(); app.destroy(); } };
    });
  });

  describe('an app\'s ioredis Cluster', () => {
    tierCases(async () => {
      const app = new Cluster(cluster.seeds as Array<{ host: string; port: number }>, { enableOfflineQueue: false });
      app.on('error', () => undefined);
      await until(() => app.status === 'ready', 10_000, 'ioredis cluster ready');
      const tier = createRedisTier({ client: app, logger: quiet, timeout: 2_000 });
      return { tier, close: async () => { await tier.close(); app.disconnect(); } };
    });
  });

  it('spreads subjects over every primary with the HMAC as hash tag, and keeps the scope in every key', async () => {
    const tier = createRedisTier({ url: cluster.url, cluster: true, prefix: 'spread', logger: quiet, timeout: 2_000 });
    try {
      const binding = tier.bind(scope);
      await ready(binding);
      for (let i = 0; i < 30; i++) await binding.write(`spread_${i}`, entry(true), (await binding.read(`spread_${i}`)).token);
      const perPrimary: number[] = [];
      for (const node of cluster.nodes) {
        if (!(await cli(node.port, ['ROLE'])).startsWith('master')) continue;
        const keys = (await cli(node.port, ['--raw', 'KEYS', 'spread:*'])).trim().split('\n').filter(Boolean);
        if (keys.length > 0) perPrimary.push(keys.length);
        for (const key of keys) expect(key).toMatch(new RegExp(`^spread:${scope.namespace}:(e|v):\\{[0-9a-f]{64}\\}$|^spread:${scope.namespace}:epoch$`));
      }
      expect(perPrimary.length).toBe(3);
    } finally {
      await tier.close();
    }
  });

  it('refuses a prefix with { or } on a cluster (it would pin every key to one slot), naming `prefix`', () => {
    expect(() => createRedisTier({ url: cluster.url, cluster: true, prefix: '{app}:licenzy' })).toThrow(LicenzyConfigError);
    expect(() => createRedisTier({ url: cluster.url, cluster: true, prefix: '{app}:licenzy' })).toThrow(/prefix/);
  });

  it('regression: a command before the first slot discovery is a clean "not ready" miss, not a TypeError logged as "command failed"', async () => {
    const tier = createRedisTier({ url: cluster.url, cluster: true, logger: quiet, timeout: 2_000 });
    try {
      // Sent before the connection has asked any node for the slot map (that takes a round trip).
      await expect(tier.bind(scope).read('early')).rejects.toMatchObject({ code: 'ERR_LICENZY_SHARED_OFFLINE' });
    } finally {
      await tier.close();
    }
  });

  // Issue 24: node-redis cluster's WAIT was thought broken ("never saw the replica within 200 ms"), so `replicas`
  // defaulted to 0 there and a revocation acknowledged by a primary that then died was lost. The cause was the test
  // cluster (Redis 7.0 holds a freshly synced replica's stream until its first ACK, up to 1 s), not node-redis.
  // Last in this block: it kills the replicas, and restarts them.
  it('regression: on a node-redis cluster invalidations and clears wait for a replica by default (with the replicas down they reject)', async () => {
    const app = createCluster({ rootNodes: [{ url: cluster.url }], defaults: { disableOfflineQueue: true } });
    app.on('error', () => undefined);
    await app.connect();
    const tiers = [
      createRedisTier({ url: cluster.url, cluster: true, logger: quiet, timeout: 500 }),
      createRedisTier({ client: app, logger: quiet, timeout: 500 }),
    ];
    const replicas: typeof cluster.nodes[number][] = [];
    try {
      const bindings = tiers.map((tier) => tier.bind(scope));
      for (const binding of bindings) await ready(binding);
      // Replicated within the bound while every replica is up (a replica just synced may hold out up to 1 s).
      for (const binding of bindings) await until(() => binding.invalidate('wait_before').then(() => true, () => false), 10_000, 'replicated');
      for (const node of cluster.nodes) if ((await cli(node.port, ['ROLE'])).startsWith('slave')) replicas.push(node);
      expect(replicas).toHaveLength(3);
      await Promise.all(replicas.map((node) => node.kill()));
      for (const binding of bindings) {
        await expect(binding.invalidate('wait_revoked')).rejects.toMatchObject({ code: 'ERR_LICENZY_SHARED_COMMAND', message: expect.stringMatching(/did not replicate the change to 1 replica/) });
        await expect(binding.clear()).rejects.toMatchObject({ message: expect.stringMatching(/did not replicate/) });
      }
    } finally {
      await Promise.all(replicas.map((node) => node.start()));
      await cluster.healthy();
      for (const tier of tiers) await tier.close();
      app.destroy();
    }
  });
});

describe.skipIf(!redisTopologyAvailable('sentinel'))('Redis tier behind Sentinel (1 primary, 2 replicas, 3 sentinels)', { timeout: 60_000 }, () => {
  let deployment: RedisSentinels;
  beforeAll(async () => {
    deployment = await startRedisSentinels();
  }, 60_000);
  afterAll(async () => {
    await deployment?.stop();
  });
  const sentinelNodes = () => deployment.sentinels.map((s) => ({ host: '127.0.0.1', port: s.port }));

  describe('url + sentinel (node-redis createSentinel, the tier\'s own)', () => {
    tierCases(async () => {
      const tier = createRedisTier({ url: `redis://127.0.0.1:${deployment.sentinels[0]!.port}`, sentinel: deployment.name, logger: quiet, timeout: 2_000 });
      return { tier, close: () => tier.close() };
    });
  });

  describe('an app\'s node-redis Sentinel client', () => {
    tierCases(async () => {
      const app = createSentinel({ name: deployment.name, sentinelRootNodes: sentinelNodes() });
      app.on('error', () => undefined);
      await app.connect();
      const tier = createRedisTier({ client: app, logger: quiet, timeout: 2_000 });
      return { tier, close: async () => { await tier.close(); app.destroy(); } };
    });
  });

  describe('an app\'s ioredis client in Sentinel mode', () => {
    tierCases(async () => {
      const app = new Redis({ sentinels: sentinelNodes(), name: deployment.name, enableOfflineQueue: false });
      app.on('error', () => undefined);
      await until(() => app.status === 'ready', 10_000, 'ioredis sentinel ready');
      const tier = createRedisTier({ client: app, replicas: 1, logger: quiet, timeout: 2_000 });
      return { tier, close: async () => { await tier.close(); app.disconnect(); } };
    });
  });

  it('the plain node-redis client on the primary still uses the single-server layout (no WAIT by default)', async () => {
    const app = createClient({ url: `redis://127.0.0.1:${await deployment.currentPrimary()}` });
    await app.connect();
    const tier = createRedisTier({ client: app, logger: quiet, timeout: 2_000 });
    try {
      const binding = tier.bind(scope);
      await ready(binding);
      await binding.write('plain', entry(true), (await binding.read('plain')).token);
      expect((await app.keys(`licenzy:${scope.namespace}:e:*`)).every((k) => !k.includes('{'))).toBe(true);
    } finally {
      await tier.close();
      app.destroy();
    }
  });
});
