// The HTTP client for Licenzy's runtime endpoints: bounded retries, validated answers, a capped body, no redirects.
import { onAbort } from './abort.js';
import { parseApiKey, parseBaseUrl, type LicenzyMode } from './config.js';
import { upstreamChannel, type UpstreamEvent, type UpstreamOperation } from './diagnostics.js';
import {
  LicenzyAbortError,
  LicenzyAuthError,
  LicenzyConfigError,
  LicenzyError,
  LicenzyResponseError,
  LicenzySubjectInvalidError,
  LicenzyUnavailableError,
} from './errors.js';
import { duplicateMemberName } from './json.js';
import { functionOption, integerOption, numberOption, objectOption, optionKeys, rejectUnknownKeys, type Milliseconds } from './options.js';
import { deriveSharedScope, type SharedTierScope } from './shared-tier.js';
import { validateSubjectRef } from './subject.js';

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

/** Per-call options. */
export interface CallOptions {
  /** Aborts this call (answer: `ERR_LICENZY_ABORTED`). */
  signal?: AbortSignal;
}

/** Answer of `POST /v1/access/check`. */
export interface AccessCheckResult {
  subjectRef: string;
  allowed: boolean;
}

/** One entitlement row of the customer access summary; unknown fields are kept. */
export interface EntitlementSummary {
  kind?: string;
  status?: string;
  available?: boolean;
  usage_remaining?: number | null;
  availability_reason?: string;
  expires_at?: string | null;
  [field: string]: unknown;
}

/** Answer of `GET /v1/customer/access/:subject_ref`. */
export interface CustomerAccess {
  subjectRef: string;
  hasAccess: boolean;
  status: string | undefined;
  entitlements: EntitlementSummary[];
  /** The whole JSON body as received. */
  raw: Record<string, unknown>;
}

/** Answer of `POST /v1/usage/consume`: running out of units is a result, not an error. */
export type ConsumeUsageResult =
  | { ok: true; consumed: number; usageRemaining: number | undefined }
  | { ok: false; reason: 'insufficient_usage' };

/** A Licenzy client bound to one key and so to one mode. */
export interface LicenzyClient {
  /** `test` or `live`, from the key prefix. */
  readonly mode: LicenzyMode;
  /** The base URL in use (no secret in it). */
  readonly baseUrl: string;
  /** `POST /v1/access/check` with exactly `{"subject_ref": …}`. */
  checkAccess(subjectRef: string, options?: CallOptions): Promise<AccessCheckResult>;
  /** `GET /v1/customer/access/:subject_ref`. */
  getCustomerAccess(subjectRef: string, options?: CallOptions): Promise<CustomerAccess>;
  /** `GET /v1/entitlements/:subject_ref`; the row shape is not documented, so the JSON body is returned as is. */
  getEntitlements(subjectRef: string, options?: CallOptions): Promise<Record<string, unknown>>;
  /** `POST /v1/usage/consume`; the idempotency key identifies the business event and is reused on every retry. */
  consumeUsage(subjectRef: string, units: number, options: CallOptions & { idempotencyKey: string }): Promise<ConsumeUsageResult>;
}

const USER_AGENT = 'licenzy-gate/0.1';
/** The auth error codes Licenzy documents; any other `error` text is never copied (it could echo the key). */
const DOCUMENTED_AUTH_CODES: ReadonlySet<string> = new Set(['missing_bearer_token', 'invalid_api_key', 'plan_mode_not_allowed']);

/** The scope (namespace and shared-tier secret) of each client this module built, kept off the object itself. */
const clientScopes = new WeakMap<object, SharedTierScope>();

/** The scope of a client made by {@link createLicenzyClient}; `undefined` for any other object. */
export function scopeOfClient(client: object): SharedTierScope | undefined {
  return clientScopes.get(client);
}
const MAX_BACKOFF = 1000;

interface Attempt {
  status: number;
  body: unknown;
  retryAfterMs?: number;
}

