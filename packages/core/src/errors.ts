// The one typed error hierarchy of licenzy-gate: stable codes, the HTTP status an adapter answers, never a secret.

/** Every code a licenzy-gate error can carry; `switch (err.code)` over this union is exhaustive. */
export type LicenzyErrorCode =
  | 'ERR_LICENZY_CONFIG'
  | 'ERR_LICENZY_SUBJECT_REQUIRED'
  | 'ERR_LICENZY_SUBJECT_INVALID'
  | 'ERR_LICENZY_ACCESS_DENIED'
  | 'ERR_LICENZY_UNAVAILABLE'
  | 'ERR_LICENZY_RESPONSE'
  | 'ERR_LICENZY_AUTH'
  | 'ERR_LICENZY_ABORTED'
  | 'ERR_LICENZY_USAGE_EXHAUSTED'
  | 'ERR_LICENZY_IDEMPOTENCY_CONFLICT'
  | 'ERR_LICENZY_IDEMPOTENCY_KEY_INVALID'
  | 'ERR_LICENZY_WAIT_TIMEOUT';

/** Why Licenzy could not give an answer (on {@link LicenzyUnavailableError}). */
export type UnavailableReason = 'timeout' | 'network' | 'status' | 'circuit_open' | 'budget' | 'overloaded' | 'shared';

/**
 * The Licenzy call an answer was given to, for the log line that says what is wrong: the method and the full URL with
 * the subject's path segment replaced by `{subject_ref}` (the base URL holds no credentials, query or key).
 */
export interface UpstreamRequest {
  readonly method: string;
  readonly url: string;
}

/** Longest `Retry-After` we ever send, in seconds: a hint beyond it (even Licenzy's own) is capped. */
export const MAX_RETRY_AFTER_SECONDS = 300;

/** Whole seconds in [1, {@link MAX_RETRY_AFTER_SECONDS}] for a `Retry-After` header; anything odd becomes 1. */
export function retryAfterSeconds(ms: number | undefined): number {
  if (ms === undefined || !Number.isFinite(ms) || ms <= 0) return 1;
  return Math.min(MAX_RETRY_AFTER_SECONDS, Math.max(1, Math.ceil(ms / 1000)));
}

/**
 * Base class of every error licenzy-gate throws. Carries `code`, the HTTP `status` (and its alias
 * `statusCode`) an app should answer, `expose` (whether `message` is safe to show a client) and
 * `headers` to send (e.g. `Retry-After`), so Express/Koa/Fastify error handlers render it correctly.
 *
 * @example
 * try { await gate.check(userId) } catch (err) {
 *   if (err instanceof LicenzyError && err.code === 'ERR_LICENZY_UNAVAILABLE') retryLater(err.headers)
 * }
 */
export class LicenzyError extends Error {
  readonly code: LicenzyErrorCode;
  readonly status: number;
  readonly expose: boolean;
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    code: LicenzyErrorCode,
    message: string,
    init: { status: number; expose?: boolean; headers?: Record<string, string>; cause?: unknown },
  ) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = new.target.name;
    this.code = code;
    this.status = init.status;
    this.expose = init.expose ?? init.status < 500;
    this.headers = Object.freeze({ ...init.headers });
  }

  /** Alias of `status`, for frameworks (Fastify, http-errors) that read `statusCode`. */
  get statusCode(): number {
    return this.status;
  }
}

/** A bad or missing option, named in the message. Thrown at setup time, before any request. */
export class LicenzyConfigError extends LicenzyError {
  /** The option at fault, e.g. `'cache.ttl'` or `'apiKey'`. */
  readonly option: string;
  constructor(option: string, message: string) {
    super('ERR_LICENZY_CONFIG', `licenzy-gate: invalid option \`${option}\`: ${message}`, { status: 500 });
    this.option = option;
  }
}

/** The request carries no subject (no authenticated user): answer 401. */
export class LicenzySubjectRequiredError extends LicenzyError {
  constructor(message = 'No subject: the request is not authenticated') {
    super('ERR_LICENZY_SUBJECT_REQUIRED', message, { status: 401, expose: true });
  }
}

/** The subject is not a usable subject_ref (wrong type, too long, control characters): answer 400. */
export class LicenzySubjectInvalidError extends LicenzyError {
  constructor(message: string) {
    super('ERR_LICENZY_SUBJECT_INVALID', message, { status: 400, expose: true });
  }
}

/** Licenzy answered `allowed: false` for the subject: answer 403. */
export class LicenzyAccessDeniedError extends LicenzyError {
  readonly subjectRef: string;
  constructor(subjectRef: string) {
    super('ERR_LICENZY_ACCESS_DENIED', 'Access denied: no usable entitlement', { status: 403, expose: true });
    this.subjectRef = subjectRef;
  }
}

/**
 * Licenzy could not be reached or asked us to back off (timeout, network, 429, 5xx, an open circuit, or this
 * process shedding load): answer 503. The only error during which a stale answer or `onUnavailable: 'allow'` applies.
 */
