// Licenzy webhooks: verify a signed delivery and make the gate forget the subject. A webhook never grants.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { LicenzyConfigError } from './errors.js';
import type { GateLogger } from './logger.js';
import { describe as describeValue, functionOption, integerOption, numberOption } from './options.js';
import { validateSubjectRef } from './subject.js';
import type { Milliseconds } from './options.js';

/** Events that make the gate forget the subject's decision, by default. */
export const DEFAULT_WEBHOOK_EVENTS: readonly string[] = Object.freeze([
  'entitlement.updated',
  'purchase.finalized',
  'subscription.updated',
  'subscription.deleted',
  'invoice.payment_succeeded',
  'invoice.payment_failed',
  'usage.consumed',
]);

/** Request headers: Node's `IncomingHttpHeaders` (lower-case names) or a fetch `Headers`. */
export type WebhookHeaders = Readonly<Record<string, string | string[] | undefined>> | { get(name: string): string | null };

/** A delivery as an adapter hands it over: headers and the body's bytes exactly as received. */
export interface WebhookRequest {
  readonly headers: WebhookHeaders;
  readonly rawBody: Uint8Array | string;
}

/** What to answer. `body` is JSON; it never says why a delivery was refused. */
export interface WebhookResponse {
  readonly status: 200 | 400 | 401 | 413 | 503;
  readonly body: { readonly received: true } | { readonly error: 'unauthorized' | 'invalid_payload' | 'payload_too_large' | 'unavailable' };
}

/** The gate, as far as a webhook may touch it: it can only make it forget. */
export interface InvalidatingGate {
  /** May return a promise (e.g. a shared tier propagating); a rejection answers 503 so the sender retries. */
  invalidate(subjectRef: string, options?: { reason?: 'webhook' }): unknown;
  /** Preferred when present (a gate from `createAccessGate()`): resolves once every instance can know, rejects when not. */
  invalidateEverywhere?(subjectRef: string, options?: { reason?: 'webhook' }): Promise<unknown>;
}

interface CommonOptions {
  /** The gate whose decisions the webhooks invalidate. */
  gate: InvalidatingGate;
  /** Finds the subject in a parsed payload. Default: `subject_ref`, then `data.subject_ref`, then `data.object.subject_ref`. */
  subjectOf?: (payload: unknown) => unknown;
  /** Finds the event type in a parsed payload. Default: the top-level `type`. */
  typeOf?: (payload: unknown) => unknown;
  /** Event types that invalidate. Default {@link DEFAULT_WEBHOOK_EVENTS}; other types are acknowledged and ignored. */
  events?: readonly string[];
  /** Largest body accepted, in bytes; larger is 413. Default 262144 (256 KiB). */
  maxBodyBytes?: number;
  /** How far a delivery's timestamp may be from now, either way, in ms. Default 300000 (5 min). */
  tolerance?: Milliseconds;
  /** Delivery ids remembered to drop replays (for `tolerance`). Default 10000. */
  maxRememberedIds?: number;
  /** Clock in ms. Default `Date.now`. */
  now?: () => number;
  /** Where refusals of signed-but-unusable deliveries and failed invalidations are reported. Never receives secrets. */
  logger?: GateLogger;
}

/** [Standard Webhooks](https://www.standardwebhooks.com): `webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64>`. */
export interface StandardWebhooksOptions extends CommonOptions {
  scheme: 'standard-webhooks';
  /** `whsec_<base64>` secret. */
  secret?: string;
  /** Several `whsec_` secrets, any of which may sign (rotation). */
  secrets?: readonly string[];
}

/** Hex HMAC-SHA256 of the raw body in one header, with or without a `sha256=` prefix; no timestamp in the signature. */
export interface HmacSha256Options extends CommonOptions {
  scheme: 'hmac-sha256';
  /** The signature header, e.g. `'x-licenzy-signature'` (Licenzy's is not documented, so it is not guessed). */
  header: string;
  /** The shared secret (its UTF-8 bytes are the HMAC key). */
  secret?: string;
  secrets?: readonly string[];
}

