// Webhook signature schemes: Standard Webhooks and hex HMAC-SHA256, verified in constant time on the raw bytes.
import { nodeCrypto } from './node-builtins.js';
import { LicenzyConfigError } from './errors.js';
import { headerAbsence, headerValue, type WebhookRequest } from './webhook-delivery.js';

/**
 * Why a delivery was not taken, as its log line names it: a category, never a header's value, the body or a secret.
 * `replayed` is acknowledged (200) and ignored; every other one is refused with 401.
 */
export type WebhookRefusalReason =
  | 'missing headers'
  | 'repeated header'
  | 'malformed headers'
  | 'stale timestamp'
  | 'future timestamp'
  | 'no v1 signature'
  | 'bad signature'
  | 'refused by verify'
  | 'verify threw'
  | 'replayed';

/** A delivery that is not authentic, and why. */
export interface Unverified {
  readonly refused: WebhookRefusalReason;
}

/** Resolves the delivery's id for replay detection (`''` when the scheme has none), or why it is not authentic. */
export type Verifier = (request: WebhookRequest, body: Buffer, now: number) => Promise<string | Unverified>;

const refused = (reason: WebhookRefusalReason): Unverified => ({ refused: reason });

/** The HMAC key of a `whsec_<base64>` secret. @throws {LicenzyConfigError} naming `secret`, never echoing it. */
export function standardKey(secret: string): Buffer {
  if (!secret.startsWith('whsec_')) throw new LicenzyConfigError('secret', 'expected a `whsec_<base64>` secret');
  const encoded = secret.slice('whsec_'.length);
  const key = Buffer.from(encoded, 'base64');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || key.length < 16) {
    throw new LicenzyConfigError('secret', 'expected `whsec_` followed by the base64 of at least 16 bytes');
  }
  return key;
}

/** Constant-time equality of two byte strings; different lengths are unequal without a timing-dependent compare. */
export function safeEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && nodeCrypto.timingSafeEqual(a, b);
}

/** [Standard Webhooks](https://www.standardwebhooks.com): id, timestamp within `tolerance`, any `v1,` signature of any key. */
export function standardWebhooks(keys: Buffer[], tolerance: number): Verifier {
  return async (request, body, now) => {
    const id = headerValue(request, 'webhook-id');
    const timestamp = headerValue(request, 'webhook-timestamp');
    const signatures = headerValue(request, 'webhook-signature');
    if (id === undefined || timestamp === undefined || signatures === undefined) {
      const absent = (['webhook-id', 'webhook-timestamp', 'webhook-signature'] as const).map((name) => headerValue(request, name) === undefined ? headerAbsence(request, name) : undefined);
      return refused(absent.includes('repeated header') ? 'repeated header' : 'missing headers');
    }
    if (id === '' || id.length > 256 || !/^[0-9]{1,12}$/.test(timestamp)) return refused('malformed headers');
    const skew = now - Number(timestamp) * 1000;
    if (Math.abs(skew) > tolerance) return refused(skew > 0 ? 'stale timestamp' : 'future timestamp');
    const tokens = signatures.split(' ').filter((token) => token !== '');
    // Each signature is `<version>,<base64>`, one comma. A token with none or another (`junk, v1,…`, `junk,v1,…`) is
    // two header lines joined by Node, fetch or a proxy: the whole header is refused, never searched for a match.
    if (!tokens.every((token) => /^[^,]+,[^,]+$/.test(token))) return refused('repeated header');
    const candidates = tokens
      .filter((s) => s.startsWith('v1,'))
      .slice(0, 16)
      .map((s) => Buffer.from(s.slice(3), 'base64'));
    if (candidates.length === 0) return refused('no v1 signature');
    const signed = Buffer.concat([Buffer.from(`${id}.${timestamp}.`, 'utf8'), body]);
    let valid = false;
    for (const key of keys) {
      const expected = nodeCrypto.createHmac('sha256', key).update(signed).digest();
      // No early exit: the time taken does not depend on which signature or secret matched.
      for (const candidate of candidates) valid = safeEqual(candidate, expected) || valid;
    }
    return valid ? `${id}` : refused('bad signature');
  };
}

/** Hex HMAC-SHA256 of the raw body in header `name`, with or without `sha256=`, under any of `keys`. */
export function hmacSha256(name: string, keys: Buffer[]): Verifier {
  return async (request, body) => {
    const value = headerValue(request, name)?.trim();
    if (value === undefined) return refused(headerAbsence(request, name));
    const hex = value.startsWith('sha256=') ? value.slice('sha256='.length) : value;
    if (!/^[0-9a-fA-F]{64}$/.test(hex)) return refused('malformed headers');
    const candidate = Buffer.from(hex, 'hex');
    let valid = false;
    for (const key of keys) valid = safeEqual(candidate, nodeCrypto.createHmac('sha256', key).update(body).digest()) || valid;
    // Without an id in this scheme, the signature itself identifies a delivery for replay detection.
    return valid ? `sig:${hex.toLowerCase()}` : refused('bad signature');
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
  const signature = nodeCrypto.createHmac('sha256', key)
    .update(Buffer.concat([Buffer.from(`${input.id}.${input.timestamp}.`), Buffer.from(input.body)]))
    .digest('base64');
  return { 'webhook-id': input.id, 'webhook-timestamp': String(input.timestamp), 'webhook-signature': `v1,${signature}` };
}
