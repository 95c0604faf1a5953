// The Redis tier's options: their types, and their parsing through core's one options path.
import { LicenzyConfigError, type GateLogger, type Milliseconds } from '@licenzy-gate/core';
import { integerOption, loggerOption, optionKeys, optionsObject, renamedOption } from '@licenzy-gate/core/adapter';
import { clientKind, isClusterKind, type ConnectionSource, type RedisClientLike } from './connection.js';
import { redisConsoleLogger } from './tier-log.js';

/**
 * @deprecated The same type under its old name: use `GateLogger` from `@licenzy-gate/core` (one logger type for the
 * gate, its guards, the webhook receiver and the tier).
 */
export type RedisTierLogger = GateLogger;

/** Options of `createRedisTier()`. Exactly one of `url` and `client`. */
export interface RedisTierOptions {
  /** `redis://` or `rediss://` URL: the tier creates (and on `close()` closes) its own node-redis connections. */
  url?: string;
  /**
   * An app's own connected node-redis (>= 5) or ioredis (>= 5) client. The tier sends its commands on it (only when
   * it is ready, so its offline queue never grows because of the tier) and subscribes on a `duplicate()`.
   * `close()` closes the duplicate, never the app's client.
   */
  client?: RedisClientLike;
  /**
   * With `url`: the URL is one node of a Redis Cluster (`true`): the tier creates node-redis cluster connections
   * (`createCluster`) and uses the cluster key layout. Default `false`. An app's cluster client is detected by itself.
   */
  cluster?: boolean;
  /**
   * With `url`: the name of the primary a Sentinel monitors; the URL is then one Sentinel (`redis://host:26379`) and
   * the tier creates a node-redis Sentinel client (`createSentinel`). An app's Sentinel client is detected by itself.
   */
  sentinel?: string;
  /**
   * Replicas that must acknowledge an invalidation or a clear (`WAIT`) before it resolves; a shortfall within
   * `timeout` rejects it (a webhook answers 503 and Licenzy retries), so an acknowledged revocation survives a
   * failover. Default 1 on a Redis Cluster (node-redis or ioredis) and a node-redis Sentinel client, 0 on a single
   * server (no replica to wait for; pass 1 for an ioredis client in Sentinel mode, which looks like one).
   */
  replicas?: number;
  /** First segment of every key and channel, without `{` or `}` on a cluster. Default `'licenzy'`. */
  prefix?: string;
  /** Bound of each command, in ms: a slower answer is a miss. Default 200. */
  timeout?: Milliseconds;
  /** Consecutive failures after which the tier rejects at once for `cooldown` (the name the gate's breaker uses). Default 5. */
  threshold?: number;
  /** @deprecated The old name of `threshold`, accepted for one release; passing both is an error. */
  failureThreshold?: number;
  /** How long the open circuit rejects before one probe, in ms. Default 1000. */
  cooldown?: Milliseconds;
  /**
   * Where the tier says Redis became unavailable (the reason and `host:port`) and available again (after how long, how
   * many operations failed): once per outage, never per request. Default: the console, `[licenzy-gate/redis]` prefix.
   */
  logger?: GateLogger;
}

/** Every option name of {@link RedisTierOptions}, kept exact by the compiler. */
export const TIER_OPTION_KEYS = optionKeys<RedisTierOptions>({
  url: true, client: true, cluster: true, sentinel: true, replicas: true, prefix: true, timeout: true, threshold: true, failureThreshold: true, cooldown: true, logger: true,
});

/** Where the tier's connections come from. */
export type TierSource = ConnectionSource;

/** The tier's options, every one validated. */
export interface TierConfig {
  readonly source: TierSource;
  readonly prefix: string;
  /** Keys in hash slots: every key a script touches carries the subject's hash tag (see scope-keys.ts). */
  readonly cluster: boolean;
  /** Replicas an invalidation or a clear waits for (0: no WAIT). */
  readonly replicas: number;
  readonly timeout: number;
  readonly threshold: number;
  readonly cooldown: number;
  readonly logger: GateLogger;
}

