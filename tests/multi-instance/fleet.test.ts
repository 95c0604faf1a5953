// Issue 9, for real: three app processes (scripts/fleet-app.mjs on the built packages) on one redis-server and one
// mock Licenzy, over HTTP on loopback. A second fleet without the tier shows what the tier fixes.
import { randomUUID } from 'node:crypto';
import { signStandardWebhook } from '@licenzy-gate/core';
import { useLocalLicenzy } from '@licenzy-gate/testing';
import { createClient } from 'redis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { redisServerAvailable, startRedisServer, until, type RedisServer } from '../../packages/redis/test/redis-server.js';
import { startFleet, type Instance } from '../../scripts/fleet.mjs';

const available = redisServerAvailable();
const CHECK = 'POST /v1/access/check';
const WEBHOOK_SECRET = `whsec_${Buffer.from('multi-instance test secret, 32 b').toString('base64')}`;
// Long lifetimes, so a 200 or 403 that changes during a case changed because of the tier, never by expiry; different
// ones, so a grant's entry in Redis is told from a denial's by its PTTL.
const TTL = 60_000;
const DENIED_TTL = 50_000;
const LIFETIMES = { FLEET_TTL: String(TTL), FLEET_DENIED_TTL: String(DENIED_TTL) };
/** Bound on "every instance sees it": generous for a shared CI machine; the bench measures the real figure. */
const PROPAGATION_BOUND = 3_000;

type Answer = { status: number; source: string | null };

async function get(instance: Instance, user: string, path = '/pro'): Promise<Answer> {
  const response = await fetch(`${instance.url}${path}`, { headers: { 'x-demo-user': user } });
  await response.arrayBuffer();
  return { status: response.status, source: response.headers.get('x-decision-source') };
}

/** A signed `entitlement.updated` delivery for `subject`, posted to one instance's webhook route. */
async function sendWebhook(instance: Instance, subject: string): Promise<number> {
  const body = JSON.stringify({ type: 'entitlement.updated', id: randomUUID(), data: { subject_ref: subject, has_access: false } });
  const headers = signStandardWebhook({ secret: WEBHOOK_SECRET, id: `msg_${randomUUID()}`, timestamp: Math.floor(Date.now() / 1000), body });
  const response = await fetch(`${instance.url}/webhooks/licenzy`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body });
  await response.arrayBuffer();
  return response.status;
}

/** Waits until `instance` answers `status` for `user` (a bounded wait on the condition, never a sleep). */
const untilStatus = (instance: Instance, user: string, status: number, what: string) =>
  until(async () => (await get(instance, user)).status === status, PROPAGATION_BOUND, what);