/** One attempt at an endpoint: what is sent, its time budget and the caller's signal. */
interface AttemptRequest {
  endpoint: Endpoint;
  body: unknown;
  headers: Record<string, string>;
  /** ms this attempt may take, headers and body included. */
  budget: number;
  signal: AbortSignal | undefined;
}

/** One Licenzy endpoint as called: `template` is the path with the subject replaced, for diagnostics. */
interface Endpoint {
  operation: UpstreamOperation;
  method: string;
  path: string;
  template: string;
}

/** A client's configuration: every option validated and defaulted (the key only ever lives here and in the header). */
interface ClientConfig {
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
function parseClientOptions(options: LicenzyClientOptions): ClientConfig {
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

/**
 * Creates a Licenzy client. Validates every option up front (a {@link LicenzyConfigError} names the option).
 *
 * @example
 * const licenzy = createLicenzyClient({ apiKey: process.env.LICENZY_API_KEY, baseUrl: 'https://licenzy.example' })
 * const { allowed } = await licenzy.checkAccess('user_123')
 */
export function createLicenzyClient(options: LicenzyClientOptions = {}): LicenzyClient {
  // Options are parsed (and every bad one named) in one place; what follows is behaviour only.
  const { apiKey, mode, baseUrl, timeout, retries, totalTimeout, retryBackoff, maxRetryAfter, maxResponseBytes, fetchImpl, sleep, random } = parseClientOptions(options);
  const authorization = `Bearer ${apiKey}`;
  const server = new URL(baseUrl);
  const serverPort = server.port === '' ? (server.protocol === 'https:' ? 443 : 80) : Number(server.port);

  /** One attempt, traced on `licenzy-gate:upstream` when someone listens (a subscriber may add propagation headers). */
  function tracedAttempt(request: AttemptRequest, attempt: number): Promise<Attempt> {
    if (!upstreamChannel.hasSubscribers) return attemptOnce(request, undefined);
    const { endpoint } = request;
    const event: UpstreamEvent = {
      operation: endpoint.operation, attempt, method: endpoint.method, urlTemplate: endpoint.template,
      serverAddress: server.hostname, serverPort, headers: {},
    };
    const started = performance.now();
    return upstreamChannel.start.runStores(event, () => {
      let pending: Promise<Attempt>;
      try {
        pending = attemptOnce(request, event.headers);
      } finally {
        upstreamChannel.end.publish(event);
      }
      return pending.then(
        (result) => {
          event.result = { statusCode: result.status };
          event.duration = performance.now() - started;
          upstreamChannel.asyncStart.publish(event);
          upstreamChannel.asyncEnd.publish(event);
          return result;
        },
        (error: unknown) => {
          event.error = error;
          event.duration = performance.now() - started;
          upstreamChannel.error.publish(event);
          upstreamChannel.asyncStart.publish(event);
          upstreamChannel.asyncEnd.publish(event);
          throw error;
        },
      );
    });
  }

  async function attemptOnce(request: AttemptRequest, propagation: Record<string, string> | undefined): Promise<Attempt> {
    const { endpoint, body, headers, budget, signal } = request;
    const controller = new AbortController();
    let timedOut = false;
    // The deadline does not trust the transport: an injected fetch may ignore the abort signal (while
    // connecting, or once headers have arrived), so the attempt is raced against the timer as well.
    let expire: (reason: unknown) => void = () => undefined;
    const deadline = new Promise<never>((_resolve, reject) => {
      expire = reject;
    });
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
      expire(new LicenzyUnavailableError('timeout', `Licenzy did not answer within ${Math.ceil(budget)} ms`));
    }, budget);
    const stopWaiting = signal === undefined ? undefined : onAbort(signal, () => {
      controller.abort();
      expire(new LicenzyAbortError());
    });
    try {
      return await Promise.race([deadline, exchange()]);
    } catch (err) {
      if (signal?.aborted) throw new LicenzyAbortError();
      if (timedOut) throw new LicenzyUnavailableError('timeout', `Licenzy did not answer within ${Math.ceil(budget)} ms`);
      if (err instanceof LicenzyError) throw err;
      throw new LicenzyUnavailableError('network', 'Licenzy could not be reached', { cause: scrub(err) });
    } finally {
      clearTimeout(timer);
      stopWaiting?.();
    }

    async function exchange(): Promise<Attempt> {
      const response = await fetchImpl(baseUrl + endpoint.path, {
        method: endpoint.method,
        headers: {
          // Propagation headers from a diagnostics subscriber go first: they can never replace ours.
          ...(propagation === undefined ? {} : safePropagation(propagation)),
          authorization,
          accept: 'application/json',
          'user-agent': USER_AGENT,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        // A redirect would carry the key to wherever it points; treat it as a bad answer instead.
        redirect: 'manual',
        signal: controller.signal,
      });
      if (timedOut) {
        // Too late: nobody reads this answer; release the connection.
        await response.body?.cancel().catch(() => undefined);
        throw new LicenzyUnavailableError('timeout', `Licenzy did not answer within ${Math.ceil(budget)} ms`);
      }
      const text = await readCapped(response, maxResponseBytes);
      return { status: response.status, body: text === undefined ? undefined : parseJson(text, response.status), ...retryAfterOf(response) };
    }
  }

  /** Runs attempts until one gives a final answer; `accept` marks non-2xx statuses that are answers (409 for usage). */
  async function call(request: { endpoint: Endpoint; body?: unknown; headers?: Record<string, string>; signal: AbortSignal | undefined; accept?: (status: number) => boolean }): Promise<Attempt> {
    const { endpoint, body, headers = {}, signal, accept = () => false } = request;
    if (signal?.aborted) throw new LicenzyAbortError();
    const deadline = performance.now() + totalTimeout;
    for (let attempt = 0; ; attempt++) {
      const remaining = deadline - performance.now();
      let error: LicenzyError;
      try {
        if (remaining <= 0) throw new LicenzyUnavailableError('budget', `Licenzy call exceeded its ${Math.ceil(totalTimeout)} ms budget`);
        const result = await tracedAttempt({ endpoint, body, headers, budget: Math.min(timeout, remaining), signal }, attempt + 1);
        if ((result.status >= 200 && result.status < 300) || accept(result.status)) return result;
        throw statusError(result);
      } catch (err) {
        error = err instanceof LicenzyError ? err : new LicenzyUnavailableError('network', 'Licenzy call failed', { cause: scrub(err) });
      }
      if (!(error instanceof LicenzyUnavailableError) || error.reason === 'budget' || attempt >= retries) throw error;
      let wait: number;
      const hinted = error.upstreamRetryAfterMs;
      if (hinted !== undefined) {
        // Licenzy asked for a longer pause than we may spend: stop now and pass the hint on.
        if (hinted > maxRetryAfter) throw error;
        wait = hinted;
      } else {
        wait = random() * Math.min(MAX_BACKOFF, retryBackoff * 2 ** attempt);
      }
      if (performance.now() + wait >= deadline) throw error;
      await sleep(wait, signal).catch(() => {
        throw new LicenzyAbortError();
      });
      if (signal?.aborted) throw new LicenzyAbortError();
    }
  }

  function subjectPath(prefix: string, subjectRef: string): string {
    const subject = validateSubjectRef(subjectRef);
    // URL parsing resolves "." and ".." segments even when percent-encoded, so no encoding can carry them:
    // the request would reach another endpoint with our key.
    if (subject === '.' || subject === '..') {
      throw new LicenzySubjectInvalidError('subject_ref "." or ".." cannot be sent in a URL path');
    }
    return prefix + encodeURIComponent(subject);
  }

  const client: LicenzyClient = {
    mode,
    baseUrl,

    async checkAccess(subjectRef, callOptions = {}) {
      const subject = validateSubjectRef(subjectRef);
      const endpoint: Endpoint = { operation: 'access.check', method: 'POST', path: '/v1/access/check', template: '/v1/access/check' };
      const { body, status } = await call({ endpoint, body: { subject_ref: subject }, signal: callOptions.signal });
      const record = asRecord(body, status);
      if (typeof record.allowed !== 'boolean') throw new LicenzyResponseError('Licenzy answer has no boolean `allowed`', { upstreamStatus: status });
      if (record.subject_ref !== subject) throw new LicenzyResponseError('Licenzy answered for a different subject_ref', { upstreamStatus: status });
      return { subjectRef: subject, allowed: record.allowed };
    },

    async getCustomerAccess(subjectRef, callOptions = {}) {
      const path = subjectPath('/v1/customer/access/', subjectRef);
      const endpoint: Endpoint = { operation: 'customer.access', method: 'GET', path, template: '/v1/customer/access/{subject_ref}' };
      const { body, status } = await call({ endpoint, signal: callOptions.signal });
      const record = asRecord(body, status);
      if (record.subject_ref !== subjectRef) throw new LicenzyResponseError('Licenzy answered for a different subject_ref', { upstreamStatus: status });
      if (typeof record.has_access !== 'boolean') throw new LicenzyResponseError('Licenzy answer has no boolean `has_access`', { upstreamStatus: status });
      const rows = Array.isArray(record.entitlements) ? record.entitlements : [];
      return {
        subjectRef,
        hasAccess: record.has_access,
        status: typeof record.status === 'string' ? record.status : undefined,
        entitlements: rows.filter((row): row is EntitlementSummary => typeof row === 'object' && row !== null && !Array.isArray(row)),
        raw: record,
      };
    },

    async getEntitlements(subjectRef, callOptions = {}) {
      const path = subjectPath('/v1/entitlements/', subjectRef);
      const endpoint: Endpoint = { operation: 'entitlements', method: 'GET', path, template: '/v1/entitlements/{subject_ref}' };
      const { body, status } = await call({ endpoint, signal: callOptions.signal });
      return asRecord(body, status);
    },

    async consumeUsage(subjectRef, units, callOptions) {
      const subject = validateSubjectRef(subjectRef);
      if (!Number.isSafeInteger(units) || units <= 0) throw new LicenzyConfigError('units', 'expected a positive integer');
      const idempotencyKey = callOptions?.idempotencyKey;
      if (typeof idempotencyKey !== 'string' || idempotencyKey.length === 0 || idempotencyKey.length > 255 || /[^\x21-\x7e]/.test(idempotencyKey)) {
        throw new LicenzyConfigError('idempotencyKey', 'required: 1 to 255 printable ASCII characters, one per business event');
      }
      const endpoint: Endpoint = { operation: 'usage.consume', method: 'POST', path: '/v1/usage/consume', template: '/v1/usage/consume' };
      const { body, status } = await call({
        endpoint, body: { subject_ref: subject, units }, headers: { 'idempotency-key': idempotencyKey }, signal: callOptions.signal,
        accept: (s) => s === 409,
      });
      const record = asRecord(body, status);
      if (status === 409) {
        if (record.error === 'insufficient_usage') return { ok: false, reason: 'insufficient_usage' };
        throw new LicenzyResponseError('Licenzy refused the usage event (409)', { upstreamStatus: status });
      }
      if (record.ok !== true || typeof record.consumed !== 'number') throw new LicenzyResponseError('Licenzy usage answer is malformed', { upstreamStatus: status });
      return {
        ok: true,
        consumed: record.consumed,
        usageRemaining: typeof record.usage_remaining === 'number' ? record.usage_remaining : undefined,
      };
    },
  };
  clientScopes.set(client, deriveSharedScope(apiKey, mode, baseUrl));
  return client;
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

/** Reads the body as text, refusing more than `max` bytes (the rest is never buffered). */
async function readCapped(response: Response, max: number): Promise<string | undefined> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > max) {
    await response.body?.cancel().catch(() => undefined);
    throw new LicenzyResponseError(`Licenzy answer is larger than ${max} bytes`, { upstreamStatus: response.status });
  }
  if (!response.body) return undefined;
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => undefined);
      throw new LicenzyResponseError(`Licenzy answer is larger than ${max} bytes`, { upstreamStatus: response.status });
    }
    chunks.push(value);
  }
  if (size === 0) return undefined;
  return Buffer.concat(chunks, size).toString('utf8');
}

