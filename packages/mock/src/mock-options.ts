// Options of the Licenzy emulator: their types, defaults, and fail-fast validation through core's option mechanism.
import { type LicenzyMode } from '@licenzy-gate/core';
import { optionKeys, rejectUnknownKeys } from '@licenzy-gate/core/adapter';
import { MockLicenzyConfigError } from './mock-config-error.js';
import { DEFAULT_MAX_LOGGED_BYTES } from './mock-log.js';
import { checkWebhookTargets, type MockWebhookTarget } from './mock-webhooks.js';

/**
 * The API key environment Licenzy infers from a key's prefix (`lz_test_` or `lz_live_`).
 * @deprecated use `LicenzyMode` from `@licenzy-gate/core` (the same union).
 */
export type MockMode = LicenzyMode;

/**
 * The test-mode key the emulator accepts when `keys` is not given. Not a secret: it only opens the emulator.
 * @example
 * fetch(`${mock.url}/v1/access/check`, { headers: { authorization: `Bearer ${DEFAULT_TEST_KEY}` } });
 */
export const DEFAULT_TEST_KEY = 'lz_test_example_mock_key_000000';

/**
 * The live-mode key the emulator accepts when `keys` is not given. Live state is separate from test state.
 * @example
 * mock.grant('user_123', undefined, { mode: 'live' }); // seen only with DEFAULT_LIVE_KEY
 */
export const DEFAULT_LIVE_KEY = 'lz_live_example_mock_key_000000';

/**
 * Options of {@link createMockLicenzy}. `undefined` always means "not passed".
 * @example
 * const mock = await createMockLicenzy({ now: () => clock, latency: 5 });
 */
export interface MockLicenzyOptions {
  /** TCP port to listen on. Default `0` (the OS picks a free port; read it from `mock.port`). */
  port?: number;
  /** Interface to bind. Default `'127.0.0.1'`. */
  host?: string;
  /** Accepted API keys, each starting with `lz_test_` or `lz_live_`. Default `[DEFAULT_TEST_KEY, DEFAULT_LIVE_KEY]`. */
  keys?: readonly string[];
  /** Clock in milliseconds since the epoch, used for entitlement expiry and log timestamps. Default `Date.now`. */
  now?: () => number;
  /** Simulated latency in milliseconds added before every response. Default `0`. Change later with `mock.setLatency()`. */
  latency?: number;
  /**
   * How many requests `mock.requests` keeps; the oldest are dropped first. `count()`/`counts()` stay exact regardless.
   * Default `10000` (a benchmark should not grow the log without bound). `Infinity` keeps everything.
   */
  maxLoggedRequests?: number;
  /**
   * How many bytes `mock.requests` keeps, by each entry's JSON size in UTF-8; the oldest are dropped first. Default
   * `16777216` (16 MiB): 2,000 posts of 60 KiB, which any web page can send, would otherwise hold 119 MiB. `Infinity`
   * keeps everything `maxLoggedRequests` allows. (`mock.violations` is bounded apart, at 1 MiB.)
   */
  maxLoggedBytes?: number;
  /**
   * Where to send signed webhooks when state changes (grant, revoke, refund, dispute, consumed usage). Default: none.
   * Only these URLs are ever contacted; see `generateWebhookSecret()` for a secret.
   */
  webhooks?: readonly MockWebhookTarget[];
  /** Waits in milliseconds before each retry of a failed webhook delivery. Default `[500, 2000, 8000]` (4 attempts). */
  webhookRetryDelays?: readonly number[];
  /** Milliseconds one webhook attempt may take before it counts as failed. Default `5000`. */
  webhookTimeout?: number;
}

/** Options after validation, with every default filled in. */
export interface ResolvedMockOptions {
  port: number;
  host: string;
  keys: ReadonlyMap<string, LicenzyMode>;
  now: () => number;
  latency: number;
  maxLoggedRequests: number;
  maxLoggedBytes: number;
  webhooks: MockWebhookTarget[];
  webhookRetryDelays: number[];
  webhookTimeout: number;
}

/**
 * The mode a key selects, from its prefix, or `undefined` for anything else.
 * @example
 * modeOfKey('lz_live_abc'); // 'live'
 */
export function modeOfKey(key: string): LicenzyMode | undefined {
  if (key.startsWith('lz_test_')) return 'test';
  if (key.startsWith('lz_live_')) return 'live';
  return undefined;
}

/**
 * Rejects anything but a finite number of milliseconds `>= 0`.
 * @example
 * checkMilliseconds('latency', 20); // 20
 */
