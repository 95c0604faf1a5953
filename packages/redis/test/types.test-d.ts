// Type tests: createRedisTier takes a URL or a real node-redis / ioredis client, and returns core's SharedTier.
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { describe, expectTypeOf, it } from 'vitest';
import type { GateLogger, SharedTier } from '@licenzy-gate/core';
import { createRedisTier, type RedisTierLogger } from '../src/index.js';

describe('createRedisTier', () => {
  it('accepts a URL, a node-redis client and an ioredis client', () => {
    expectTypeOf(createRedisTier({ url: 'redis://localhost:6379' })).toEqualTypeOf<SharedTier>();
    expectTypeOf(createRedisTier).toBeCallableWith({ client: createClient() });
    expectTypeOf(createRedisTier).toBeCallableWith({ client: new Redis({ lazyConnect: true }) });
  });

  it('rejects what is not a Redis client', () => {
    // @ts-expect-error -- not a client
    expectTypeOf(createRedisTier).toBeCallableWith({ client: { get: () => 'x' } });
  });
});

describe('one name per concept (issue 18)', () => {
  it('RedisTierLogger is core\'s GateLogger under its deprecated name, and the tier takes `threshold` or `failureThreshold`', () => {
    expectTypeOf<RedisTierLogger>().toEqualTypeOf<GateLogger>();
    expectTypeOf(createRedisTier).toBeCallableWith({ url: 'redis://localhost:6379', threshold: 3 });
    expectTypeOf(createRedisTier).toBeCallableWith({ url: 'redis://localhost:6379', failureThreshold: 3 });
  });
});