/** Your own verification, for a scheme neither of the others covers. Replay and timestamp checks are then yours too. */
export interface CustomVerifyOptions extends CommonOptions {
  scheme: 'custom';
  verify: (request: WebhookRequest) => boolean | Promise<boolean>;
}

/** Options of {@link createWebhookReceiver}; `scheme` is always explicit, never detected. */
export type WebhookReceiverOptions = StandardWebhooksOptions | HmacSha256Options | CustomVerifyOptions;

/** Verifies deliveries and invalidates; one per endpoint. */
export interface WebhookReceiver {
  /** The body cap in bytes, so an adapter can stop reading a larger body early (then answer {@link WebhookReceiver.tooLarge}). */
  readonly maxBodyBytes: number;
  handle(request: WebhookRequest): Promise<WebhookResponse>;
  /** The answer to a body over `maxBodyBytes`. */
  tooLarge(): WebhookResponse;
}

const OK: WebhookResponse = { status: 200, body: { received: true } };
const UNAUTHORIZED: WebhookResponse = { status: 401, body: { error: 'unauthorized' } };
const INVALID: WebhookResponse = { status: 400, body: { error: 'invalid_payload' } };
const TOO_LARGE: WebhookResponse = { status: 413, body: { error: 'payload_too_large' } };
const UNAVAILABLE: WebhookResponse = { status: 503, body: { error: 'unavailable' } };

type Verifier = (request: WebhookRequest, body: Buffer, now: number) => Promise<string | false>;

/**
 * Creates a webhook receiver: verifies each delivery's signature (constant time, on the raw bytes), its timestamp
 * (both directions) and its id (replays are acknowledged and ignored), then makes the gate forget the subject for
 * the configured events. It can only make the gate forget: nothing in a payload ever grants.
 *
 * @example
 * const receiver = createWebhookReceiver({ gate, scheme: 'standard-webhooks', secret: process.env.LICENZY_WEBHOOK_SECRET });
 * const { status, body } = await receiver.handle({ headers: req.headers, rawBody });
 */