export function checkMilliseconds(option: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new MockLicenzyConfigError(option, `expected a finite number of milliseconds >= 0, got ${String(value)}`);
  }
  return value;
}

/**
 * Validates options and fills in defaults; throws {@link MockLicenzyConfigError} naming the bad option. An unknown
 * key is rejected with the closest known one (`prot` → did you mean `port`?), and `null` is never "use the default".
 * @example
 * resolveMockOptions({ port: 4010 }).host; // '127.0.0.1'
 */
export function resolveMockOptions(options: MockLicenzyOptions = {}): ResolvedMockOptions {
  checkOptionsObject(options);
  const { port = 0, host = '127.0.0.1', now = Date.now, latency = 0, maxLoggedRequests = 10_000 } = options;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new MockLicenzyConfigError('port', `expected an integer from 0 to 65535, got ${String(port)}`);
  }
  if (typeof host !== 'string' || host === '') {
    throw new MockLicenzyConfigError('host', 'expected a non-empty string');
  }
  if (typeof now !== 'function') throw new MockLicenzyConfigError('now', 'expected a function returning milliseconds');
  checkMilliseconds('latency', latency);
  if (maxLoggedRequests !== Infinity && (!Number.isInteger(maxLoggedRequests) || maxLoggedRequests < 0)) {
    throw new MockLicenzyConfigError('maxLoggedRequests', `expected an integer >= 0 or Infinity, got ${String(maxLoggedRequests)}`);
  }
  const { maxLoggedBytes = DEFAULT_MAX_LOGGED_BYTES } = options;
  if (maxLoggedBytes !== Infinity && (!Number.isSafeInteger(maxLoggedBytes) || maxLoggedBytes < 0)) {
    throw new MockLicenzyConfigError('maxLoggedBytes', `expected an integer number of bytes >= 0 or Infinity, got ${String(maxLoggedBytes)}`);
  }
  const { webhooks = [], webhookRetryDelays = [500, 2000, 8000], webhookTimeout = 5000 } = options;
  if (!Array.isArray(webhookRetryDelays) || webhookRetryDelays.length > 10) {
    throw new MockLicenzyConfigError('webhookRetryDelays', 'expected an array of at most 10 delays in milliseconds');
  }
  const retryDelays = webhookRetryDelays.map((ms, index) => checkMilliseconds(`webhookRetryDelays[${index}]`, ms));
  checkMilliseconds('webhookTimeout', webhookTimeout);
  return {
    port,
    host,
    now,
    latency,
    maxLoggedRequests,
    maxLoggedBytes,
    keys: resolveKeys(options.keys),
    webhooks: checkWebhookTargets(webhooks),
    webhookRetryDelays: retryDelays,
    webhookTimeout,
  };
}

function resolveKeys(keys: readonly string[] | undefined): Map<string, LicenzyMode> {
  const list = keys ?? [DEFAULT_TEST_KEY, DEFAULT_LIVE_KEY];
  if (!Array.isArray(list) || list.length === 0) {
    throw new MockLicenzyConfigError('keys', 'expected a non-empty array of API keys');
  }
  const resolved = new Map<string, LicenzyMode>();
  list.forEach((key: unknown, index) => {
    // Never echo the key itself: even a mock key may be a copy of a real one.
    const mode = typeof key === 'string' && /^\S+$/.test(key) ? modeOfKey(key) : undefined;
    if (mode === undefined || typeof key !== 'string') {
      throw new MockLicenzyConfigError(`keys[${index}]`, 'expected a string without spaces starting with lz_test_ or lz_live_');
    }
    resolved.set(key, mode);
  });
  return resolved;
}

const MOCK_OPTION_KEYS = optionKeys<MockLicenzyOptions>({
  port: true,
  host: true,
  keys: true,
  now: true,
  latency: true,
  maxLoggedRequests: true,
  maxLoggedBytes: true,
  webhooks: true,
  webhookRetryDelays: true,
  webhookTimeout: true,
});

/** A plain object of known keys, none of them `null` (which would otherwise read as "not passed" below). */
function checkOptionsObject(options: unknown): asserts options is MockLicenzyOptions {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new MockLicenzyConfigError('options', 'expected an object');
  }
  rejectUnknownKeys('', options, MOCK_OPTION_KEYS);
  for (const [key, value] of Object.entries(options)) {
    if (value === null) throw new MockLicenzyConfigError(key, 'expected a value or no key at all, got null (null never means "use the default")');
  }
}
