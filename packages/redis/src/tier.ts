// createRedisTier: the shared decision tier on Redis (authenticated entries, atomic invalidation, sealed pub/sub).
import { randomUUID } from 'node:crypto';
import diagnostics from 'node:diagnostics_channel';
import {
  LicenzyConfigError,
  type SharedEvent,
  type SharedTier,
  type SharedTierBinding,
  type SharedTierScope,
} from '@licenzy-gate/core';
import { createCommandBreaker } from './breaker.js';
import {
  clientKind,
  openConnections,
  type CommandConnection,
  type RedisClientLike,
  type SubscriberConnection,
} from './connection.js';
import { decodeEntry, deriveKeys, encodeEntry, openMessage, sealMessage, subjectHash, type ScopeKeys } from './crypto.js';
import { RedisTierError } from './errors.js';
import * as scripts from './scripts.js';
import { evalScript } from './eval.js';

/** Where the tier reports trouble; messages never contain a subject, a Redis key or the API key. */
export interface RedisTierLogger {
  warn(message: string, details?: Record<string, unknown>): void;
  error(message: string, details?: Record<string, unknown>): void;
}

/** Options of {@link createRedisTier}. Exactly one of `url` and `client`. */
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
  timeout?: number;
  /** Consecutive failures after which the tier rejects at once for `cooldown`. Default 5. */
  failureThreshold?: number;
  /** How long the open circuit rejects before one probe, in ms. Default 1000. */
  cooldown?: number;
  /** Reports errors and recoveries (once per outage, not per request). Default: none (see the `licenzy-gate:shared` channel). */
  logger?: RedisTierLogger;
}

/** Payload published on the `licenzy-gate:shared` diagnostics channel. */
export interface SharedDiagnostic {
  readonly type: 'error' | 'recovered' | 'reset';
  /** Only the message of what failed (no stack, no cause): safe to log. */
  readonly error?: Error;
  /** The namespace of the binding concerned, when the event concerns one. */
  readonly namespace?: string;
}

/** The name of the diagnostics channel the tier reports on. */
export const SHARED_CHANNEL = 'licenzy-gate:shared';
const channel = diagnostics.channel(SHARED_CHANNEL);

/** An epoch or version counter as the tier writes it. */
const COUNTER = /^(0|[1-9][0-9]{0,15})$/;
/** Lifetime of a subject's version counter after an invalidation, in ms: far longer than any call in flight. */
const VERSION_TTL = 60 * 60 * 1000;

/**
 * Creates a shared decision tier on Redis, for `createAccessGate({ shared: tier })` in every app instance.
 * Redis holds data, not authority: entries and messages are authenticated with keys derived from the API key,
 * keys hold only hashes, and any Redis trouble rejects (the gate then asks Licenzy).
 *
 * @example
 * import { createRedisTier } from '@licenzy-gate/redis';
 * const shared = createRedisTier({ url: process.env.REDIS_URL });
 * const gate = createAccessGate({ shared });
 * process.on('SIGTERM', () => shared.close());
 *
 * @example
 * // Reuse the app's ioredis client (the tier never closes it)
 * const shared = createRedisTier({ client: new Redis(process.env.REDIS_URL), prefix: 'myapp:licenzy' });
 */
export function createRedisTier(options: RedisTierOptions): SharedTier {
  const parsed = parseOptions(options);
  const report = (payload: SharedDiagnostic) => {
    if (channel.hasSubscribers) channel.publish(payload);
  };
  const breaker = createCommandBreaker({
    timeout: parsed.timeout,
    failureThreshold: parsed.failureThreshold,
    cooldown: parsed.cooldown,
    now: Date.now,
    onFailure(error, firstOfOutage) {
      report({ type: 'error', error: new Error(error.message) });
      if (firstOfOutage) parsed.logger?.warn('Redis tier unavailable: decisions come from Licenzy until it returns', { error: error.message });
    },
    onRecovered() {
      report({ type: 'recovered' });
      parsed.logger?.warn('Redis tier recovered');
    },
  });

  const resetListeners = new Set<(up: boolean) => void>();
  let closed = false;
  const { commands, subscriber } = openConnections(parsed.source, parsed.timeout, {
    onLink(up) {
      for (const listener of resetListeners) listener(up);
    },
    onError() {
      // Connection errors also show up as failed commands (reported there) or as link changes.
    },
  });

  function run<T>(command: (connection: CommandConnection) => Promise<T>): Promise<T> {
    if (closed) return Promise.reject(new RedisTierError('ERR_LICENZY_SHARED_CLOSED', 'Redis tier is closed'));
    return breaker.run(() => command(commands));
  }

  return {
    bind(scope) {
      return bindScope(scope, parsed.prefix, run, subscriber, resetListeners, report);
    },
    async close() {
      if (closed) return;
      closed = true;
      resetListeners.clear();
      await Promise.all([commands.close(), subscriber.close()]);
    },
  };
}

