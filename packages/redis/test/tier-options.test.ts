// The Redis tier's options: every bad one a LicenzyConfigError naming it (and the closest known key), at creation.
import { describe, expect, it } from 'vitest';
import { LicenzyConfigError } from '@licenzy-gate/core';
import { createRedisTier } from '@licenzy-gate/redis';
import { parseTierOptions } from '../src/tier-options.js';

describe('createRedisTier options', () => {
  it.each([
    [{}, 'url'],
    [{ url: 'http://localhost' }, 'url'],
    [{ url: 'redis://x', client: {} }, 'url'],
    [{ client: { not: 'a client' } }, 'client'],
    [{ url: 'redis://x', prefix: '' }, 'prefix'],
    [{ url: 'redis://x', prefix: 'has space' }, 'prefix'],
    [{ url: 'redis://x', timeout: 0 }, 'timeout'],
    [{ url: 'redis://x', timeout: 1.5 }, 'timeout'],
    [{ url: 'redis://x', failureThreshold: 0 }, 'failureThreshold'],
    [{ url: 'redis://x', cooldown: -1 }, 'cooldown'],
    [{ url: 'redis://x', logger: console.log }, 'logger'],
    [{ url: 'redis://x', ttl: 5 }, 'ttl'],
    [{ url: 'redis://x', prefix: null }, 'prefix'],
    [{ url: 'redis://x', timeout: null }, 'timeout'],
    [{ url: 'redis://x', threshold: 0 }, 'threshold'],
  ])('rejects %o naming `%s`', (options, option) => {
    expect(() => createRedisTier(options as never)).toThrow(expect.objectContaining({ code: 'ERR_LICENZY_CONFIG', option }));
  });
});

describe('regression: the tier\'s options go through core\'s options path (issue 18)', () => {
  const create = (options: unknown) => () => createRedisTier(options as never);

  it.each([
    ['prefx', 'prefix'],
    ['keyPrefix', 'prefix'],
    ['timout', 'timeout'],
    ['treshold', 'threshold'],
  ])('a typo `%s` is a LicenzyConfigError naming it and `%s` (it named no valid key)', (typo, closest) => {
    expect(create({ url: 'redis://x', [typo]: 1 })).toThrow(LicenzyConfigError);
    expect(create({ url: 'redis://x', [typo]: 1 })).toThrow(
      expect.objectContaining({ option: typo, message: expect.stringContaining(`did you mean \`${closest}\`?`) }),
    );
  });

  it('`logger: null` is a LicenzyConfigError naming `logger`, never "no logger"', () => {
    expect(create({ url: 'redis://x', logger: null })).toThrow(expect.objectContaining({ code: 'ERR_LICENZY_CONFIG', option: 'logger' }));
  });

  it('takes `threshold` (the gate breaker\'s name) and still `failureThreshold`, deprecated; both at once is an error', () => {
    expect(parseTierOptions({ url: 'redis://x', threshold: 3 }).threshold).toBe(3);
    expect(parseTierOptions({ url: 'redis://x', failureThreshold: 4 }).threshold).toBe(4);
    expect(parseTierOptions({ url: 'redis://x' }).threshold).toBe(5);
    expect(create({ url: 'redis://x', threshold: 3, failureThreshold: 3 })).toThrow(expect.objectContaining({ option: 'failureThreshold' }));
  });
});