/**
 * Validates every option of `createRedisTier()`: an unknown key (named with the closest known one) and any bad value
 * (`null` included, never "use the default") is a {@link LicenzyConfigError} naming it.
 */
export function parseTierOptions(options: RedisTierOptions): TierConfig {
  const opts = optionsObject('', options, TIER_OPTION_KEYS);
  const threshold = renamedOption(opts, 'threshold', 'failureThreshold');
  const source = parseSource(opts.url, opts.client, opts.cluster, opts.sentinel);
  const cluster = 'url' in source ? source.topology === 'cluster' : isClusterKind(source.kind);
  // Every topology with replicas waits for one. (A node-redis cluster once defaulted to 0: its WAIT "never saw the
  // replica" in our tests. The cause was the test cluster, not node-redis: for up to a second after a replica's
  // diskless full sync, Redis 7.0 holds the command stream until the replica's first REPLCONF ACK, and the
  // node-redis cases ran first on a fresh cluster. See the README's failover section.)
  const replicated = 'url' in source ? source.topology !== undefined : cluster || source.kind === 'node-redis-sentinel';
  return {
    source,
    prefix: parsePrefix(opts.prefix, cluster),
    cluster,
    replicas: integerOption('replicas', opts.replicas, replicated ? 1 : 0, 0),
    timeout: integerOption('timeout', opts.timeout, 200, 1),
    threshold: integerOption(threshold.name, threshold.value, 5, 1),
    cooldown: integerOption('cooldown', opts.cooldown, 1000, 0),
    logger: loggerOption('logger', opts.logger, redisConsoleLogger),
  };
}

function parseSource(url: unknown, client: unknown, cluster: unknown, sentinel: unknown): TierSource {
  if (url !== undefined && client !== undefined) throw new LicenzyConfigError('url', 'pass either `url` or `client`, not both');
  if (cluster !== undefined && typeof cluster !== 'boolean') throw new LicenzyConfigError('cluster', 'expected true or false');
  if (sentinel !== undefined && (typeof sentinel !== 'string' || !/^[A-Za-z0-9_.-]{1,64}$/.test(sentinel))) {
    throw new LicenzyConfigError('sentinel', 'expected the name of the primary the Sentinels monitor (1-64 of A-Z a-z 0-9 _ . -)');
  }
  if ((cluster === true || sentinel !== undefined) && url === undefined) {
    throw new LicenzyConfigError(cluster === true ? 'cluster' : 'sentinel', 'only with `url`: an app\'s cluster or Sentinel client is detected by itself');
  }
  if (cluster === true && sentinel !== undefined) throw new LicenzyConfigError('sentinel', 'pass either `cluster` or `sentinel`, not both');
  if (url !== undefined) {
    if (typeof url !== 'string' || !/^rediss?:\/\/./.test(url)) throw new LicenzyConfigError('url', 'expected a redis:// or rediss:// URL');
    if (cluster === true) return { url, topology: 'cluster' };
    return typeof sentinel === 'string' ? { url, topology: { sentinel } } : { url };
  }
  if (client !== undefined) {
    const kind = clientKind(client);
    if (kind === undefined) throw new LicenzyConfigError('client', 'expected a node-redis (>= 5) or ioredis (>= 5) client');
    return { client: client as RedisClientLike, kind };
  }
  throw new LicenzyConfigError('url', 'pass `url` (the tier connects) or `client` (an app\'s node-redis or ioredis client)');
}

function parsePrefix(prefix: unknown, cluster: boolean): string {
  if (prefix === undefined) return 'licenzy';
  if (typeof prefix !== 'string' || !/^[A-Za-z0-9_.:{}-]{1,64}$/.test(prefix)) {
    throw new LicenzyConfigError('prefix', 'expected 1-64 characters of A-Z a-z 0-9 _ . : { } -');
  }
  // A `{…}` in the prefix would be every key's hash tag: all subjects on one shard, and ours ignored.
  if (cluster && /[{}]/.test(prefix)) {
    throw new LicenzyConfigError('prefix', 'must not contain `{` or `}` on a Redis Cluster: it would pin every key to one hash slot');
  }
  return prefix;
}