function bindScope(
  scope: SharedTierScope,
  prefix: string,
  run: <T>(command: (connection: CommandConnection) => Promise<T>) => Promise<T>,
  subscriber: SubscriberConnection,
  resetListeners: Set<(up: boolean) => void>,
  report: (payload: SharedDiagnostic) => void,
): SharedTierBinding {
  const keys: ScopeKeys = deriveKeys(scope);
  const base = `${prefix}:${scope.namespace}`;
  const epochKey = `${base}:epoch`;
  const eventsChannel = `${base}:events`;
  const origin = randomUUID();
  const keysOf = (subjectRef: string) => {
    const hash = subjectHash(keys, subjectRef);
    return { hash, version: `${base}:v:${hash}`, entry: `${base}:e:${hash}` };
  };
  const listeners = new Set<(event: SharedEvent) => void>();
  const emit = (event: SharedEvent) => {
    for (const listener of listeners) {
      try {
        listener(event);
      } catch {
        // One listener's bug must not stop the others from forgetting.
      }
    }
  };
  let subscribed: Promise<void> | undefined;
  const onLink = () => {
    report({ type: 'reset', namespace: scope.namespace });
    emit({ type: 'reset' });
  };

  function onMessage(sealed: string) {
    const message = openMessage(keys, sealed);
    // Forged, tampered or foreign messages are dropped; our own need no action.
    if (message === undefined || message.origin === origin) return;
    emit(message.type === 'clear' ? { type: 'clear' } : { type: 'invalidate', subjectRef: message.subjectRef });
  }

  return {
    async read(subjectRef) {
      const k = keysOf(subjectRef);
      const reply = await run((c) => evalScript(c, scripts.READ, [epochKey, k.version, k.entry], []));
      if (!Array.isArray(reply) || reply.length !== 5) {
        throw new RedisTierError('ERR_LICENZY_SHARED_COMMAND', 'Unexpected reply from Redis');
      }
      const [epoch, version, raw, pttl, redisNow] = reply.map((v: unknown) => (v === null ? undefined : v)) as unknown[];
      const now = Number(redisNow);
      // Counters that are not ours (someone wrote to Redis) are a tier error, counted and treated like an outage: the
      // answer is still cached locally. Not a token that write() would refuse, which the gate must take as "invalidated
      // elsewhere" and drop its own entry for, on every instance at once.
      if (!COUNTER.test(String(epoch)) || !COUNTER.test(String(version)) || !Number.isSafeInteger(now)) {
        throw new RedisTierError('ERR_LICENZY_SHARED_COMMAND', 'Malformed epoch, version or time in Redis');
      }
      // The token carries Redis's time of this read: the entry written with it records an age Redis can check.
      const token = `${String(epoch)}:${String(version)}:${now}`;
      const stored = decodeEntry(keys, k.hash, raw);
      const remaining = Number(pttl);
      // Bound to the epoch and version it was written under: an entry from before a clear or an invalidation
      // (e.g. copied back by someone with Redis access) is not this subject's current state.
      if (stored === undefined || stored.epoch !== String(epoch) || stored.version !== String(version) || !(remaining > 0)) {
        return { entry: undefined, token };
      }
      // PX is not authenticated: someone with Redis access could extend it. So the lifetimes left are the written
      // ones minus the entry's age on Redis's own clock (counted from the read before the Licenzy call, so an honest
      // entry loses only that call's latency), never what PTTL says alone. An entry from Redis's future (its clock
      // stepped back) is not trusted.
      const age = now - stored.writtenAt;
      if (!(age >= 0)) return { entry: undefined, token };
      const staleTtl = Math.min(remaining, stored.staleTtl - age);
      if (!(staleTtl > 0)) return { entry: undefined, token };
      // The fresh window ends the written stale margin before the stale one does.
      const ttl = staleTtl - (stored.staleTtl - stored.ttl);
      if (ttl > 0) return { entry: { allowed: stored.allowed, checkedAt: stored.checkedAt, ttl, staleTtl }, token };
      return { entry: undefined, token, stale: { allowed: stored.allowed, checkedAt: stored.checkedAt, staleTtl } };
    },

    async write(subjectRef, entry, token, options) {
      const match = /^(0|[1-9][0-9]{0,15}):(0|[1-9][0-9]{0,15}):([0-9]{1,16})$/.exec(token);
      // Only read() makes tokens, and it refuses malformed counters: anything else is a caller's bug, not a refusal.
      if (match === null) throw new RedisTierError('ERR_LICENZY_SHARED_COMMAND', 'Not a token from read()');
      const ttl = Math.floor(entry.ttl);
      const staleTtl = Math.max(Math.floor(entry.staleTtl), ttl);
      if (!(ttl > 0) || !Number.isSafeInteger(staleTtl) || !Number.isSafeInteger(entry.checkedAt) || entry.checkedAt < 0) {
        throw new RedisTierError('ERR_LICENZY_SHARED_COMMAND', 'Entry has no positive integer lifetime');
      }
      const [, epoch, version, readAt] = match as unknown as [string, string, string, string];
      const k = keysOf(subjectRef);
      const value = encodeEntry(keys, k.hash, {
        epoch,
        version,
        allowed: entry.allowed === true,
        checkedAt: entry.checkedAt,
        ttl,
        staleTtl,
        writtenAt: Number(readAt),
      });
      const message = options?.broadcast ? sealMessage(keys, { type: 'invalidate', subjectRef, origin }) : '';
      const reply = await run((c) =>
        evalScript(c, scripts.WRITE, [epochKey, k.version, k.entry], [epoch, version, value, String(staleTtl), eventsChannel, message]),
      );
      return Number(reply) === 1;
    },

    async invalidate(subjectRef) {
      const k = keysOf(subjectRef);
      const message = sealMessage(keys, { type: 'invalidate', subjectRef, origin });
      await run((c) => evalScript(c, scripts.INVALIDATE, [k.version, k.entry], [String(VERSION_TTL), eventsChannel, message]));
    },

    async clear() {
      const message = sealMessage(keys, { type: 'clear', origin });
      await run((c) => evalScript(c, scripts.CLEAR, [epochKey], [eventsChannel, message]));
    },

    subscribe(listener) {
      listeners.add(listener);
      if (listeners.size === 1) {
        resetListeners.add(onLink);
        subscribed = subscriber.subscribe(eventsChannel, onMessage).catch(() => {
          // Only when the tier is closing or Redis refused SUBSCRIBE: other instances' events will not arrive here,
          // so say so; link changes (reset) still reach the listener.
          report({ type: 'error', error: new Error('Redis tier could not subscribe'), namespace: scope.namespace });
        });
      }
      return () => {
        if (!listeners.delete(listener) || listeners.size > 0) return;
        resetListeners.delete(onLink);
        void (subscribed ?? Promise.resolve()).then(() => subscriber.unsubscribe(eventsChannel));
        subscribed = undefined;
      };
    },
  };
}

