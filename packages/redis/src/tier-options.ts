// The Redis tier's options: their types, and their parsing through core's one options path.
import { LicenzyConfigError, type GateLogger, type Milliseconds } from '@licenzy-gate/core';
import { integerOption, loggerOption, optionKeys, optionsObject, renamedOption } from '@licenzy-gate/core/adapter';
import { clientKind, type RedisClientLike } from './connection.js';
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
  /** First segment of every key and channel. Default `'licenzy'`. */
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
  url: true, client: true, prefix: true, timeout: true, threshold: true, failureThreshold: true, cooldown: true, logger: true,
});

/** Where the tier's connections come from. */
export type TierSource = { url: string } | { client: RedisClientLike; kind: 'node-redis' | 'ioredis' };

/** The tier's options, every one validated. */
export interface TierConfig {
  readonly source: TierSource;
  readonly prefix: string;
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
  return {
    source: parseSource(opts.url, opts.client),
    prefix: parsePrefix(opts.prefix),
    timeout: integerOption('timeout', opts.timeout, 200, 1),
    threshold: integerOption(threshold.name, threshold.value, 5, 1),
    cooldown: integerOption('cooldown', opts.cooldown, 1000, 0),
    logger: loggerOption('logger', opts.logger, redisConsoleLogger),
  };
}

function parseSource(url: unknown, client: unknown): TierSource {
  if (url !== undefined && client !== undefined) throw new LicenzyConfigError('url', 'pass either `url` or `client`, not both');
  if (url !== undefined) {
    if (typeof url !== 'string' || !/^rediss?:\/\/./.test(url)) throw new LicenzyConfigError('url', 'expected a redis:// or rediss:// URL');
    return { url };
  }
  if (client !== undefined) {
    const kind = clientKind(client);
    if (kind === undefined) throw new LicenzyConfigError('client', 'expected a node-redis (>= 5) or ioredis (>= 5) client');
    return { client: client as RedisClientLike, kind };
  }
  throw new LicenzyConfigError('url', 'pass `url` (the tier connects) or `client` (an app\'s node-redis or ioredis client)');
}

function parsePrefix(prefix: unknown): string {
  if (prefix === undefined) return 'licenzy';
  if (typeof prefix !== 'string' || !/^[A-Za-z0-9_.:{}-]{1,64}$/.test(prefix)) {
    throw new LicenzyConfigError('prefix', 'expected 1-64 characters of A-Z a-z 0-9 _ . : { } -');
  }
  return prefix;
}
