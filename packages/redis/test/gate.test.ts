// The gate on a shared Redis tier: several gates (instances) on one real redis-server and one mock Licenzy over HTTP.
import { createAccessGate, type AccessGate } from '@licenzy-gate/core';
import { createRedisTier } from '@licenzy-gate/redis';
import { createMockLicenzy, useLocalLicenzy } from '@licenzy-gate/testing';
import { createClient } from 'redis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createClock } from '../../core/test/fake-checker.js';
import { redisServerAvailable, startRedisServer, until, type RedisServer } from './redis-server.js';

const available = redisServerAvailable();
const CHECK = 'POST /v1/access/check';
const quiet = { warn: () => undefined, error: () => undefined };

describe.skipIf(!available)('createAccessGate({ shared: createRedisTier() })', { timeout: 20_000 }, () => {
  let redis: RedisServer;
  const licenzy = useLocalLicenzy({ hooks: { beforeAll, afterAll, afterEach } });
  const closers: Array<() => Promise<void>> = [];
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    await redis?.stop();
  });
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
    licenzy.mock.reset();
  });

  /** One app instance: its own tier (connections) and gate; all instances share Redis, Licenzy and the clock. */
  async function instance(clock = createClock(Date.now()), options: Parameters<typeof createAccessGate>[0] = {}): Promise<AccessGate> {
    const tier = createRedisTier({ url: redis.url, timeout: 500 });
    closers.push(() => tier.close());
    const gate = licenzy.gate({ retries: 0, now: clock.now, shared: tier, logger: quiet, ...options });
    // Wait until the tier's connections (and subscription) are up: a fresh tier connects in the background.
    await until(async () => {
      const errors = gate.stats().sharedErrors;
      const probe = `probe_${Math.random()}`;
      return gate.check(probe).then(() => gate.stats().sharedErrors === errors, () => false);
    }, 5000, 'tier ready');
    return gate;
  }

  it('one Licenzy call per subject per TTL across three instances; an L2 hit never extends the decision', async () => {
    const clock = createClock(Date.now());
    const gates = [await instance(clock), await instance(clock), await instance(clock)];
    licenzy.mock.grant('fleet_user');
    const before = licenzy.mock.count(CHECK);
    expect(await gates[0]!.check('fleet_user')).toMatchObject({ allowed: true, source: 'licenzy' });
    // The write-through is not awaited by the check; wait until another instance can read it.
    await until(async () => (await gates[1]!.check('fleet_user')).source === 'cache', 5000, 'L2 entry');
    expect(await gates[2]!.check('fleet_user')).toMatchObject({ allowed: true, source: 'cache' });
    expect(licenzy.mock.count(CHECK) - before).toBe(1);
    expect(gates[1]!.stats().sharedHits + gates[2]!.stats().sharedHits).toBe(2);
  });

  it('invalidate on one instance reaches every other instance (pub/sub), and a revoked grant is not served', async () => {
    const clock = createClock(Date.now());
    const [a, b] = [await instance(clock), await instance(clock)];
    licenzy.mock.grant('refunded');
    await a.check('refunded');
    await until(async () => (await b.check('refunded')).source === 'cache', 5000, 'L2 entry');
    expect(b.peek('refunded')).toMatchObject({ allowed: true });
    licenzy.mock.revoke('refunded');
    a.invalidate('refunded');
    await until(() => b.peek('refunded') === undefined, 5000, 'invalidation on b');
    expect(await b.check('refunded')).toMatchObject({ allowed: false, source: 'licenzy' });
  });

  it('a fresh answer on one instance ("just paid") replaces the cached denial on the others', async () => {
    const clock = createClock(Date.now());
    // The tier dates its entries on Redis's clock, which this test does not move: with the default freshInterval the
    // denial a fetched a moment ago (real time) would rightly answer its fresh check (see the fleet-bound test below).
    const [a, b] = [await instance(clock, { freshInterval: 0 }), await instance(clock, { freshInterval: 0 })];
    await a.check('buyer');
    await until(async () => (await b.check('buyer')).source === 'cache', 5000, 'L2 denial');
    expect(b.peek('buyer')).toMatchObject({ allowed: false });
    licenzy.mock.grant('buyer');
    clock.advance(1_000);
    expect(await a.check('buyer', { fresh: true })).toMatchObject({ allowed: true, source: 'licenzy' });
    await until(() => b.peek('buyer') === undefined, 5000, 'broadcast on b');
    expect(await b.check('buyer')).toMatchObject({ allowed: true, source: 'cache' });
  });

  it('Redis down: every check asks Licenzy and is answered correctly, never granted because of Redis', async () => {
    const clock = createClock(Date.now());
    const gate = await instance(clock);
    licenzy.mock.grant('paid_during_outage');
    await redis.stop();
    try {
      const before = licenzy.mock.count(CHECK);
      expect(await gate.check('paid_during_outage')).toMatchObject({ allowed: true, source: 'licenzy' });
      expect(await gate.check('unpaid_during_outage')).toMatchObject({ allowed: false, source: 'licenzy' });
      expect(licenzy.mock.count(CHECK) - before).toBe(2);
      expect(gate.stats().sharedErrors).toBeGreaterThan(0);
    } finally {
      await redis.start();
    }
  });

  it('gates of different keys on one Redis never share entries', async () => {
    const clock = createClock(Date.now());
    const tierA = createRedisTier({ url: redis.url });
    const tierB = createRedisTier({ url: redis.url });
    closers.push(() => tierA.close(), () => tierB.close());
    const live = await createMockLicenzy();
    closers.push(() => live.close());
    const testGate = licenzy.gate({ now: clock.now, shared: tierA, logger: quiet });
    const liveGate = createAccessGate({ apiKey: live.liveKey, baseUrl: live.url, now: clock.now, shared: tierB, logger: quiet });
    licenzy.mock.grant('both_modes');
    await until(async () => (await testGate.check('both_modes')).allowed, 5000, 'test gate');
    const before = live.count(CHECK);
    expect(await liveGate.check('both_modes')).toMatchObject({ allowed: false, source: 'licenzy', mode: 'live' });
    expect(live.count(CHECK) - before).toBe(1);
  });

  it('counters tampered with in Redis cost what an outage costs, no more: answers stay cached locally and the errors are counted', async () => {
    const clock = createClock(Date.now());
    const gate = await instance(clock);
    licenzy.mock.grant('tamper_a');
    await gate.check('tamper_a');
    const raw = createClient({ url: redis.url });
    await raw.connect();
    try {
      const [entryKey] = await raw.keys('licenzy:*:e:*');
      const namespace = entryKey!.split(':')[1];
      await raw.set(`licenzy:${namespace}:epoch`, 'not-a-number');
    } finally {
      raw.destroy();
    }
    gate.clear(); // both subjects start cold, with the tampered epoch in place
    const before = licenzy.mock.count(CHECK);
    const errors = gate.stats().sharedErrors;
    for (let i = 0; i < 10; i++) {
      expect(await gate.check('tamper_a')).toMatchObject({ allowed: true });
      expect(await gate.check('tamper_b')).toMatchObject({ allowed: false });
    }
    expect(licenzy.mock.count(CHECK) - before).toBe(2);
    expect(gate.stats().sharedErrors).toBeGreaterThan(errors);
  });
});