interface ParsedOptions {
  source: { url: string } | { client: RedisClientLike; kind: 'node-redis' | 'ioredis' };
  prefix: string;
  timeout: number;
  failureThreshold: number;
  cooldown: number;
  logger: RedisTierLogger | undefined;
}

const KNOWN = new Set(['url', 'client', 'prefix', 'timeout', 'failureThreshold', 'cooldown', 'logger']);

function parseOptions(options: RedisTierOptions): ParsedOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new LicenzyConfigError('options', 'expected an object with `url` or `client`');
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) throw new LicenzyConfigError(key, 'unknown option of createRedisTier');
  }
  const { url, client } = options;
  let source: ParsedOptions['source'];
  if (url !== undefined && client !== undefined) throw new LicenzyConfigError('url', 'pass either `url` or `client`, not both');
  if (url !== undefined) {
    if (typeof url !== 'string' || !/^rediss?:\/\/./.test(url)) {
      throw new LicenzyConfigError('url', 'expected a redis:// or rediss:// URL');
    }
    source = { url };
  } else if (client !== undefined) {
    const kind = clientKind(client);
    if (kind === undefined) throw new LicenzyConfigError('client', 'expected a node-redis (>= 5) or ioredis (>= 5) client');
    source = { client, kind };
  } else {
    throw new LicenzyConfigError('url', 'pass `url` (the tier connects) or `client` (an app\'s node-redis or ioredis client)');
  }
  const prefix = options.prefix ?? 'licenzy';
  if (typeof prefix !== 'string' || !/^[A-Za-z0-9_.:{}-]{1,64}$/.test(prefix)) {
    throw new LicenzyConfigError('prefix', 'expected 1-64 characters of A-Z a-z 0-9 _ . : { } -');
  }
  const logger = options.logger;
  if (logger !== undefined && (typeof logger !== 'object' || logger === null || typeof logger.warn !== 'function' || typeof logger.error !== 'function')) {
    throw new LicenzyConfigError('logger', 'expected an object with `warn` and `error` functions');
  }
  return {
    source,
    prefix,
    timeout: integer('timeout', options.timeout, 200, 1),
    failureThreshold: integer('failureThreshold', options.failureThreshold, 5, 1),
    cooldown: integer('cooldown', options.cooldown, 1000, 0),
    logger,
  };
}

function integer(name: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new LicenzyConfigError(name, `expected an integer >= ${min}`);
  }
  return value;
}
