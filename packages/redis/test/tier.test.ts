// The Redis tier against a real redis-server, once per client library: node-redis (own and app's) and ioredis.
import diagnostics from 'node:diagnostics_channel';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from 'redis';
import { Redis } from 'ioredis';
import { deriveSharedScope } from '@licenzy-gate/core';
import { type SharedEvent, type SharedTierBinding } from '@licenzy-gate/core/adapter';
import { createRedisTier, RedisTierError, SHARED_CHANNEL, type SharedDiagnostic } from '@licenzy-gate/redis';
import { deriveKeys, sealMessage } from '../src/crypto.js';
import { redisServerAvailable, startRedisServer, until, type RedisServer } from './redis-server.js';

const available = redisServerAvailable();
const scope = deriveSharedScope('lz_test_tier_key_0001', 'test', 'https://licenzy.example');
const liveScope = deriveSharedScope('lz_live_tier_key_0001', 'live', 'https://licenzy.example');
const otherAccount = deriveSharedScope('lz_test_tier_key_0002', 'test', 'https://licenzy.example');

type Kind = 'url (node-redis)' | 'node-redis client' | 'ioredis client';
const KINDS: Kind[] = ['url (node-redis)', 'node-redis client', 'ioredis client'];

type RawClient = ReturnType<typeof createClient>;

/** One app instance's tier (its own connections), and what must be closed after the test. */
async function instance(kind: Kind, url: string, extra: { timeout?: number; threshold?: number; cooldown?: number } = {}) {
  if (kind === 'url (node-redis)') {
    const tier = createRedisTier({ url, ...extra });
    return { tier, appClient: undefined, cleanup: () => tier.close() };
  }
  if (kind === 'node-redis client') {
    const app = createClient({ url, disableOfflineQueue: true });
    app.on('error', () => undefined);
    await app.connect();
    const tier = createRedisTier({ client: app, ...extra });
    return { tier, appClient: app, cleanup: async () => { await tier.close(); app.destroy(); } };
  }
  const app = new Redis(url, { maxRetriesPerRequest: 0, enableOfflineQueue: false });
  app.on('error', () => undefined);
  await until(() => app.status === 'ready', 5000, 'ioredis ready');
  const tier = createRedisTier({ client: app, ...extra });
  return { tier, appClient: app, cleanup: async () => { await tier.close(); app.disconnect(); } };
}

/** Waits until the tier answers (its connections are up); a fresh tier connects in the background. */
async function ready(binding: SharedTierBinding): Promise<void> {
  await until(() => binding.read('probe').then(() => true, () => false), 5000, 'tier ready');
}

/** Collects events, and establishes that the subscription is live before a test relies on it. */
async function listen(listener: SharedTierBinding, sender: SharedTierBinding) {
  const events: SharedEvent[] = [];
  let live = false;
  const unsubscribe = listener.subscribe((event) => {
    // Probes may arrive late (several were sent); they are not part of what a test asserts.
    if (event.type === 'invalidate' && event.subjectRef === 'subscription-probe') live = true;
    else events.push(event);
  });
  await until(async () => {
    await sender.invalidate('subscription-probe').catch(() => undefined);
    return live;
  }, 5000, 'subscription');
  return { events, unsubscribe };
}

const entry = (allowed: boolean, ttl = 60_000, staleTtl = 120_000) => ({ allowed, checkedAt: Date.now(), ttl, staleTtl });

