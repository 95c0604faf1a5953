// The webhook receiver's options: their types, and their parsing through core's one options path.
import { LicenzyConfigError } from './errors.js';
import { consoleLogger, type GateLogger } from './logger.js';
import {
  describe as describeValue,
  functionOption,
  integerOption,
  loggerOption,
  numberOption,
  optionKeys,
  optionsObject,
  type KeysEnum,
  type Milliseconds,
} from './options.js';
import type { WebhookRequest } from './webhook-delivery.js';
import { hmacSha256, standardKey, standardWebhooks, type Verifier } from './webhook-signatures.js';

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
  /**
   * Where refused deliveries (the reason's category: `bad signature`, `stale timestamp`, … once a minute per category),
   * signed-but-unusable deliveries and failed invalidations are reported. Never receives a signature, a body or a
   * secret. Default: the console, `[licenzy-gate]` prefix, like the gate.
   */
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

/** Options of `createWebhookReceiver()`; `scheme` is always explicit, never detected. */
export type WebhookReceiverOptions = StandardWebhooksOptions | HmacSha256Options | CustomVerifyOptions;

const COMMON_KEYS: KeysEnum<CommonOptions> = {
  gate: true, subjectOf: true, typeOf: true, events: true, maxBodyBytes: true, tolerance: true, maxRememberedIds: true, now: true, logger: true,
};
/** The option names each scheme takes, kept exact by the compiler. */
const SCHEME_KEYS: Record<WebhookReceiverOptions['scheme'], ReadonlySet<string>> = {
  'standard-webhooks': optionKeys<StandardWebhooksOptions>({ ...COMMON_KEYS, scheme: true, secret: true, secrets: true }),
  'hmac-sha256': optionKeys<HmacSha256Options>({ ...COMMON_KEYS, scheme: true, header: true, secret: true, secrets: true }),
  custom: optionKeys<CustomVerifyOptions>({ ...COMMON_KEYS, scheme: true, verify: true }),
};
/** Every name any scheme takes: a typo is named against these, whatever the scheme. */
export const WEBHOOK_OPTION_KEYS: ReadonlySet<string> = new Set(Object.values(SCHEME_KEYS).flatMap((keys) => [...keys]));

/** The receiver's options, every one validated. */
export interface WebhookConfig {
  readonly gate: InvalidatingGate;
  readonly maxBodyBytes: number;
  readonly tolerance: number;
  readonly maxRememberedIds: number;
  readonly now: () => number;
  readonly subjectOf: (payload: unknown) => unknown;
  readonly typeOf: (payload: unknown) => unknown;
  readonly events: ReadonlySet<string>;
  readonly logger: GateLogger;
  readonly verify: Verifier;
}

/**
 * Validates every option of `createWebhookReceiver()` at construction: an unknown key (named with the closest known
 * one), a key of another scheme, and any bad value (`null` included) is a {@link LicenzyConfigError} naming it.
 */
export function parseWebhookOptions(options: WebhookReceiverOptions): WebhookConfig {
  const opts = optionsObject('', options, WEBHOOK_OPTION_KEYS);
  const scheme = opts.scheme;
  if (typeof scheme !== 'string' || !Object.hasOwn(SCHEME_KEYS, scheme)) {
    throw new LicenzyConfigError('scheme', "expected 'standard-webhooks', 'hmac-sha256' or 'custom' (never detected from the request)");
  }
  const schemeKeys = SCHEME_KEYS[scheme as WebhookReceiverOptions['scheme']];
  for (const [key, value] of Object.entries(opts)) {
    if (value !== undefined && !schemeKeys.has(key)) throw new LicenzyConfigError(key, `is not an option of the '${scheme}' scheme`);
  }
  const gate = opts.gate as Partial<InvalidatingGate> | null | undefined;
  if (typeof gate !== 'object' || gate === null || typeof gate.invalidate !== 'function') {
    throw new LicenzyConfigError('gate', 'expected an access gate (with `invalidate()`)');
  }
  const tolerance = numberOption('tolerance', opts.tolerance, 5 * 60 * 1000, 0);
  return {
    gate: gate as InvalidatingGate,
    maxBodyBytes: integerOption('maxBodyBytes', opts.maxBodyBytes, 256 * 1024, 1),
    tolerance,
    maxRememberedIds: integerOption('maxRememberedIds', opts.maxRememberedIds, 10_000, 1),
    now: functionOption('now', opts.now, Date.now),
    subjectOf: functionOption('subjectOf', opts.subjectOf, defaultSubjectOf),
    typeOf: functionOption('typeOf', opts.typeOf, (payload: unknown) => field(payload, 'type')),
    events: parseEvents(opts.events),
    logger: loggerOption('logger', opts.logger, consoleLogger),
    verify: verifierFor(scheme as WebhookReceiverOptions['scheme'], opts, tolerance),
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

function secretsOf(options: Record<string, unknown>): string[] {
  const { secret, secrets } = options;
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

function verifierFor(scheme: WebhookReceiverOptions['scheme'], options: Record<string, unknown>, tolerance: number): Verifier {
  if (scheme === 'standard-webhooks') return standardWebhooks(secretsOf(options).map(standardKey), tolerance);
  if (scheme === 'hmac-sha256') {
    const header = options.header;
    if (typeof header !== 'string' || !/^[A-Za-z0-9-]{1,128}$/.test(header)) {
      throw new LicenzyConfigError('header', 'expected the name of the signature header, e.g. `x-licenzy-signature`');
    }
    return hmacSha256(header.toLowerCase(), secretsOf(options).map((s) => Buffer.from(s, 'utf8')));
  }
  const verify = functionOption<CustomVerifyOptions['verify']>('verify', options.verify);
  if (verify === undefined) throw new LicenzyConfigError('verify', 'the `custom` scheme needs a `verify(request)` function');
  return async (request) => {
    let verdict: unknown;
    try {
      verdict = await verify(request);
    } catch {
      return { refused: 'verify threw' };
    }
    return verdict === true ? '' : { refused: 'refused by verify' };
  };
}