export class LicenzyUnavailableError extends LicenzyError {
  readonly reason: UnavailableReason;
  /** HTTP status Licenzy answered, when it answered. */
  readonly upstreamStatus: number | undefined;
  /** Whole seconds after which a retry makes sense (sent as `Retry-After`), 1 to {@link MAX_RETRY_AFTER_SECONDS}. */
  readonly retryAfter: number;
  /** The `Retry-After` Licenzy itself sent, in ms, when it sent one. */
  readonly upstreamRetryAfterMs: number | undefined;
  constructor(
    reason: UnavailableReason,
    message: string,
    init: { upstreamStatus?: number; retryAfterMs?: number; cause?: unknown } = {},
  ) {
    const retryAfter = retryAfterSeconds(init.retryAfterMs);
    super('ERR_LICENZY_UNAVAILABLE', message, {
      status: 503,
      headers: { 'retry-after': String(retryAfter) },
      cause: init.cause,
    });
    this.reason = reason;
    this.upstreamStatus = init.upstreamStatus;
    this.retryAfter = retryAfter;
    // Only Licenzy's own hint counts as upstream; a local one (e.g. an open circuit) only sets `retryAfter`.
    this.upstreamRetryAfterMs = init.upstreamStatus === undefined ? undefined : init.retryAfterMs;
  }
}

/**
 * Licenzy was reached but answered something that is not a valid answer (bad status, JSON, duplicate members,
 * shape, subject, size): answer 503. Never an outage: no stale answer and no fail-open stands in for it.
 */
export class LicenzyResponseError extends LicenzyError {
  readonly upstreamStatus: number | undefined;
  /** The call this answer was given to, when our client made it (never the key nor the subject). */
  readonly request: UpstreamRequest | undefined;
  constructor(message: string, init: { upstreamStatus?: number; cause?: unknown; request?: UpstreamRequest } = {}) {
    super('ERR_LICENZY_RESPONSE', message, { status: 503, headers: { 'retry-after': '1' }, cause: init.cause });
    this.upstreamStatus = init.upstreamStatus;
    this.request = init.request;
  }
}

/** Licenzy rejected our API key (401/403): a configuration error, never "subject denied". Answer 500. */
export class LicenzyAuthError extends LicenzyError {
  /** Licenzy's documented error code, e.g. `invalid_api_key`, when it sent one. */
  readonly upstreamCode: string | undefined;
  readonly upstreamStatus: number;
  /** The call Licenzy refused, when our client made it (never the key nor the subject). */
  readonly request: UpstreamRequest | undefined;
  constructor(upstreamStatus: number, upstreamCode: string | undefined, request?: UpstreamRequest) {
    super(
      'ERR_LICENZY_AUTH',
      `Licenzy rejected the API key (HTTP ${upstreamStatus}${upstreamCode ? `, ${upstreamCode}` : ''})`,
      { status: 500 },
    );
    this.upstreamStatus = upstreamStatus;
    this.upstreamCode = upstreamCode;
    this.request = request;
  }
}

/** The caller's own AbortSignal fired before an answer arrived. */
export class LicenzyAbortError extends LicenzyError {
  constructor(cause?: unknown) {
    super('ERR_LICENZY_ABORTED', 'The access check was aborted by the caller', { status: 503, cause });
  }
}

/**
 * True only for transport-level unavailability ({@link LicenzyUnavailableError}: network errors, timeouts, 429,
 * 5xx, an open circuit, shed load) — the errors during which a recent answer (`staleIfError`) may stand in and
 * `onUnavailable: 'allow'` may let a request through. A reachable Licenzy answering nonsense (404, another
 * subject, `"allowed":"false"`: {@link LicenzyResponseError}) is not an outage: it is refused, never covered.
 */
export function isOutage(err: unknown): boolean {
  return err instanceof LicenzyUnavailableError;
}

/** Licenzy answered `409 insufficient_usage`: the subject has fewer units left than the route charges. Answer 402. */
export class LicenzyUsageExhaustedError extends LicenzyError {
  readonly subjectRef: string;
  /** Units the route asked to charge. */
  readonly units: number;
  constructor(subjectRef: string, units: number) {
    super('ERR_LICENZY_USAGE_EXHAUSTED', 'Usage exhausted: not enough units left for this request', { status: 402, expose: true });
    this.subjectRef = subjectRef;
    this.units = units;
  }
}

/**
 * Licenzy rejected a usage event because its idempotency key was already used for a different event (another
 * subject or number of units): e.g. a client reusing its `Idempotency-Key` header for a different request. Answer 409.
 */
export class LicenzyIdempotencyConflictError extends LicenzyError {
  readonly upstreamStatus: number | undefined;
  constructor(init: { upstreamStatus?: number; cause?: unknown } = {}) {
    super('ERR_LICENZY_IDEMPOTENCY_CONFLICT', 'The Idempotency-Key was already used for a different request', { status: 409, expose: true, cause: init.cause });
    this.upstreamStatus = init.upstreamStatus;
  }
}

/** The client's `Idempotency-Key` header is not 1 to 255 printable ASCII characters. Answer 400. */
export class LicenzyIdempotencyKeyInvalidError extends LicenzyError {
  constructor(message = 'The Idempotency-Key header must be 1 to 255 printable ASCII characters') {
    super('ERR_LICENZY_IDEMPOTENCY_KEY_INVALID', message, { status: 400, expose: true });
  }
}

/**
 * `gate.waitForAccess()` saw no access within its `timeout` (checkout not processed yet, or Licenzy unreachable:
 * the last failure, if any, is the `cause`). Answer 503 with `Retry-After`: come back shortly.
 */
export class LicenzyWaitTimeoutError extends LicenzyError {
  readonly subjectRef: string;
  /** How long it waited, in ms. */
  readonly waitedMs: number;
  constructor(subjectRef: string, waitedMs: number, cause?: unknown) {
    super('ERR_LICENZY_WAIT_TIMEOUT', `No access for the subject within ${Math.ceil(waitedMs)} ms`, {
      status: 503,
      headers: { 'retry-after': '1' },
      cause,
    });
    this.subjectRef = subjectRef;
    this.waitedMs = waitedMs;
  }
}
