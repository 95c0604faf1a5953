// Issue 23, item 1: every gate (binding) on one tier hears every message, whatever the client, on a real redis-server.
import { createAccessGate, deriveSharedScope, type LicenzyGate, type SharedTier } from '@licenzy-gate/core';
import type { SharedEvent, SharedTierBinding } from '@licenzy-gate/core/adapter';
import { createRedisTier } from '@licenzy-gate/redis';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flush } from '../../core/test/fake-checker.js';
import { redisServerAvailable, startRedisServer, until, type RedisServer } from './redis-server.js';

const available = redisServerAvailable();
const scope = deriveSharedScope('lz_test_subscriptions_0001', 'test', 'https://licenzy.example');
const quiet = { warn: () => undefined, error: () => undefined };

type Kind = 'url (node-redis)' | 'node-redis client' | 'ioredis client';
const KINDS: Kind[] = ['url (node-redis)', 'node-redis client', 'ioredis client'];

describe.skipIf(!available).each(KINDS)('two gates on one tier over %s', (kind) => {
  let server: RedisServer;
  const cleanups: Array<() => Promise<void> | void> = [];
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    await server?.stop();
  });

  async function tierOf(which: Kind): Promise<SharedTier> {
    if (which === 'url (node-redis)') {
      const tier = createRedisTier({ url: server.url });
      cleanups.push(() => tier.close());
      return tier;
    }
    if (which === 'node-redis client') {
      const app = createClient({ url: server.url });
      app.on('error', () => undefined);
      await app.connect();
      const tier = createRedisTier({ client: app });
      cleanups.push(() => app.destroy(), () => tier.close());
      return tier;
    }
    const app = new Redis(server.url, { maxRetriesPerRequest: 0 });
    app.on('error', () => undefined);
    await until(() => app.status === 'ready', 5000, 'ioredis ready');
    const tier = createRedisTier({ client: app });
    cleanups.push(() => app.disconnect(), () => tier.close());
    return tier;
  }

  /** Waits until `listener` hears what `sender` publishes (the subscription is live); returns what it heard since. */
  async function live(listener: SharedTierBinding, sender: SharedTierBinding): Promise<{ events: SharedEvent[]; stop: () => void }> {
    const events: SharedEvent[] = [];
    let heard = false;
    const stop = listener.subscribe((event) => {
      // Link resets (the subscriber connecting) are not what this test is about.
      if (event.type === 'invalidate' && event.subjectRef === 'probe') heard = true;
      else if (event.type !== 'reset') events.push(event);
    });
    await until(async () => {
      await sender.invalidate('probe').catch(() => undefined);
      return heard;
    }, 5000, 'subscription');
    return { events, stop };
  }

  it('both bindings of one tier hear another instance\'s invalidation, and one leaving does not silence the other', async () => {
    const shared = await tierOf(kind);
    const [first, second] = [shared.bind(scope), shared.bind(scope)];
    const other = (await tierOf('url (node-redis)')).bind(scope);
    const a = await live(first, other);
    const b = await live(second, other);
    await other.invalidate('refunded');
    await until(() => a.events.length > 0 && b.events.length > 0, 5000, 'both bindings');
    expect(a.events).toEqual([{ type: 'invalidate', subjectRef: 'refunded' }]);
    expect(b.events).toEqual([{ type: 'invalidate', subjectRef: 'refunded' }]);

    b.stop();
    await flush();
    await other.invalidate('refunded_again');
    await until(() => a.events.length > 1, 5000, 'first binding after the second left');
    expect(a.events[1]).toEqual({ type: 'invalidate', subjectRef: 'refunded_again' });
    expect(b.events).toHaveLength(1);
  });

  it('two gates on one tier: a revocation on a third instance reaches both (a revoked grant is not served by either)', async () => {
    const paid = new Set(['refunded_user', 'probe_subject']);
    const checker = { mode: 'test' as const, checkAccess: async (subjectRef: string) => ({ subjectRef, allowed: paid.has(subjectRef) }) };
    const shared = await tierOf(kind);
    const gateOn = (tier: SharedTier): LicenzyGate =>
      createAccessGate({ client: checker, apiKey: 'lz_test_subscriptions_0001', shared: tier, logger: quiet, circuitBreaker: false });
    const [g1, g2] = [gateOn(shared), gateOn(shared)];
    const g3 = gateOn(await tierOf('url (node-redis)'));
    // Both subscriptions are up once a probe invalidation from g3 reaches both gates.
    await until(async () => {
      await Promise.all([g1.check('probe_subject'), g2.check('probe_subject')]).catch(() => undefined);
      if (g1.peek('probe_subject') === undefined || g2.peek('probe_subject') === undefined) return false;
      await g3.invalidateEverywhere('probe_subject').catch(() => undefined);
      await new Promise((r) => setTimeout(r, 20));
      return g1.peek('probe_subject') === undefined && g2.peek('probe_subject') === undefined;
    }, 5000, 'both gates subscribed');
    expect(await g1.check('refunded_user')).toMatchObject({ allowed: true });
    expect(await g2.check('refunded_user')).toMatchObject({ allowed: true });
    paid.delete('refunded_user');
    await g3.invalidateEverywhere('refunded_user');
    await until(() => g1.peek('refunded_user') === undefined && g2.peek('refunded_user') === undefined, 3000, 'revocation on both gates');
    expect(await g1.check('refunded_user')).toMatchObject({ allowed: false });
    expect(await g2.check('refunded_user')).toMatchObject({ allowed: false });
  });
});