describe.skipIf(!available).each(KINDS)('Redis tier over %s', (kind) => {
  let server: RedisServer;
  let raw: RawClient;
  const cleanups: Array<() => Promise<void>> = [];
  async function tierOf(extra?: Parameters<typeof instance>[2]) {
    const made = await instance(kind, server.url, extra);
    cleanups.push(made.cleanup);
    return made;
  }
  async function entryKeys(namespace = scope.namespace): Promise<string[]> {
    return (await raw.keys(`licenzy:${namespace}:e:*`)).sort();
  }

  beforeAll(async () => {
    server = await startRedisServer();
    raw = createClient({ url: server.url });
    await raw.connect();
  });
  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup();
    raw?.destroy();
    await server?.stop();
  });

  it('writes and reads back a decision with its remaining lifetime, under hashed keys only', async () => {
    const binding = (await tierOf()).tier.bind(scope);
    await ready(binding);
    const first = await binding.read('user_roundtrip');
    expect(first.entry).toBeUndefined();
    const written = entry(true);
    expect(await binding.write('user_roundtrip', written, first.token)).toBe(true);
    const { entry: read } = await binding.read('user_roundtrip');
    expect(read).toMatchObject({ allowed: true, checkedAt: written.checkedAt });
    expect(read!.ttl).toBeGreaterThan(59_000);
    expect(read!.ttl).toBeLessThanOrEqual(60_000);
    expect(read!.staleTtl).toBeGreaterThan(119_000);
    expect(read!.staleTtl).toBeLessThanOrEqual(120_000);
    const all = await raw.keys('*');
    expect(all.some((k) => k.includes('user_roundtrip'))).toBe(false);
    expect(all.every((k) => k.startsWith(`licenzy:${scope.namespace}:`) || k.startsWith(`licenzy:`))).toBe(true);
    const [key] = await entryKeys();
    expect(await raw.pTTL(key!)).toBeGreaterThan(119_000);
  });

  it('counts the remaining lifetime with Redis\'s clock: a shorter PX means a shorter fresh window, then stale only', async () => {
    const binding = (await tierOf()).tier.bind(scope);
    await ready(binding);
    await raw.flushAll();
    await binding.write('user_clock', entry(true), (await binding.read('user_clock')).token);
    const [key] = await entryKeys();
    await raw.pExpire(key!, 61_000); // 60 s of the stale margin left: 1 s fresh
    const fresh = await binding.read('user_clock');
    expect(fresh.entry!.ttl).toBeLessThanOrEqual(1000);
    expect(fresh.entry!.ttl).toBeGreaterThan(0);
    await raw.pExpire(key!, 30_000); // inside the stale margin: never answers a check
    const stale = await binding.read('user_clock');
    expect(stale.entry).toBeUndefined();
    expect(stale).toMatchObject({ stale: { allowed: true } });
    expect(stale.stale!.staleTtl).toBeLessThanOrEqual(30_000);
  });

  it('refuses to write an answer fetched before an invalidation (token race), on any instance', async () => {
    const a = (await tierOf()).tier.bind(scope);
    const b = (await tierOf()).tier.bind(scope);
    await Promise.all([ready(a), ready(b)]);
    await raw.flushAll();
    const { token } = await a.read('user_race');
    await b.invalidate('user_race');
    expect(await a.write('user_race', entry(true), token)).toBe(false);
    expect(await entryKeys()).toEqual([]);
    expect((await a.read('user_race')).entry).toBeUndefined();
    // A token read after the invalidation writes.
    expect(await a.write('user_race', entry(false), (await a.read('user_race')).token)).toBe(true);
    expect((await b.read('user_race')).entry).toMatchObject({ allowed: false });
  });

  it('clear() makes every entry of the scope unreadable and refuses tokens read before it', async () => {
    const binding = (await tierOf()).tier.bind(scope);
    await ready(binding);
    const { token } = await binding.read('user_clear_2');
    await binding.write('user_clear_1', entry(true), (await binding.read('user_clear_1')).token);
    await binding.clear();
    expect((await binding.read('user_clear_1')).entry).toBeUndefined();
    expect(await binding.write('user_clear_2', entry(true), token)).toBe('cleared');
    expect(await binding.write('user_clear_2', entry(true), (await binding.read('user_clear_2')).token)).toBe(true);
    expect((await binding.read('user_clear_2')).entry).toMatchObject({ allowed: true });
  });

  it('ignores an entry copied from one subject\'s key to another\'s (a grant never moves between subjects)', async () => {
    const binding = (await tierOf()).tier.bind(scope);
    await ready(binding);
    await raw.flushAll();
    await binding.write('user_paid', entry(true), (await binding.read('user_paid')).token);
    const [paidKey] = await entryKeys();
    await binding.write('user_free', entry(false), (await binding.read('user_free')).token);
    const freeKey = (await entryKeys()).find((k) => k !== paidKey)!;
    await raw.set(freeKey, (await raw.get(paidKey!))!, { PX: 60_000 });
    expect((await binding.read('user_free')).entry).toBeUndefined();
    expect((await binding.read('user_paid')).entry).toMatchObject({ allowed: true });
  });

  it('ignores a tampered entry and one written with another account\'s secret', async () => {
    const binding = (await tierOf()).tier.bind(scope);
    // Another account forced onto the same namespace: only the secret differs.
    const foreign = (await tierOf()).tier.bind({ ...otherAccount, namespace: scope.namespace });
    await Promise.all([ready(binding), ready(foreign)]);
    await raw.flushAll();
    await binding.write('user_t', entry(false), (await binding.read('user_t')).token);
    const [key] = await entryKeys();
    const genuine = (await raw.get(key!))!;
    const tampered = genuine.split('|');
    tampered[3] = '1'; // allowed: 0 -> 1
    expect(genuine.split('|')[3]).toBe('0');
    await raw.set(key!, tampered.join('|'), { PX: 60_000 });
    expect((await binding.read('user_t')).entry).toBeUndefined();
    await raw.set(key!, 'garbage', { PX: 60_000 });
    expect((await binding.read('user_t')).entry).toBeUndefined();

    await raw.flushAll();
    await foreign.write('user_t', entry(true), (await foreign.read('user_t')).token);
    const [foreignKey] = await entryKeys();
    await raw.set(key!, (await raw.get(foreignKey!))!, { PX: 60_000 });
    expect((await binding.read('user_t')).entry).toBeUndefined();
  });

  it('ignores a pre-invalidation grant copied back into place, one without expiry, and one past its own lifetime', async () => {
    const binding = (await tierOf()).tier.bind(scope);
    await ready(binding);
    await raw.flushAll();
    await binding.write('user_revoked', entry(true), (await binding.read('user_revoked')).token);
    const [key] = await entryKeys();
    const grant = (await raw.get(key!))!;
    await binding.invalidate('user_revoked'); // e.g. a refund
    await raw.set(key!, grant, { PX: 60_000 });
    expect((await binding.read('user_revoked')).entry).toBeUndefined();

    await raw.flushAll();
    await binding.write('user_forever', entry(true), (await binding.read('user_forever')).token);
    const [foreverKey] = await entryKeys();
    await raw.persist(foreverKey!);
    expect((await binding.read('user_forever')).entry).toBeUndefined();

    // A genuine 1-minute entry kept alive past its lifetime with a new PX: Redis's own clock says it is too old.
    await raw.flushAll();
    const { token } = await binding.read('user_old');
    const [epoch, version, readAt] = token.split(':');
    const dayAgo = `${epoch}:${version}:${Number(readAt) - 24 * 3600_000}`;
    expect(await binding.write('user_old', entry(true, 60_000, 60_000), dayAgo)).toBe(true);
    const [oldKey] = await entryKeys();
    expect(await raw.pTTL(oldKey!)).toBeGreaterThan(0);
    expect((await binding.read('user_old')).entry).toBeUndefined();
    // Written normally, the same entry reads back.
    expect(await binding.write('user_old', entry(true, 60_000, 60_000), token)).toBe(true);
    expect((await binding.read('user_old')).entry).toMatchObject({ allowed: true });
  });

  it('never serves an entry longer than it was written for: its age on Redis\'s clock comes off both lifetimes, whatever PX says', async () => {
    const binding = (await tierOf()).tier.bind(scope);
    await ready(binding);
    await raw.flushAll();
    const backdated = (token: string, ms: number) => {
      const [epoch, version, readAt] = token.split(':');
      return `${epoch}:${version}:${Number(readAt) - ms}`;
    };
    // A 2 s grant written 30 s ago, kept in Redis with a fresh PX (someone with Redis access): gone, not served.
    const { token } = await binding.read('user_extended');
    expect(await binding.write('user_extended', entry(true, 2_000, 2_000), backdated(token, 30_000))).toBe(true);
    const [key] = await entryKeys();
    await raw.pExpire(key!, 60_000);
    const extended = await binding.read('user_extended');
    expect(extended.entry).toBeUndefined();
    expect(extended.stale).toBeUndefined();
    // A 60 s grant written 10 s ago with a full PX: 50 s of it are left, not 60.
    await raw.flushAll();
    const second = await binding.read('user_aged');
    expect(await binding.write('user_aged', entry(true, 60_000, 60_000), backdated(second.token, 10_000))).toBe(true);
    const [agedKey] = await entryKeys();
    await raw.pExpire(agedKey!, 60_000);
    const aged = (await binding.read('user_aged')).entry;
    expect(aged?.ttl).toBeGreaterThan(49_000);
    expect(aged?.ttl).toBeLessThanOrEqual(50_000);
    expect(aged?.staleTtl).toBeLessThanOrEqual(50_000);
  });

  it('keeps test and live apart: separate keys, and a test entry copied under the live key is ignored', async () => {
    const tier = (await tierOf()).tier;
    const test = tier.bind(scope);
    const live = tier.bind(liveScope);
    await Promise.all([ready(test), ready(live)]);
    await raw.flushAll();
    await test.write('user_mode', entry(true), (await test.read('user_mode')).token);
    expect((await live.read('user_mode')).entry).toBeUndefined();
    await live.write('user_mode', entry(false), (await live.read('user_mode')).token);
    const [testKey] = await entryKeys(scope.namespace);
    const [liveKey] = await entryKeys(liveScope.namespace);
    expect(testKey).not.toEqual(liveKey);
    await raw.set(liveKey!, (await raw.get(testKey!))!, { PX: 60_000 });
    expect((await live.read('user_mode')).entry).toBeUndefined();
    expect((await test.read('user_mode')).entry).toMatchObject({ allowed: true });
  });

  it('tells other instances about invalidate, broadcast writes and clear; not about plain writes or their own', async () => {
    const a = (await tierOf()).tier.bind(scope);
    const b = (await tierOf()).tier.bind(scope);
    await Promise.all([ready(a), ready(b)]);
    const { events, unsubscribe } = await listen(a, b);
    await b.invalidate('user_pub');
    await until(() => events.length >= 1, 5000, 'invalidate event');
    expect(events.shift()).toEqual({ type: 'invalidate', subjectRef: 'user_pub' });

    await b.write('user_plain', entry(true), (await b.read('user_plain')).token);
    await b.write('user_paid_now', entry(true), (await b.read('user_paid_now')).token, { broadcast: true });
    await a.invalidate('user_own'); // a's own message comes back from Redis but is not an event for a
    await b.clear();
    await until(() => events.length >= 2, 5000, 'broadcast and clear');
    expect(events).toEqual([{ type: 'invalidate', subjectRef: 'user_paid_now' }, { type: 'clear' }]);
    unsubscribe();
  });

  it('ignores forged, foreign and malformed messages on the scope\'s channel', async () => {
    const a = (await tierOf()).tier.bind(scope);
    const b = (await tierOf()).tier.bind(scope);
    await Promise.all([ready(a), ready(b)]);
    const { events, unsubscribe } = await listen(a, b);
    const channel = `licenzy:${scope.namespace}:events`;
    const foreignKeys = deriveKeys({ ...otherAccount, namespace: scope.namespace });
    await raw.publish(channel, 'not base64 at all');
    await raw.publish(channel, Buffer.alloc(64, 1).toString('base64'));
    await raw.publish(channel, sealMessage(foreignKeys, { type: 'clear', origin: 'attacker', sentAt: Date.now() }));
    await raw.publish(channel, sealMessage(deriveKeys(liveScope), { type: 'clear', origin: 'attacker', sentAt: Date.now() }));
    await b.invalidate('user_after_forgeries');
    await until(() => events.length >= 1, 5000, 'genuine event');
    expect(events).toEqual([{ type: 'invalidate', subjectRef: 'user_after_forgeries' }]);
    unsubscribe();
  });

  it('fails fast while Redis hangs: rejects within the timeout, opens its circuit, and recovers by itself', async () => {
    const own = await startRedisServer();
    const made = await instance(kind, own.url, { timeout: 100, threshold: 2, cooldown: 50 });
    const binding = made.tier.bind(scope);
    const reports: SharedDiagnostic[] = [];
    const onReport = (message: unknown) => reports.push(message as SharedDiagnostic);
    diagnostics.subscribe(SHARED_CHANNEL, onReport);
    try {
      await ready(binding);
      const pid = own.pid;
      process.kill(pid, 'SIGSTOP');
      try {
        for (let i = 0; i < 2; i++) {
          const started = performance.now();
          await expect(binding.read('user_hang')).rejects.toMatchObject({ code: 'ERR_LICENZY_SHARED_TIMEOUT' });
          expect(performance.now() - started).toBeLessThan(400);
        }
        const started = performance.now();
        await expect(binding.write('user_hang', entry(true), '0:0:0')).rejects.toMatchObject({ code: 'ERR_LICENZY_SHARED_CIRCUIT_OPEN' });
        expect(performance.now() - started).toBeLessThan(50);
      } finally {
        process.kill(pid, 'SIGCONT');
      }
      await until(() => binding.read('user_hang').then(() => true, () => false), 5000, 'recovery');
      expect(reports.map((r) => r.type)).toContain('error');
      expect(reports.map((r) => r.type)).toContain('recovered');
      const error = reports.find((r) => r.type === 'error')!.error!;
      expect(error).toBeInstanceOf(Error);
      expect(error.message).not.toContain('user_hang');
    } finally {
      diagnostics.unsubscribe(SHARED_CHANNEL, onReport);
      await made.cleanup();
      await own.stop();
    }
  });

  it('emits reset when Redis dies and again when it returns, rejects fast while down, then works again', async () => {
    const own = await startRedisServer();
    const a = await instance(kind, own.url, { timeout: 100, threshold: 3, cooldown: 50 });
    const b = await instance(kind, own.url, { timeout: 100 });
    const ba = a.tier.bind(scope);
    const bb = b.tier.bind(scope);
    try {
      await Promise.all([ready(ba), ready(bb)]);
      const { events, unsubscribe } = await listen(ba, bb);
      await own.stop();
      await until(() => events.some((e) => e.type === 'reset'), 5000, 'reset on loss');
      for (let i = 0; i < 5; i++) {
        const started = performance.now();
        await expect(ba.read('user_down')).rejects.toBeInstanceOf(RedisTierError);
        expect(performance.now() - started).toBeLessThan(300);
      }
      events.length = 0;
      await own.start();
      await until(() => events.some((e) => e.type === 'reset'), 10_000, 'reset on return');
      // Back without any manual action: commands and pub/sub both work again.
      await until(() => ba.read('user_down').then(() => true, () => false), 10_000, 'commands back');
      const { token } = await ba.read('user_down');
      expect(await ba.write('user_down', entry(true), token)).toBe(true);
      await until(async () => {
        await bb.invalidate('user_back').catch(() => undefined);
        return events.some((e) => e.type === 'invalidate' && e.subjectRef === 'user_back');
      }, 10_000, 'pub/sub back');
      unsubscribe();
    } finally {
      await a.cleanup();
      await b.cleanup();
      await own.stop();
    }
  });

  it('close() closes every connection it opened, and leaves an app\'s own client open', async () => {
    // Counted by the server: a connection the tier forgot to close (or one reconnecting) shows up there.
    const connections = async () => String(await raw.sendCommand(['CLIENT', 'LIST'])).trim().split('\n').length;
    const before = await connections();
    const made = await instance(kind, server.url);
    const binding = made.tier.bind(scope);
    await ready(binding);
    const unsubscribe = binding.subscribe(() => undefined);
    const appConnections = made.appClient === undefined ? 0 : 1;
    await until(async () => (await connections()) === before + appConnections + (made.appClient === undefined ? 2 : 1), 5000, 'tier connected');
    await made.tier.close();
    await expect(binding.read('user_closed')).rejects.toMatchObject({ code: 'ERR_LICENZY_SHARED_CLOSED' });
    unsubscribe();
    await until(async () => (await connections()) === before + appConnections, 5000, 'tier connections closed');
    if (made.appClient !== undefined) {
      expect(await (made.appClient as { ping(): Promise<string> }).ping()).toBe('PONG');
      await made.cleanup();
    }
  });
});
