// Issue 22: the Redis tier says when Redis becomes unavailable and when it is back (it was only counted in stats()),
// by default on the console like the gate; against a real redis-server killed mid-test.
import { deriveSharedScope } from '@licenzy-gate/core';
import { createRedisTier } from '@licenzy-gate/redis';
import { captureLogger } from '@licenzy-gate/testing';
import { describe, expect, it, vi } from 'vitest';
import { serverOf } from '../src/tier-log.js';
import { freePort, redisServerAvailable, startRedisServer, until } from './redis-server.js';

const available = redisServerAvailable();
const API_KEY = 'lz_test_tier_log_key_0001';
const scope = deriveSharedScope(API_KEY, 'test', 'https://licenzy.example');

describe('serverOf: host:port, never credentials', () => {
  it.each([
    [{ url: 'redis://:hunter2@cache.internal:6380/0' }, 'cache.internal:6380'],
    [{ url: 'rediss://user:pw@cache.internal' }, 'cache.internal:6379'],
    [{ client: { options: { host: '10.0.0.5', port: 7000, password: 'pw' } } }, '10.0.0.5:7000'],
    [{ client: { options: { url: 'redis://:pw@127.0.0.1:6390' } } }, '127.0.0.1:6390'],
    [{ client: {} }, undefined],
  ])('%j → %s', (source, expected) => {
    expect(serverOf(source)).toBe(expected);
  });
});

describe.skipIf(!available)('the tier logs its outages (real redis-server)', () => {
  it('a killed redis-server: one "unavailable" line with the reason and host:port, one "available again" with how long and how many operations failed', async () => {
    const server = await startRedisServer();
    const logger = captureLogger();
    const tier = createRedisTier({ url: server.url, timeout: 100, threshold: 2, cooldown: 50, logger });
    const binding = tier.bind(scope);
    let failed = 0;
    const read = () => binding.read('user_log').then(() => true, () => (failed++, false));
    try {
      await until(read, 5000, 'tier ready');
      // A read sent while the fresh tier was still connecting may have said so already: only the outage counts here.
      failed = 0;
      logger.lines.length = 0;
      await server.stop();
      for (let i = 0; i < 5; i++) expect(await read()).toBe(false);
      expect(logger.lines).toHaveLength(1);
      const address = `127.0.0.1:${server.port}`;
      expect(logger.lines[0]).toMatchObject({
        level: 'warn',
        message: expect.stringMatching(new RegExp(`^Redis tier unavailable \\((connection lost|command failed|timeout), ${address}\\): decisions come from Licenzy until it returns$`)),
        details: { reason: expect.any(String), server: address, error: expect.any(String) },
      });
      await server.start();
      await until(read, 10_000, 'tier back');
      expect(logger.lines).toHaveLength(2);
      const back = logger.lines[1]!;
      expect(back.message).toMatch(/^Redis tier available again after \d+ ms; \d+ operations? failed meanwhile$/);
      expect(back.details).toEqual({ server: address, downForMs: expect.any(Number), failed });
      expect(failed).toBeGreaterThanOrEqual(5);
      const text = logger.text().join('\n');
      expect(text).not.toContain(API_KEY);
      expect(text).not.toContain('user_log');
    } finally {
      await tier.close();
      await server.stop();
    }
  });

  it('without a `logger`, the lines go to the console with the `[licenzy-gate/redis]` prefix', async () => {
    const port = await freePort();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const tier = createRedisTier({ url: `redis://127.0.0.1:${port}`, timeout: 100 });
    try {
      await expect(tier.bind(scope).read('user_log')).rejects.toBeDefined();
      expect(warn).toHaveBeenCalledWith(
        `[licenzy-gate/redis] Redis tier unavailable (connection lost, 127.0.0.1:${port}): decisions come from Licenzy until it returns`,
        { reason: 'connection lost', server: `127.0.0.1:${port}`, error: 'Redis connection is not ready' },
      );
    } finally {
      warn.mockRestore();
      await tier.close();
    }
  });
});

