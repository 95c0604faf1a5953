// A Licenzy webhook that arrives while Redis is down must not be acknowledged when only one instance forgot:
// the receiver answers 503 so Licenzy retries the delivery once the tier can carry it to every instance.
import { randomUUID } from 'node:crypto';
import { signStandardWebhook } from '@licenzy-gate/core';
import { useLocalLicenzy } from '@licenzy-gate/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { redisServerAvailable, startRedisServer, until, type RedisServer } from '../../packages/redis/test/redis-server.js';
import { startFleet, type Instance } from '../../scripts/fleet.mjs';

const available = redisServerAvailable();
const SECRET = `whsec_${Buffer.from('multi-instance test secret, 32 b').toString('base64')}`;

async function get(instance: Instance, user: string): Promise<number> {
  const response = await fetch(`${instance.url}/pro`, { headers: { 'x-demo-user': user } });
  await response.arrayBuffer();
  return response.status;
}

async function webhook(instance: Instance, subject: string): Promise<number> {
  const body = JSON.stringify({ type: 'entitlement.updated', id: randomUUID(), data: { subject_ref: subject } });
  const headers = signStandardWebhook({ secret: SECRET, id: `msg_${randomUUID()}`, timestamp: Math.floor(Date.now() / 1000), body });
  const response = await fetch(`${instance.url}/webhooks/licenzy`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body });
  await response.arrayBuffer();
  return response.status;
}

describe.skipIf(!available)('bug: a webhook during a Redis outage was acknowledged (200) though only one instance forgot', { timeout: 40_000 }, () => {
  let redis: RedisServer;
  const licenzy = useLocalLicenzy({ hooks: { beforeAll, afterAll, afterEach } });
  let fleet: Instance[] = [];
  beforeAll(async () => {
    redis = await startRedisServer();
    fleet = await startFleet(3, { LICENZY_API_KEY: licenzy.mock.testKey, LICENZY_API_URL: licenzy.mock.url, LICENZY_WEBHOOK_SECRET: SECRET, REDIS_URL: redis.url, FLEET_TTL: '60000' });
  });
  afterAll(async () => {
    await Promise.allSettled(fleet.map((instance) => instance.stop()));
    await redis?.stop();
  });

  it('answers 503 (Licenzy retries) while the invalidation cannot reach the other instances, and 200 once it can', async () => {
    licenzy.mock.grant('outage_revoked');
    for (const instance of fleet) expect(await get(instance, 'outage_revoked')).toBe(200);
    const resets = await Promise.all(fleet.map((instance) => instance.call('resets')));
    await redis.stop();
    for (const [i, instance] of fleet.entries()) await until(async () => (await instance.call('resets')) > resets[i]!, 10_000, 'link lost');
    licenzy.mock.revoke('outage_revoked');
    // Without the tier the others could not know: the delivery is refused so that Licenzy sends it again.
    expect(await webhook(fleet[0]!, 'outage_revoked')).toBe(503);
    await redis.start();
    // The retried delivery is carried to every instance: all answer 403 from then on.
    await until(async () => (await webhook(fleet[0]!, 'outage_revoked')) === 200, 15_000, 'delivery accepted after Redis is back');
    for (const instance of fleet) await until(async () => (await get(instance, 'outage_revoked')) === 403, 5_000, 'revocation seen by every instance');
  });
});
