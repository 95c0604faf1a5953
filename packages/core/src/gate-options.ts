// Parses and validates createAccessGate()'s options into the gate's configuration; no behaviour here.
import { CIRCUIT_BREAKER_OPTION_KEYS } from './circuit-breaker.js';
import { COARSE_CLOCK_LAG, coarseNow } from './clock.js';
import { createLicenzyClient, scopeOfClient } from './client.js';
import { CLIENT_OPTION_KEYS } from './client-options.js';
import { parseApiKey, parseBaseUrl, type LicenzyMode } from './config.js';
import { namespacedStore, type DecisionStore } from './decision-store.js';
import { LicenzyConfigError } from './errors.js';
import type { AccessCacheOptions, AccessChecker, AccessGateOptions } from './gate-types.js';
import { consoleLogger, type GateLogger } from './logger.js';
import { functionOption, integerOption, loggerOption, numberOption, objectOption, optionKeys, pickKeys, rejectUnknownKeys } from './options.js';
import { deriveSharedScope, type SharedTier, type SharedTierBinding, type SharedTierScope } from './shared-tier.js';

/** Every option name of {@link AccessGateOptions}, kept exact by the compiler (the client's included). */
export const GATE_OPTION_KEYS = optionKeys<AccessGateOptions>({
  apiKey: true, baseUrl: true, timeout: true, retries: true, totalTimeout: true, retryBackoff: true, maxRetryAfter: true,
  maxResponseBytes: true, fetch: true, sleep: true, random: true, client: true, cache: true, store: true, shared: true,
  circuitBreaker: true, freshInterval: true, maxConcurrent: true, maxQueue: true, logger: true, now: true,
});

/** Every option name of {@link AccessCacheOptions}. */
export const CACHE_OPTION_KEYS = optionKeys<AccessCacheOptions>({ max: true, ttl: true, deniedTtl: true, staleIfError: true, errorTtl: true });

/** How far past `totalTimeout` the gate's own watchdog fires: the client's own timeout normally wins. */
const WATCHDOG_MARGIN = 100;

/** A gate's configuration, every option validated and defaulted. Times in ms. */
export interface GateConfig {
  readonly client: AccessChecker;
  readonly mode: LicenzyMode;
  /** Durations (TTLs, windows, cool-downs): monotonic by default, or the injected `now`. */
  readonly now: () => number;
  /**
   * How far behind the true time a reading of `now` may be: the coarse clock's lag by default, 0 for an injected `now`.
   * Expiry is judged at `now() + nowLag`, so an old reading never serves a decision past its TTL.
   */
  readonly nowLag: number;
  /** `checkedAt` for display: `Date.now` by default, or the injected `now`. */
  readonly wallNow: () => number;
  readonly cacheEnabled: boolean;
  readonly max: number;
  readonly ttl: number;
  readonly deniedTtl: number;
  readonly staleIfError: number;
  readonly errorTtl: number;
  readonly freshInterval: number;
  readonly maxConcurrent: number;
  readonly maxQueue: number;
  readonly watchdogMs: number;
  /** The `store` option, namespaced; `undefined` when the gate keeps its own LRU (of one object per decision). */
  readonly store: DecisionStore | undefined;
  readonly binding: SharedTierBinding | undefined;
  readonly logger: GateLogger;
  readonly circuitBreaker: { readonly threshold: number; readonly cooldown: number } | undefined;
  /** Jitter source in [0, 1) (`waitForAccess` backoff; the client's retries read the same option). */
  readonly random: () => number;
}

/**
 * Validates `options` (unknown keys, types, ranges; `null` is never "use the default") and returns the gate's
 * configuration. @throws {LicenzyConfigError} naming the option.
 */