function parseJson(text: string, status: number): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Error bodies of unknown shape are normal on 5xx; only a 2xx must be JSON.
    if (status >= 200 && status < 300) throw new LicenzyResponseError('Licenzy answer is not valid JSON', { upstreamStatus: status });
    return undefined;
  }
  // JSON.parse keeps the last duplicate, so `"allowed":false,"allowed":true` would grant: refuse the answer.
  // Checked for every body we read (2xx answers and 409/401 codes alike), since each one is trusted for something.
  if (typeof parsed === 'object' && parsed !== null && duplicateMemberName(text) !== undefined) {
    if (status >= 200 && status < 300) throw new LicenzyResponseError('Licenzy answer repeats a member name', { upstreamStatus: status });
    // An error body we cannot read unambiguously is no body: its status alone classifies the answer.
    return undefined;
  }
  return parsed;
}

function retryAfterOf(response: Response): { retryAfterMs?: number } {
  const header = response.headers.get('retry-after');
  if (header === null) return {};
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return { retryAfterMs: Number(trimmed) * 1000 };
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? {} : { retryAfterMs: Math.max(0, date - Date.now()) };
}

function asRecord(body: unknown, status: number): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new LicenzyResponseError('Licenzy answer is not a JSON object', { upstreamStatus: status });
  }
  return body as Record<string, unknown>;
}