export function createWebhookReceiver(options: WebhookReceiverOptions): WebhookReceiver {
  if (typeof options !== 'object' || options === null) throw new LicenzyConfigError('options', 'expected an object');
  const gate = options.gate as unknown;
  if (typeof gate !== 'object' || gate === null || typeof (gate as InvalidatingGate).invalidate !== 'function') {
    throw new LicenzyConfigError('gate', 'expected an access gate (with `invalidate()`)');
  }
  const maxBodyBytes = integerOption('maxBodyBytes', options.maxBodyBytes, 256 * 1024, 1);
  const tolerance = numberOption('tolerance', options.tolerance, 5 * 60 * 1000, 0);
  const maxRememberedIds = integerOption('maxRememberedIds', options.maxRememberedIds, 10_000, 1);
  const now = functionOption('now', options.now, Date.now);
  const subjectOf = functionOption('subjectOf', options.subjectOf, defaultSubjectOf);
  const typeOf = functionOption('typeOf', options.typeOf, (payload: unknown) => field(payload, 'type'));
  const events = parseEvents(options.events);
  const logger = options.logger;
  if (logger !== undefined && (typeof logger !== 'object' || typeof logger.warn !== 'function' || typeof logger.error !== 'function')) {
    throw new LicenzyConfigError('logger', 'expected an object with `warn` and `error` functions');
  }
  const verify = verifierFor(options, tolerance);
  const seen = createReplayGuard(maxRememberedIds);

  return {
    maxBodyBytes,
    tooLarge: () => TOO_LARGE,
    async handle(request) {
      const rawBody = request?.rawBody;
      if (typeof rawBody !== 'string' && !(rawBody instanceof Uint8Array)) return INVALID;
      const body = typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : Buffer.from(rawBody.buffer, rawBody.byteOffset, rawBody.byteLength);
      if (body.length > maxBodyBytes) return TOO_LARGE;
      const at = now();
      let id: string | false;
      try {
        id = await verify(request, body, at);
      } catch {
        id = false;
      }
      if (id === false) return UNAUTHORIZED;
      let payload: unknown;
      try {
        payload = JSON.parse(body.toString('utf8'));
      } catch {
        return INVALID;
      }
      // Remembered before acting, so concurrent duplicates act once; forgotten again if acting failed (a retry may act).
      const replayKey = id === '' ? undefined : id;
      // Twice the window: a delivery stamped up to `tolerance` ahead stays valid until `at + 2 × tolerance`.
      if (replayKey !== undefined && !seen.remember(replayKey, at + 2 * tolerance, at)) return OK;
      let type: unknown;
      try {
        type = typeOf(payload);
      } catch (error) {
        // The app's own `typeOf` failed on this delivery: no telling whether it should have invalidated. Not
        // remembered, and 503, so Licenzy retries it (a retry would otherwise be dropped as a replay).
        if (replayKey !== undefined) seen.forget(replayKey);
        logger?.error('Licenzy webhook typeOf() threw; the sender should retry', { error: error instanceof Error ? error.message : 'unknown error' });
        return UNAVAILABLE;
      }
      if (typeof type !== 'string' || !events.has(type)) return OK;
      let subjectRef: string;
      try {
        subjectRef = validateSubjectRef(subjectOf(payload));
      } catch {
        logger?.warn('Licenzy webhook without a usable subject_ref ignored', { type });
        return OK;
      }
      try {
        // The only thing a webhook does to the gate: forget. Whatever the payload says (allowed, status…) is never read.
        // With a shared tier, wait until every instance can know; a failure answers 503 so Licenzy retries.
        const target = gate as InvalidatingGate;
        if (typeof target.invalidateEverywhere === 'function') await target.invalidateEverywhere(subjectRef, { reason: 'webhook' });
        else await target.invalidate(subjectRef, { reason: 'webhook' });
      } catch (error) {
        if (replayKey !== undefined) seen.forget(replayKey);
        logger?.error('Licenzy webhook could not invalidate; the sender should retry', {
          type,
          error: error instanceof Error ? error.message : 'unknown error',
        });
        return UNAVAILABLE;
      }
      return OK;
    },
  };
}

/** The default `subjectOf`: `subject_ref` at the top level, then in `data`, then in `data.object`. */
export function defaultSubjectOf(payload: unknown): unknown {
  const data = field(payload, 'data');
  return field(payload, 'subject_ref') ?? field(data, 'subject_ref') ?? field(field(data, 'object'), 'subject_ref');
}

function field(holder: unknown, key: string): unknown {
  return typeof holder === 'object' && holder !== null && !Array.isArray(holder) && Object.hasOwn(holder, key)
    ? (holder as Record<string, unknown>)[key]
    : undefined;
}

function parseEvents(value: unknown): ReadonlySet<string> {
  if (value === undefined) return new Set(DEFAULT_WEBHOOK_EVENTS);
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && v !== '')) {
    throw new LicenzyConfigError('events', `expected an array of event type names, got ${describeValue(value)}`);
  }
  return new Set(value as string[]);
}

function secretsOf(options: object): string[] {
  const { secret, secrets } = options as { secret?: unknown; secrets?: unknown };
  if (secret !== undefined && secrets !== undefined) {
    throw new LicenzyConfigError('secret', 'pass either `secret` or `secrets`, not both');
  }
  const list = secrets !== undefined ? secrets : secret === undefined ? [] : [secret];
  if (!Array.isArray(list)) throw new LicenzyConfigError('secrets', `expected an array of secrets, got ${describeValue(list)}`);
  const name = secrets !== undefined ? 'secrets' : 'secret';
  if (list.length === 0) throw new LicenzyConfigError(name, 'a webhook secret is required');
  for (const secret of list) {
    if (typeof secret !== 'string' || secret.trim() === '') throw new LicenzyConfigError(name, 'expected non-empty strings');
  }
  return list as string[];
}