export function parseGateOptions(options: AccessGateOptions): GateConfig {
  objectOption('options', options);
  rejectUnknownKeys('', options, GATE_OPTION_KEYS);
  // One rule for every option: only one left out (undefined) takes its default; `client: null` is an error.
  const given = options.client as Partial<AccessChecker> | null | undefined;
  if (given !== undefined && (typeof given !== 'object' || given === null || typeof given.checkAccess !== 'function' || (given.mode !== 'test' && given.mode !== 'live'))) {
    throw new LicenzyConfigError('client', 'expected a Licenzy client with `checkAccess()` and `mode`');
  }
  const client: AccessChecker = (given as AccessChecker | undefined) ?? createLicenzyClient(pickKeys(options, CLIENT_OPTION_KEYS));
  const mode = client.mode;
  const injectedNow = functionOption<() => number>('now', options.now);

  const cacheOptions = options.cache === false ? undefined : objectOption('cache', options.cache) ?? {};
  if (cacheOptions !== undefined) rejectUnknownKeys('cache', cacheOptions, CACHE_OPTION_KEYS);
  const cacheEnabled = options.cache !== false;
  const max = integerOption('cache.max', cacheOptions?.max, 10_000, 1);

  const breakerOptions = options.circuitBreaker === false ? undefined : objectOption('circuitBreaker', options.circuitBreaker) ?? {};
  if (breakerOptions !== undefined) rejectUnknownKeys('circuitBreaker', breakerOptions, CIRCUIT_BREAKER_OPTION_KEYS);

  const scope = scopeOf(client, options);
  return {
    client,
    mode,
    now: injectedNow ?? coarseNow,
    nowLag: injectedNow === undefined ? COARSE_CLOCK_LAG : 0,
    wallNow: injectedNow ?? Date.now,
    cacheEnabled,
    max,
    ttl: numberOption('cache.ttl', cacheOptions?.ttl, 30_000),
    deniedTtl: numberOption('cache.deniedTtl', cacheOptions?.deniedTtl, 5_000),
    staleIfError: numberOption('cache.staleIfError', cacheOptions?.staleIfError, 0),
    errorTtl: numberOption('cache.errorTtl', cacheOptions?.errorTtl, 1_000),
    freshInterval: numberOption('freshInterval', options.freshInterval, 1_000),
    maxConcurrent: integerOption('maxConcurrent', options.maxConcurrent, 64, 1),
    maxQueue: integerOption('maxQueue', options.maxQueue, 1_000, 0),
    watchdogMs: numberOption('totalTimeout', options.totalTimeout, 5_000, 1) + WATCHDOG_MARGIN,
    store: options.store !== undefined ? namespacedStore(validateStore(options.store), scope?.namespace ?? client.namespace ?? mode) : undefined,
    binding: bindShared(options.shared, scope, cacheEnabled),
    logger: loggerOption('logger', options.logger, consoleLogger),
    random: functionOption<() => number>('random', options.random, Math.random),
    circuitBreaker: breakerOptions === undefined
      ? undefined
      : {
          threshold: integerOption('circuitBreaker.threshold', breakerOptions.threshold, 5, 1),
          cooldown: numberOption('circuitBreaker.cooldown', breakerOptions.cooldown, 2_000),
        },
  };
}


/** The namespace and shared-tier secret of the gate's key: from our client, else from an `apiKey` given beside a custom one. */
function scopeOf(client: AccessChecker, options: AccessGateOptions): SharedTierScope | undefined {
  const own = scopeOfClient(client);
  if (own !== undefined) return own;
  if (options.client === undefined || options.apiKey === undefined) return undefined;
  const { apiKey, mode } = parseApiKey(options.apiKey);
  if (mode !== client.mode) throw new LicenzyConfigError('apiKey', `is a ${mode} key but the client is in ${client.mode} mode`);
  const baseUrl = options.baseUrl === undefined ? '' : parseBaseUrl(options.baseUrl);
  return deriveSharedScope(apiKey, mode, baseUrl);
}

function bindShared(shared: SharedTier | undefined, scope: SharedTierScope | undefined, cacheEnabled: boolean): SharedTierBinding | undefined {
  if (shared === undefined) return undefined;
  if (typeof shared !== 'object' || shared === null || typeof (shared as Partial<SharedTier>).bind !== 'function') {
    throw new LicenzyConfigError('shared', 'expected a shared tier with bind(), e.g. createRedisTier() from @licenzy-gate/redis');
  }
  if (!cacheEnabled) throw new LicenzyConfigError('shared', 'needs the cache; it cannot be combined with `cache: false`');
  if (scope === undefined) {
    throw new LicenzyConfigError('shared', 'needs the API key to authenticate shared entries: use a client from createLicenzyClient(), or pass `apiKey` beside a custom `client`');
  }
  const binding = shared.bind(scope);
  for (const method of ['read', 'write', 'invalidate', 'clear', 'subscribe'] as const) {
    if (typeof binding?.[method] !== 'function') throw new LicenzyConfigError('shared', `bind() returned no ${method}()`);
  }
  return binding;
}

function validateStore(store: DecisionStore): DecisionStore {
  if (typeof store !== 'object' || store === null) throw new LicenzyConfigError('store', 'expected a DecisionStore object');
  for (const method of ['get', 'set', 'delete', 'clear'] as const) {
    if (typeof store[method] !== 'function') throw new LicenzyConfigError('store', `expected a DecisionStore with a ${method}() method`);
  }
  return store;
}