function statusError(result: Attempt): LicenzyError {
  const { status } = result;
  if (status === 401 || status === 403) {
    const code = (result.body as { error?: unknown } | undefined)?.error;
    // Only Licenzy's documented codes are passed on: anything else (even snake_case) could be our key echoed back.
    return new LicenzyAuthError(status, typeof code === 'string' && DOCUMENTED_AUTH_CODES.has(code) ? code : undefined);
  }
  if (status === 429 || status >= 500) {
    return new LicenzyUnavailableError('status', `Licenzy answered HTTP ${status}`, {
      upstreamStatus: status,
      ...(result.retryAfterMs === undefined ? {} : { retryAfterMs: result.retryAfterMs }),
    });
  }
  if (status >= 300 && status < 400) return new LicenzyResponseError(`Licenzy answered a redirect (HTTP ${status}); not followed`, { upstreamStatus: status });
  return new LicenzyResponseError(`Licenzy answered HTTP ${status}`, { upstreamStatus: status });
}

/**
 * Propagation headers a diagnostics subscriber added (e.g. `traceparent`, `tracestate`, `baggage`): only well-formed
 * names and values, and never one of the headers the client itself owns.
 */
function safePropagation(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (!/^[a-z0-9-]{1,64}$/.test(lower) || typeof value !== 'string' || /[\r\n\0]/.test(value) || value.length > 4096) continue;
    if (lower === 'authorization' || lower === 'content-type' || lower === 'accept' || lower === 'idempotency-key' || lower === 'user-agent' || lower === 'host' || lower === 'content-length') continue;
    out[lower] = value;
  }
  return out;
}

/** Keeps the network error's code for diagnosis but drops anything that could echo request headers. */
function scrub(err: unknown): Error {
  const cause = (err as { cause?: { code?: unknown } } | undefined)?.cause;
  const code = typeof cause?.code === 'string' ? cause.code : (err as { code?: unknown } | undefined)?.code;
  const scrubbed = new Error(typeof code === 'string' ? code : 'fetch failed');
  if (typeof code === 'string') Object.assign(scrubbed, { code });
  return scrubbed;
}
