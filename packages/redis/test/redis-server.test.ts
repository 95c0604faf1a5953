// The test helper's behaviour without redis-server: one clear line, a failure in CI, a skip elsewhere.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { redisServerAvailable } from './redis-server.js';

describe('redisServerAvailable without a redis-server binary', () => {
  const previous = process.env.LICENZY_REQUIRE_SERVERS;
  afterEach(() => {
    if (previous === undefined) delete process.env.LICENZY_REQUIRE_SERVERS;
    else process.env.LICENZY_REQUIRE_SERVERS = previous;
    vi.restoreAllMocks();
  });

  it('fails with one line saying how to install it when CI requires servers', () => {
    process.env.LICENZY_REQUIRE_SERVERS = '1';
    expect(() => redisServerAvailable('/nonexistent/redis-server')).toThrow(/apt-get install redis-server/);
  });

  it('otherwise prints that line and reports it unavailable (the suite skips)', () => {
    delete process.env.LICENZY_REQUIRE_SERVERS;
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    expect(redisServerAvailable('/nonexistent/redis-server')).toBe(false);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('apt-get install redis-server'));
  });
});