function verifierFor(options: WebhookReceiverOptions, tolerance: number): Verifier {
  const scheme = (options as { scheme?: unknown }).scheme;
  if (scheme === 'standard-webhooks') return standardWebhooks(secretsOf(options).map(standardKey), tolerance);
  if (scheme === 'hmac-sha256') {
    const header = (options as HmacSha256Options).header as unknown;
    if (typeof header !== 'string' || !/^[A-Za-z0-9-]{1,128}$/.test(header)) {
      throw new LicenzyConfigError('header', 'expected the name of the signature header, e.g. `x-licenzy-signature`');
    }
    return hmacSha256(header.toLowerCase(), secretsOf(options).map((s) => Buffer.from(s, 'utf8')));
  }
  if (scheme === 'custom') {
    const verify = functionOption<CustomVerifyOptions['verify']>('verify', (options as CustomVerifyOptions).verify);
    if (verify === undefined) throw new LicenzyConfigError('verify', 'the `custom` scheme needs a `verify(request)` function');
    return async (request) => ((await verify(request)) === true ? '' : false);
  }
  throw new LicenzyConfigError('scheme', "expected 'standard-webhooks', 'hmac-sha256' or 'custom' (never detected from the request)");
}

function standardKey(secret: string): Buffer {
  if (!secret.startsWith('whsec_')) throw new LicenzyConfigError('secret', 'expected a `whsec_<base64>` secret');
  const encoded = secret.slice('whsec_'.length);
  const key = Buffer.from(encoded, 'base64');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || key.length < 16) {
    throw new LicenzyConfigError('secret', 'expected `whsec_` followed by the base64 of at least 16 bytes');
  }
  return key;
}

function header(headers: WebhookHeaders, name: string): string | undefined {
  const value = typeof (headers as { get?: unknown }).get === 'function'
    ? (headers as { get(name: string): string | null }).get(name)
    : (headers as Record<string, string | string[] | undefined>)[name];
  // A repeated signature header is ambiguous: refuse rather than pick one.
  return typeof value === 'string' ? value : undefined;
}

/** Constant-time equality of two byte strings; different lengths are unequal without a timing-dependent compare. */
export function safeEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

function standardWebhooks(keys: Buffer[], tolerance: number): Verifier {
  return async (request, body, now) => {
    const headers = request.headers;
    if (typeof headers !== 'object' || headers === null) return false;
    const id = header(headers, 'webhook-id');
    const timestamp = header(headers, 'webhook-timestamp');
    const signatures = header(headers, 'webhook-signature');
    if (id === undefined || timestamp === undefined || signatures === undefined) return false;
    if (id === '' || id.length > 256 || !/^[0-9]{1,12}$/.test(timestamp)) return false;
    if (Math.abs(now - Number(timestamp) * 1000) > tolerance) return false;
    const candidates = signatures
      .split(' ')
      .filter((s) => s.startsWith('v1,'))
      .slice(0, 16)
      .map((s) => Buffer.from(s.slice(3), 'base64'));
    if (candidates.length === 0) return false;
    const signed = Buffer.concat([Buffer.from(`${id}.${timestamp}.`, 'utf8'), body]);
    let valid = false;
    for (const key of keys) {
      const expected = createHmac('sha256', key).update(signed).digest();
      // No early exit: the time taken does not depend on which signature or secret matched.
      for (const candidate of candidates) valid = safeEqual(candidate, expected) || valid;
    }
    return valid ? `${id}` : false;
  };
}

