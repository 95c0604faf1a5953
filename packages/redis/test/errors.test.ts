// Issue 23, item 14: a tier error that reaches the app (invalidateEverywhere) carries none of the tier's internals.
import { inspect } from 'node:util';
import { createAccessGate, type LicenzyGate, type SharedTier } from '@licenzy-gate/core';
import { createRedisTier, RedisTierError } from '@licenzy-gate/redis';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisServerAvailable, startRedisServer, until, type RedisServer } from './redis-server.js';

const available = redisServerAvailable();
const quiet = { warn: () => undefined, error: () => undefined };
const PREFIX = 'hygiene:tier';

type Kind = 'url (node-redis)' | 'node-redis client' | 'ioredis client';

describe.skipIf(!available).each(['url (node-redis)', 'node-redis client', 'ioredis client'] as Kind[])('tier errors over %s', (kind) => {
  let server: RedisServer;
  let raw: ReturnType<typeof createClient>;
  const cleanups: Array<() => unknown> = [];
  beforeAll(async () => {
    server = await startRedisServer();
    raw = createClient({ url: server.url });
    await raw.connect();
  });
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    raw?.destroy();
    await server?.stop();
  });

  async function tier(): Promise<SharedTier> {
    if (kind === 'url (node-redis)') return createRedisTier({ url: server.url, prefix: PREFIX });
    if (kind === 'node-redis client') {
      const app = createClient({ url: server.url });
      app.on('error', () => undefined);
      await app.connect();
      cleanups.push(() => app.destroy());
      return createRedisTier({ client: app, prefix: PREFIX });
    }
    const app = new Redis(server.url, { maxRetriesPerRequest: 0 });
    app.on('error', () => undefined);
    await until(() => app.status === 'ready', 5000, 'ioredis ready');
    cleanups.push(() => app.disconnect());
    return createRedisTier({ client: app, prefix: PREFIX });
  }

  it('a failed invalidation rejects with a 503 whose cause chain names no key, channel or sealed message', async () => {
    const shared = await tier();
    cleanups.push(() => shared.close());
    const checker = { mode: 'test' as const, checkAccess: async (subjectRef: string) => ({ subjectRef, allowed: true }) };
    const gate: LicenzyGate = createAccessGate({ client: checker, apiKey: 'lz_test_hygiene_0001', shared, logger: quiet });
    await until(() => gate.invalidateEverywhere('victim').then(() => true, () => false), 5000, 'tier ready');
    // The subject's version counter now exists: make INCR fail on it, so Redis rejects the script.
    const [versionKey] = await raw.keys(`${PREFIX}:*:v:*`);
    expect(versionKey).toBeDefined();
    await raw.set(versionKey!, 'not-a-number');
    const error = await gate.invalidateEverywhere('victim').then(() => undefined, (rejected: unknown) => rejected as Error);
    expect(error).toMatchObject({ code: 'ERR_LICENZY_UNAVAILABLE', reason: 'shared' });
    const printed = inspect(error, { depth: Infinity });
    const namespace = versionKey!.split(':')[2]!;
    expect(printed).not.toContain(namespace);
    expect(printed).not.toContain(PREFIX);
    expect(printed).not.toContain('events');
    expect(printed).toContain('ERR_LICENZY_SHARED_COMMAND');
  });

  it('a RedisTierError itself carries no client error as its cause', async () => {
    const shared = await tier();
    cleanups.push(() => shared.close());
    const binding = shared.bind({ mode: 'test', namespace: 'n'.repeat(32), secret: new Uint8Array(32) });
    await until(() => binding.invalidate('victim_2').then(() => true, () => false), 5000, 'tier ready');
    const [versionKey] = await raw.keys(`${PREFIX}:${'n'.repeat(32)}:v:*`);
    await raw.set(versionKey!, 'not-a-number');
    const error = await binding.invalidate('victim_2').then(() => undefined, (rejected: unknown) => rejected);
    expect(error).toBeInstanceOf(RedisTierError);
    expect((error as Error).cause).toBeUndefined();
    expect(inspect(error, { depth: Infinity })).not.toContain('n'.repeat(32));
  });
});
