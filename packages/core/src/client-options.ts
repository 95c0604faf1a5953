// Parses and validates createLicenzyClient()'s options into the client's configuration; no behaviour here.
import { onAbort } from './abort.js';
import { parseApiKey, parseBaseUrl, type LicenzyMode } from './config.js';
import { LicenzyAbortError } from './errors.js';
import { functionOption, integerOption, numberOption, objectOption, optionKeys, rejectUnknownKeys, type Milliseconds } from './options.js';

/** The subset of WHATWG `fetch` the client uses; inject your own (e.g. an undici `fetch` with a custom agent). */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

/** Options of {@link createLicenzyClient}. */
export interface LicenzyClientOptions {
  /** Licenzy API key, `lz_test_…` or `lz_live_…`. Default: `process.env.LICENZY_API_KEY`. Never logged. */
  apiKey?: string;
  /** Licenzy base URL without `/v1`, e.g. `https://licenzy.example`. Default: `process.env.LICENZY_API_URL`. */
  baseUrl?: string | URL;
  /** Time allowed for one attempt, headers and body included. Default `2000` ms. */
  timeout?: Milliseconds;
  /** Retries after the first attempt, for network errors, timeouts, 429 and 5xx only. Default `2`. */
  retries?: number;
  /** Budget for one call, all attempts and waits included; no retry starts past it. Default `5000` ms. */
  totalTimeout?: Milliseconds;
  /** Base of the exponential, fully jittered backoff between retries. Default `100` ms (capped at 1000 ms). */
  retryBackoff?: Milliseconds;
  /** Longest `Retry-After` honoured; a longer one ends the call at once with that hint. Default `2000` ms. */
  maxRetryAfter?: Milliseconds;
  /** Largest response body read. Default `65536` bytes. */
  maxResponseBytes?: number;
  /** `fetch` implementation. Default: the global `fetch` (keep-alive connections). */
  fetch?: FetchLike;
  /** For tests: waits between retries. Default: a timer. */
  sleep?: (ms: Milliseconds, signal?: AbortSignal) => Promise<void>;
  /** For tests: source of jitter in [0, 1). Default `Math.random`. */
  random?: () => number;
}

/** Every option name of {@link LicenzyClientOptions}, kept exact by the compiler. */
export const CLIENT_OPTION_KEYS = optionKeys<LicenzyClientOptions>({
  apiKey: true, baseUrl: true, timeout: true, retries: true, totalTimeout: true, retryBackoff: true, maxRetryAfter: true,
  maxResponseBytes: true, fetch: true, sleep: true, random: true,
});

/** A client's configuration: every option validated and defaulted (the key only ever lives here and in the header). */
export interface ClientConfig {
  readonly apiKey: string;
  readonly mode: LicenzyMode;
  readonly baseUrl: string;
  readonly timeout: number;
  readonly retries: number;
  readonly totalTimeout: number;
  readonly retryBackoff: number;
  readonly maxRetryAfter: number;
  readonly maxResponseBytes: number;
  readonly fetchImpl: FetchLike;
  readonly sleep: (ms: Milliseconds, signal?: AbortSignal) => Promise<void>;
  readonly random: () => number;
}

/** Validates the client's options (unknown keys, types, ranges) and fills in defaults. @throws {LicenzyConfigError} */
export function parseClientOptions(options: LicenzyClientOptions): ClientConfig {
  objectOption('options', options);
  rejectUnknownKeys('', options, CLIENT_OPTION_KEYS);
  // Only an option left out falls back to the environment: `apiKey: null` is an error, never "use the env".
  const { apiKey, mode } = parseApiKey(options.apiKey !== undefined ? options.apiKey : process.env.LICENZY_API_KEY);
  return {
    apiKey,
    mode,
    baseUrl: parseBaseUrl(options.baseUrl !== undefined ? options.baseUrl : process.env.LICENZY_API_URL),
    timeout: numberOption('timeout', options.timeout, 2000, 1),
    retries: integerOption('retries', options.retries, 2, 0),
    totalTimeout: numberOption('totalTimeout', options.totalTimeout, 5000, 1),
    retryBackoff: numberOption('retryBackoff', options.retryBackoff, 100, 0),
    maxRetryAfter: numberOption('maxRetryAfter', options.maxRetryAfter, 2000, 0),
    maxResponseBytes: integerOption('maxResponseBytes', options.maxResponseBytes, 65536, 1),
    fetchImpl: functionOption<FetchLike>('fetch', options.fetch, (input, init) => globalThis.fetch(input, init)),
    sleep: functionOption('sleep', options.sleep, defaultSleep),
    random: functionOption('random', options.random, Math.random),
  };
}

function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new LicenzyAbortError());
    const timer = setTimeout(() => {
      stopWaiting?.();
      resolve();
    }, ms);
    const stopWaiting = signal === undefined ? undefined : onAbort(signal, () => {
      clearTimeout(timer);
      reject(new LicenzyAbortError());
    });
  });
}