describe.skipIf(!available)('three app processes on one Redis', { timeout: 30_000 }, () => {
  let redis: RedisServer;
  const licenzy = useLocalLicenzy({ hooks: { beforeAll, afterAll, afterEach } });
  let raw: ReturnType<typeof createClient>;
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
    raw = createClient({ url: redis.url });
    raw.on('error', () => undefined); // the outage case kills the server under it
    await raw.connect();
    // The tier connects in the background: wait until all three subscribed and an answer is shared through Redis.
    await until(async () => {
      const [channel] = await channels();
      const reply = channel === undefined ? [] : ((await raw.sendCommand(['PUBSUB', 'NUMSUB', channel])) as unknown[]);
      return Number(reply[1]) === 3;
    }, 5000, 'three subscriptions');
    for (const [i, instance] of fleet.entries()) await until(() => sharedThrough(instance, fleet[(i + 1) % 3]!), 5000, `tier ready on ${i}`);
  });

  afterAll(async () => {
    // Every child goes, even when a case failed half-way.
    await Promise.allSettled([...fleet, ...alone].map((instance) => instance.stop()));
    await raw?.quit().catch(() => undefined);
    await redis?.stop();
  });

  async function channels(): Promise<string[]> {
    return (await raw.sendCommand(['PUBSUB', 'CHANNELS', '*'])) as string[];
  }

  /** Whether an answer `from` fetched reaches `to` through Redis (no second Licenzy call). A new subject per probe. */
  async function sharedThrough(from: Instance, to: Instance): Promise<boolean> {
    const probe = `probe_${randomUUID()}`;
    licenzy.mock.grant(probe);
    if ((await get(from, probe)).status !== 200) return false;
    const before = licenzy.mock.count(CHECK);
    const answer = await get(to, probe);
    return answer.status === 200 && licenzy.mock.count(CHECK) === before;
  }

  it('a revocation webhook sent to one instance is seen by all three (and, without the tier, by only that one)', async () => {
    for (const [instances, user] of [[fleet, 'wh_revoked'], [alone, 'wh_revoked_alone']] as const) {
      licenzy.mock.grant(user);
      for (const instance of instances) expect((await get(instance, user)).status).toBe(200);
      licenzy.mock.revoke(user);
      // Cached: without a signal, every instance keeps granting for the TTL.
      for (const instance of instances) expect((await get(instance, user)).status).toBe(200);
      expect(await sendWebhook(instances[0]!, user)).toBe(200);
    }
    for (const [i, instance] of fleet.entries()) await untilStatus(instance, 'wh_revoked', 403, `403 on instance ${i}`);
    expect((await get(alone[0]!, 'wh_revoked_alone')).status).toBe(403);
    // The contrast: the other instances of the fleet without the tier never heard of it.
    expect((await get(alone[1]!, 'wh_revoked_alone')).status).toBe(200);
    expect((await get(alone[2]!, 'wh_revoked_alone')).status).toBe(200);
  });

  it('a purchase plus a fresh check on one instance unblocks all three (the others drop their cached denial)', async () => {
    for (const [instances, user] of [[fleet, 'buyer'], [alone, 'buyer_alone']] as const) {
      // Instances 1 and 2 cache the denial; instance 0 has not seen the user (so its fresh check is not the recent denial).
      expect((await get(instances[1]!, user)).status).toBe(403);
      expect((await get(instances[2]!, user)).status).toBe(403);
      licenzy.mock.grant(user); // no webhook in this fleet: only the fresh check can tell the others
      expect((await get(instances[1]!, user)).status).toBe(403);
      expect(await get(instances[0]!, user, '/pro/fresh')).toEqual({ status: 200, source: 'licenzy' });
    }
    const before = licenzy.mock.count(CHECK);
    await untilStatus(fleet[1]!, 'buyer', 200, '200 on instance 1');
    await untilStatus(fleet[2]!, 'buyer', 200, '200 on instance 2');
    // …answered from the fresh entry in Redis, not by asking Licenzy again.
    expect(licenzy.mock.count(CHECK) - before).toBe(0);
    expect((await get(alone[1]!, 'buyer_alone')).status).toBe(403);
    expect((await get(alone[2]!, 'buyer_alone')).status).toBe(403);
  });

  it('one subject costs one Licenzy call per TTL across the fleet, with requests spread over all three (three without the tier)', async () => {
    const spread = async (instances: Instance[], user: string) => {
      licenzy.mock.grant(user);
      const before = licenzy.mock.count(CHECK);
      const keys = await raw.dbSize();
      expect((await get(instances[0]!, user)).status).toBe(200);
      // The first answer's write-through is not awaited by the request: until it lands (one Redis round trip), a
      // request on another instance may ask Licenzy too, like a cold stampede. From then on the fleet shares it.
      if (instances === fleet) await until(async () => (await raw.dbSize()) > keys, 5000, 'write-through');
      // Round-robin one at a time, then a concurrent burst over all three.
      for (let i = 0; i < 30; i++) expect((await get(instances[i % 3]!, user)).status).toBe(200);
      const burst = await Promise.all(Array.from({ length: 60 }, (_, i) => get(instances[i % 3]!, user)));
      expect(burst.every((answer) => answer.status === 200)).toBe(true);
      return licenzy.mock.count(CHECK) - before;
    };
    expect(await spread(fleet, 'spread_user')).toBe(1);
    expect(await spread(alone, 'spread_user_alone')).toBe(3);
  });

  it("an entry copied in Redis from one subject's key onto another's is ignored: no grant, Licenzy is asked", async () => {
    const entryKeys = async () => new Set((await raw.sendCommand(['KEYS', '*:e:*'])) as string[]);
    /** The one entry key written since `known` (the test sees keys appear, as anyone with Redis access could). */
    const newKey = async (known: Set<string>) => {
      let found: string[] = [];
      await until(async () => (found = [...(await entryKeys())].filter((key) => !known.has(key))).length > 0, 5000, 'entry written');
      expect(found).toHaveLength(1);
      return found[0]!;
    };
    licenzy.mock.grant('copy_paid');
    let known = await entryKeys();
    expect((await get(fleet[0]!, 'copy_paid')).status).toBe(200);
    const paidKey = await newKey(known);
    known = await entryKeys();
    expect((await get(fleet[0]!, 'copy_free')).status).toBe(403);
    const freeKey = await newKey(known);
    // A grant's entry lives `ttl`, a denial's `deniedTtl`: the keys are the ones we think they are.
    expect(await raw.pTTL(paidKey)).toBeGreaterThan(DENIED_TTL);
    expect(await raw.pTTL(freeKey)).toBeLessThanOrEqual(DENIED_TTL);
    // The attacker with Redis access: the paying subject's (genuine) entry onto the other subject's key.
    expect(Number(await raw.sendCommand(['COPY', paidKey, freeKey, 'REPLACE']))).toBe(1);
    expect(await raw.get(freeKey)).toBe(await raw.get(paidKey));

    const before = licenzy.mock.count(CHECK);
    // Instance 2 has neither subject in L1: both answers come from Redis or Licenzy.
    expect(await get(fleet[2]!, 'copy_paid')).toEqual({ status: 200, source: 'cache' }); // the genuine entry is used…
    expect(licenzy.mock.count(CHECK) - before).toBe(0);
    expect((await get(fleet[2]!, 'copy_free')).status).toBe(403); // …the copy is not: Licenzy was asked
    expect(licenzy.mock.count(CHECK) - before).toBe(1);
  });

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
    await until(() => sharedThrough(fleet[0]!, fleet[1]!), 10_000, 'L2 shared again');
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
    expect(Number(await raw.sendCommand(['CLIENT', 'KILL', 'TYPE', 'pubsub']))).toBeGreaterThanOrEqual(3);
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
