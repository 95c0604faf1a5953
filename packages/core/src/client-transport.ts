// How the client talks to Licenzy: one attempt with a deadline, traced; bounded retries with backoff; a capped body.
import { readBodyCapped } from './capped-body.js';
import { onAbort } from './abort.js';
import type { ClientConfig } from './client-options.js';
import { upstreamChannel, type UpstreamEvent, type UpstreamOperation } from './diagnostics.js';
import { LicenzyAbortError, LicenzyAuthError, LicenzyError, LicenzyResponseError, LicenzyUnavailableError, type UpstreamRequest } from './errors.js';
import { duplicateMemberName } from './json.js';

const USER_AGENT = 'licenzy-gate/0.1';
/** The auth error codes Licenzy documents; any other `error` text is never copied (it could echo the key). */
const DOCUMENTED_AUTH_CODES: ReadonlySet<string> = new Set(['missing_bearer_token', 'invalid_api_key', 'plan_mode_not_allowed']);
const MAX_BACKOFF = 1000;

/** One answer from Licenzy: its status, its parsed body, its `Retry-After` hint, and the call it answers. */
export interface Attempt {
  status: number;
  body: unknown;
  retryAfterMs?: number;
  /** Method and URL (subject as `{subject_ref}`), for the errors a bad answer becomes. */
  request: UpstreamRequest;
}

/** One Licenzy endpoint as called: `template` is the path with the subject replaced, for diagnostics. */
export interface Endpoint {
  operation: UpstreamOperation;
  method: string;
  path: string;
  template: string;
}

/** One call: what is sent and the caller's signal; `accept` marks non-2xx statuses that are answers (409 for usage). */
export interface CallRequest {
  endpoint: Endpoint;
  body?: unknown;
  headers?: Record<string, string>;
  signal: AbortSignal | undefined;
  accept?: (status: number) => boolean;
}

/** One attempt at an endpoint: what is sent, its time budget and the caller's signal. */
interface AttemptRequest {
  endpoint: Endpoint;
  /** What a bad answer's error names: method and URL without the subject. */
  request: UpstreamRequest;
  body: unknown;
  headers: Record<string, string>;
  /** ms this attempt may take, headers and body included. */
  budget: number;
  signal: AbortSignal | undefined;
}

/** What every attempt of one client shares: its configuration, the header with the key, and the server's address. */
interface Connection {
  readonly config: ClientConfig;
  readonly authorization: string;
  readonly server: URL;
  readonly serverPort: number;
  /** `host:port` of the base URL, for a network error's message (no path, no key). */
  readonly address: string;
}

/**
 * The client's transport: a function that runs one call (attempts until one gives a final answer) with the
 * client's configuration. The key lives only in the header built here.
 *
 * @example
 * const call = createTransport(parseClientOptions({ apiKey }))
 * const { status, body } = await call({ endpoint, signal: undefined })
 */
export function createTransport(config: ClientConfig): (request: CallRequest) => Promise<Attempt> {
  const server = new URL(config.baseUrl);
  const serverPort = server.port === '' ? (server.protocol === 'https:' ? 443 : 80) : Number(server.port);
  const connection: Connection = {
    config,
    authorization: `Bearer ${config.apiKey}`,
    server,
    serverPort,
    address: `${server.hostname}:${serverPort}`,
  };
  return (request) => call(connection, request);
}

