// Issue 9, for real: three app processes (scripts/fleet-app.mjs on the built packages) on one redis-server and one
// mock Licenzy, over HTTP on loopback. A second fleet without the tier shows what the tier fixes. The cases every
// topology passes are in fleet-cases.ts (fleet-topologies.test.ts runs them on a Redis Cluster and behind Sentinel); the outage and pub/sub
// cases below are this topology's own.
import { randomUUID } from 'node:crypto';
import { useLocalLicenzy } from '@licenzy-gate/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { redisServerAvailable, startRedisServer, until, type RedisServer } from '../../packages/redis/test/redis-server.js';
import { startFleet, type Instance } from '../../scripts/fleet.mjs';
import { LIFETIMES, PROPAGATION_BOUND, WEBHOOK_SECRET, fleetCases, fleetReady, get, rawSingle, sharedThrough, untilStatus, type RawRedis } from './fleet-cases.js';

const available = redisServerAvailable();

describe.skipIf(!available)('three app processes on one Redis', { timeout: 30_000 }, () => {
  let redis: RedisServer;
  const licenzy = useLocalLicenzy({ hooks: { beforeAll, afterAll, afterEach } });
  let raw: RawRedis & Awaited<ReturnType<typeof rawSingle>>;
  let fleet: Instance[] = [];
  /** The same three processes without the tier: each on its own LRU, as before issue 9. */
  let alone: Instance[] = [];

  beforeAll(async () => {
    redis = await startRedisServer();
    const env = { LICENZY_API_KEY: licenzy.mock.testKey, LICENZY_API_URL: licenzy.mock.url, LICENZY_WEBHOOK_SECRET: WEBHOOK_SECRET, ...LIFETIMES };
    const started = await Promise.allSettled([startFleet(3, { ...env, REDIS_URL: redis.url }), startFleet(3, env)]);
    // Keep whichever fleet did start, so afterAll stops it even if the other failed.
    const [withTier, without] = started.map((s) => (s.status === 'fulfilled' ? s.value : []));
    [fleet, alone] = [withTier ?? [], without ?? []];
    for (const s of started) if (s.status === 'rejected') throw s.reason;
    raw = await rawSingle(redis.url);
    await fleetReady({ fleet, alone, raw, licenzy });
  });

  afterAll(async () => {
    // Every child goes, even when a case failed half-way.
    await Promise.allSettled([...fleet, ...alone].map((instance) => instance.stop()));
    await raw?.close();
    await redis?.stop();
  });

  fleetCases(() => ({ fleet, alone, raw, licenzy }));

  it('Redis killed (SIGKILL) and restarted mid-load: zero wrong answers, no 503, and the fleet recovers by itself', async () => {
    // Every request is a new subject, so each one misses L1 and goes through the tier (or around it when Redis is down).
    const subjects = Array.from({ length: 4000 }, (_, i) => ({ user: `load_${i}`, paid: i % 2 === 0 }));
    for (const { user, paid } of subjects) if (paid) licenzy.mock.grant(user);
    const answers: Array<{ ok: boolean; status: number; ms: number; phase: 'before' | 'down' | 'after' }> = [];
    let phase: 'before' | 'down' | 'after' = 'before';
    let next = 0;
    let stop = false;
    const worker = async (w: number) => {
      while (!stop && next < subjects.length) {
        const { user, paid } = subjects[next++]!;
        const t0 = performance.now();
        const { status } = await get(fleet[(next + w) % 3]!, user);
        answers.push({ ok: status === (paid ? 200 : 403), status, ms: performance.now() - t0, phase });
      }
    };
    const workers = Promise.all([0, 1, 2, 3].map(worker));
    try {
      const count = (p: string) => answers.filter((a) => a.phase === p).length;
      await until(() => count('before') >= 100, 10_000, 'load before the kill');
      phase = 'down';
      await redis.stop();
      await until(() => count('down') >= 200, 10_000, 'load while Redis is down');
      await redis.start();
      phase = 'after';
      await until(() => count('after') >= 100, 10_000, 'load after the restart');
    } finally {
      stop = true;
      await workers;
    }
    const wrong = answers.filter((a) => !a.ok);
    const down = answers.filter((a) => a.phase === 'down').map((a) => a.ms).sort((x, y) => x - y);
    console.log(`[multi-instance] Redis down: ${down.length} requests answered, max ${down.at(-1)!.toFixed(1)} ms, ${wrong.length} wrong of ${answers.length}`);
    expect(wrong).toEqual([]);
    expect(answers.some((a) => a.status === 503)).toBe(false);

    // Recovered by itself: an answer fetched by one instance is shared again, and invalidations travel again.
    await until(() => sharedThrough({ fleet, alone, raw, licenzy }, fleet[0]!, fleet[1]!), 10_000, 'L2 shared again');
    await until(async () => {
      const probe = `recovery_${randomUUID()}`;
      await fleet[0]!.call('invalidate', probe);
      return (await fleet[1]!.call('broadcastSeen', probe)) !== undefined && (await fleet[2]!.call('broadcastSeen', probe)) !== undefined;
    }, 10_000, 'invalidations travel again');
  });

  it('pub/sub dropped (CLIENT KILL TYPE pubsub): every instance clears its L1, resubscribes and keeps answering correctly', async () => {
    licenzy.mock.grant('pubsub_user');
    for (const instance of fleet) {
      expect((await get(instance, 'pubsub_user')).status).toBe(200);
      expect(await instance.call('cached', 'pubsub_user')).toBe(true);
    }
    const resets = await Promise.all(fleet.map((instance) => instance.call('resets')));
    expect(Number(await raw.client.sendCommand(['CLIENT', 'KILL', 'TYPE', 'pubsub']))).toBeGreaterThanOrEqual(3);
    for (const [i, instance] of fleet.entries()) {
      // Lost (one reset) and re-established (another): it may have missed invalidations in between, so L1 is gone.
      await until(async () => (await instance.call('resets')) >= resets[i]! + 2, PROPAGATION_BOUND, `resubscribed ${i}`);
      expect(await instance.call('cached', 'pubsub_user')).toBeUndefined();
      expect((await get(instance, 'pubsub_user')).status).toBe(200);
    }
    // Invalidations reach everyone again.
    licenzy.mock.revoke('pubsub_user');
    await fleet[0]!.call('invalidate', 'pubsub_user');
    for (const [i, instance] of fleet.entries()) await untilStatus(instance, 'pubsub_user', 403, `403 on instance ${i}`);
  });

});