function hmacSha256(name: string, keys: Buffer[]): Verifier {
  return async (request, body) => {
    if (typeof request.headers !== 'object' || request.headers === null) return false;
    const value = header(request.headers, name)?.trim();
    if (value === undefined) return false;
    const hex = value.startsWith('sha256=') ? value.slice('sha256='.length) : value;
    if (!/^[0-9a-fA-F]{64}$/.test(hex)) return false;
    const candidate = Buffer.from(hex, 'hex');
    let valid = false;
    for (const key of keys) valid = safeEqual(candidate, createHmac('sha256', key).update(body).digest()) || valid;
    // Without an id in this scheme, the signature itself identifies a delivery for replay detection.
    return valid ? `sig:${hex.toLowerCase()}` : false;
  };
}

/** Ids seen recently, each until its expiry; bounded, oldest dropped first. */
function createReplayGuard(max: number) {
  const ids = new Map<string, number>();
  return {
    /** Records `id`; false when it was already recorded and has not expired (a replay). */
    remember(id: string, expiresAt: number, now: number): boolean {
      const known = ids.get(id);
      if (known !== undefined && known >= now) return false;
      ids.delete(id);
      for (const [oldest, expiry] of ids) {
        if (ids.size < max && expiry >= now) break;
        ids.delete(oldest);
      }
      ids.set(id, expiresAt);
      return true;
    },
    forget(id: string): void {
      ids.delete(id);
    },
  };
}

/**
 * Signs a body as a Standard Webhooks sender does, returning the three headers; for tests of your endpoint.
 *
 * @example
 * const headers = signStandardWebhook({ secret: 'whsec_…', id: 'msg_1', timestamp: Math.floor(Date.now() / 1000), body });
 * await fetch(url, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body });
 */
export function signStandardWebhook(input: { secret: string; id: string; timestamp: number; body: string | Uint8Array }): {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
} {
  const key = standardKey(input.secret);
  const signature = createHmac('sha256', key)
    .update(Buffer.concat([Buffer.from(`${input.id}.${input.timestamp}.`), Buffer.from(input.body)]))
    .digest('base64');
  return { 'webhook-id': input.id, 'webhook-timestamp': String(input.timestamp), 'webhook-signature': `v1,${signature}` };
}

/** The parts of a Node `IncomingMessage` that {@link readRawBody} uses. */
export interface RawBodySource {
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly readableEnded: boolean;
  on(event: 'data', listener: (chunk: Buffer | string) => void): unknown;
  on(event: 'end', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  removeListener(event: 'data', listener: (chunk: Buffer | string) => void): unknown;
  removeListener(event: 'end', listener: () => void): unknown;
  removeListener(event: 'error', listener: (error: Error) => void): unknown;
  pause(): unknown;
}

/**
 * Reads a Node request body up to `limit` bytes. Resolves `undefined` as soon as the body is known to be larger
 * (from `content-length`, or while reading) without buffering the rest; rejects when the body was already read
 * (a body parser ran first). For adapters of Node HTTP frameworks.
 *
 * @example
 * const rawBody = await readRawBody(req, receiver.maxBodyBytes)
 * if (rawBody === undefined) return send(receiver.tooLarge())
 */
export function readRawBody(source: RawBodySource, limit: number): Promise<Buffer | undefined> {
  if (source.readableEnded) return Promise.reject(new Error('the request body was already read (is a body parser mounted before the webhook handler?)'));
  const declared = Number(source.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = () => {
      source.removeListener('data', onData);
      source.removeListener('end', onEnd);
      source.removeListener('error', onError);
    };
    const onData = (chunk: Buffer | string) => {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      size += bytes.length;
      if (size > limit) {
        // Stop at the first byte over the cap; Node discards the rest after the response, nothing more is kept.
        stop();
        source.pause();
        chunks.length = 0;
        resolve(undefined);
        return;
      }
      chunks.push(bytes);
    };
    const onEnd = () => {
      stop();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (error: Error) => {
      stop();
      reject(error);
    };
    source.on('data', onData);
    source.on('end', onEnd);
    source.on('error', onError);
  });
}