/** Runs attempts until one gives a final answer; `accept` marks non-2xx statuses that are answers (409 for usage). */
async function call(connection: Connection, request: CallRequest): Promise<Attempt> {
  const { timeout, retries, totalTimeout, retryBackoff, maxRetryAfter, sleep, random } = connection.config;
  const { endpoint, body, headers = {}, signal, accept = () => false } = request;
  // The template, not the path: the subject never reaches a log line through an error.
  const named: UpstreamRequest = { method: endpoint.method, url: connection.config.baseUrl + endpoint.template };
  if (signal?.aborted) throw new LicenzyAbortError();
  const deadline = performance.now() + totalTimeout;
  for (let attempt = 0; ; attempt++) {
    const remaining = deadline - performance.now();
    let error: LicenzyError;
    try {
      if (remaining <= 0) throw new LicenzyUnavailableError('budget', `Licenzy call exceeded its ${Math.ceil(totalTimeout)} ms budget`);
      const result = await tracedAttempt(connection, { endpoint, request: named, body, headers, budget: Math.min(timeout, remaining), signal }, attempt + 1);
      if ((result.status >= 200 && result.status < 300) || accept(result.status)) return result;
      throw statusError(result);
    } catch (err) {
      error = err instanceof LicenzyError ? err : networkError('Licenzy call failed', err, connection.address);
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

/** One attempt, traced on `licenzy-gate:upstream` when someone listens (a subscriber may add propagation headers). */
function tracedAttempt(connection: Connection, request: AttemptRequest, attempt: number): Promise<Attempt> {
  const { server, serverPort } = connection;
  if (!upstreamChannel.hasSubscribers) return attemptOnce(connection, request, undefined);
  const { endpoint } = request;
  const event: UpstreamEvent = {
    operation: endpoint.operation, attempt, method: endpoint.method, urlTemplate: endpoint.template,
    serverAddress: server.hostname, serverPort, headers: {},
  };
  const started = performance.now();
  return upstreamChannel.start.runStores(event, () => {
    let pending: Promise<Attempt>;
    try {
      pending = attemptOnce(connection, request, event.headers);
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

async function attemptOnce(connection: Connection, request: AttemptRequest, propagation: Record<string, string> | undefined): Promise<Attempt> {
  const { endpoint, request: named, body, headers, budget, signal } = request;
  const { baseUrl, fetchImpl, maxResponseBytes } = connection.config;
  const { authorization } = connection;
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
    throw networkError('Licenzy could not be reached', err, connection.address);
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
    const text = await readCapped(response, maxResponseBytes, named);
    return { status: response.status, body: text === undefined ? undefined : parseJson(text, response.status, named), ...retryAfterOf(response), request: named };
  }
}

/** Reads the body as text, refusing more than `max` bytes (the rest is never buffered); an empty body is undefined. */
async function readCapped(response: Response, max: number, request: UpstreamRequest): Promise<string | undefined> {
  const bytes = await readBodyCapped(response, max);
  if (bytes === undefined) throw new LicenzyResponseError(`Licenzy answer is larger than ${max} bytes`, { upstreamStatus: response.status, request });
  return bytes.byteLength === 0 ? undefined : new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes); // the BOM kept, as Buffer#toString kept it
}

function parseJson(text: string, status: number, request: UpstreamRequest): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Error bodies of unknown shape are normal on 5xx; only a 2xx must be JSON.
    if (status >= 200 && status < 300) throw new LicenzyResponseError('Licenzy answer is not valid JSON', { upstreamStatus: status, request });
    return undefined;
  }
  // JSON.parse keeps the last duplicate, so `"allowed":false,"allowed":true` would grant: refuse the answer.
  // Checked for every body we read (2xx answers and 409/401 codes alike), since each one is trusted for something.
  if (typeof parsed === 'object' && parsed !== null && duplicateMemberName(text) !== undefined) {
    if (status >= 200 && status < 300) throw new LicenzyResponseError('Licenzy answer repeats a member name', { upstreamStatus: status, request });
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

function statusError(result: Attempt): LicenzyError {
  const { status, request } = result;
  if (status === 401 || status === 403) {
    const code = (result.body as { error?: unknown } | undefined)?.error;
    // Only Licenzy's documented codes are passed on: anything else (even snake_case) could be our key echoed back.
    return new LicenzyAuthError(status, typeof code === 'string' && DOCUMENTED_AUTH_CODES.has(code) ? code : undefined, request);
  }
  if (status === 429 || status >= 500) {
    return new LicenzyUnavailableError('status', `Licenzy answered HTTP ${status}`, {
      upstreamStatus: status,
      ...(result.retryAfterMs === undefined ? {} : { retryAfterMs: result.retryAfterMs }),
    });
  }
  if (status >= 300 && status < 400) return new LicenzyResponseError(`Licenzy answered a redirect (HTTP ${status}); not followed`, { upstreamStatus: status, request });
  return new LicenzyResponseError(`Licenzy answered HTTP ${status}`, { upstreamStatus: status, request });
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

/**
 * A network failure as an outage whose message names the error's code and the server (`ECONNREFUSED 127.0.0.1:4010`):
 * what an operator needs to tell a stopped Licenzy from a wrong host. Only the base URL's host and port are named.
 */
function networkError(message: string, err: unknown, address: string): LicenzyUnavailableError {
  const cause = scrub(err, address);
  return new LicenzyUnavailableError('network', `${message}: ${cause.message}`, { cause });
}

/** Keeps the network error's code for diagnosis, with the server it failed on, but drops anything that could echo request headers. */
function scrub(err: unknown, address: string): Error {
  const cause = (err as { cause?: { code?: unknown } } | undefined)?.cause;
  const code = typeof cause?.code === 'string' ? cause.code : (err as { code?: unknown } | undefined)?.code;
  // A code is an identifier (ECONNREFUSED, UND_ERR_SOCKET); anything else an injected fetch sets is not copied.
  const usable = typeof code === 'string' && /^[A-Z0-9_]{1,64}$/.test(code) ? code : undefined;
  const scrubbed = new Error(`${usable ?? 'fetch failed'} ${address}`);
  if (usable !== undefined) Object.assign(scrubbed, { code: usable });
  return scrubbed;
}
