// The Redis tier's options: every bad one a LicenzyConfigError naming it (and the closest known key), at creation.
import { describe, expect, it } from 'vitest';
import { createClient, createCluster, createSentinel } from 'redis';
import { Cluster, Redis } from 'ioredis';
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

describe('cluster and Sentinel options (issue 24)', () => {
  // Real clients, never connected: detection is by shape, and no option here needs a server.
  const clients = {
    nodeRedis: () => createClient({ url: 'redis://127.0.0.1:1' }),
    nodeRedisCluster: () => createCluster({ rootNodes: [{ url: 'redis://127.0.0.1:1' }] }),
    nodeRedisSentinel: () => createSentinel({ name: 'licenzy', sentinelRootNodes: [{ host: '127.0.0.1', port: 1 }] }),
    ioredis: () => new Redis({ lazyConnect: true }),
    ioredisCluster: () => new Cluster([{ host: '127.0.0.1', port: 1 }], { lazyConnect: true }),
  };

  it.each([
    { name: 'url', options: { url: 'redis://x' }, cluster: false, replicas: 0 },
    { name: 'url + cluster: true', options: { url: 'redis://x', cluster: true }, cluster: true, replicas: 1 },
    { name: 'url + sentinel', options: { url: 'redis://x:26379', sentinel: 'licenzy' }, cluster: false, replicas: 1 },
    { name: 'a node-redis client', options: { client: clients.nodeRedis() }, cluster: false, replicas: 0 },
    { name: 'a node-redis cluster', options: { client: clients.nodeRedisCluster() }, cluster: true, replicas: 1 },
    { name: 'a node-redis Sentinel client', options: { client: clients.nodeRedisSentinel() }, cluster: false, replicas: 1 },
    { name: 'an ioredis client (Sentinel mode looks the same: pass replicas)', options: { client: clients.ioredis() }, cluster: false, replicas: 0 },
    { name: 'an ioredis Cluster', options: { client: clients.ioredisCluster() }, cluster: true, replicas: 1 },
  ])('$name: cluster key layout $cluster, invalidations wait for $replicas replica(s) by default', ({ options, cluster, replicas }) => {
    const config = parseTierOptions(options as never);
    expect(config.cluster).toBe(cluster);
    expect(config.replicas).toBe(replicas);
  });

  it('regression: a node-redis cluster waits for a replica by default, like an ioredis Cluster (it was 0)', () => {
    expect(parseTierOptions({ client: clients.nodeRedisCluster() as never }).replicas).toBe(1);
    expect(parseTierOptions({ url: 'redis://x', cluster: true }).replicas).toBe(1);
  });

  it('`replicas` overrides the default either way; a negative or fractional one names `replicas`', () => {
    expect(parseTierOptions({ url: 'redis://x', cluster: true, replicas: 0 }).replicas).toBe(0);
    expect(parseTierOptions({ url: 'redis://x', replicas: 2 }).replicas).toBe(2);
    for (const replicas of [-1, 1.5, null]) {
      expect(() => parseTierOptions({ url: 'redis://x', cluster: true, replicas } as never)).toThrow(expect.objectContaining({ option: 'replicas' }));
    }
  });

  it.each([
    [{ url: 'redis://x', cluster: 'yes' }, 'cluster'],
    [{ url: 'redis://x', sentinel: '' }, 'sentinel'],
    [{ url: 'redis://x', sentinel: 'has space' }, 'sentinel'],
    [{ url: 'redis://x', cluster: true, sentinel: 'licenzy' }, 'sentinel'],
    [{ client: 'nodeRedisCluster', cluster: true }, 'cluster'],
    [{ client: 'nodeRedis', sentinel: 'licenzy' }, 'sentinel'],
    [{ url: 'redis://x', cluster: true, prefix: 'app:{x}' }, 'prefix'],
    [{ client: 'ioredisCluster', prefix: '{app}' }, 'prefix'],
  ])('rejects %o naming `%s`', (options, option) => {
    const { client, ...rest } = options as { client?: keyof typeof clients };
    const withClient = client === undefined ? rest : { ...rest, client: clients[client]() };
    expect(() => parseTierOptions(withClient as never)).toThrow(expect.objectContaining({ code: 'ERR_LICENZY_CONFIG', option }));
  });

  it('a `{` in the prefix is fine off a cluster (the single-server keys have no hash tags)', () => {
    expect(parseTierOptions({ url: 'redis://x', prefix: '{app}' }).prefix).toBe('{app}');
  });
});
