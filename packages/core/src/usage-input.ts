// The rules for what a usage charge carries (units, the idempotency key sent to Licenzy, a client's header), written once.
import { nodeCrypto } from './node-builtins.js';
import { LicenzyConfigError, LicenzyIdempotencyKeyInvalidError } from './errors.js';
import { describe } from './options.js';

/** Whether `value` is a number of units Licenzy can charge: a positive safe integer. */
export function validUnits(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

/**
 * Whether a consume answer's `consumed` is exactly the `units` asked: a consume is all or nothing (the contract: "atomic"),
 * so 0, fewer, more or a fraction is not a charge of `units` (issue 23, item 9).
 *
 * @example
 * chargedExactly(5, 5)   // true
 * chargedExactly(1, 5)   // false
 * chargedExactly(5.5, 5) // false
 */
export function chargedExactly(consumed: unknown, units: number): boolean {
  return validUnits(consumed) && consumed === units;
}

/**
 * `units`, checked before any slot is taken or any request is sent. @throws {LicenzyConfigError} on `units`.
 *
 * @example
 * requireUnits(3) // 3
 */
export function requireUnits(units: unknown): number {
  if (!validUnits(units)) throw new LicenzyConfigError('units', `expected a positive safe integer, got ${describe(units)}`);
  return units;
}

/**
 * The idempotency key sent to Licenzy: 1 to 255 printable ASCII characters, no space (the rule Licenzy applies).
 * Checked before any slot is taken or any request is sent. @throws {LicenzyConfigError} on `idempotencyKey`.
 *
 * @example
 * requireIdempotencyKey('report:42') // 'report:42'
 */
export function requireIdempotencyKey(key: unknown): string {
  if (typeof key !== 'string' || key.length === 0 || key.length > 255 || /[^\x21-\x7e]/.test(key)) {
    throw new LicenzyConfigError('idempotencyKey', 'required: 1 to 255 printable ASCII characters, one per business event');
  }
  return key;
}

/**
 * A client's `Idempotency-Key` request header, validated (undefined when absent): 1 to 255 printable ASCII
 * characters, inner spaces allowed as HTTP field values allow them. Never sent to Licenzy as is: it is hashed into
 * {@link usageIdempotencyKey}. @throws {LicenzyIdempotencyKeyInvalidError} (400).
 *
 * @example
 * clientIdempotencyKey('order 42') // 'order 42'
 */
export function clientIdempotencyKey(header: unknown): string | undefined {
  if (header === undefined || header === '') return undefined;
  const value = Array.isArray(header) ? header.join(', ') : header;
  if (typeof value !== 'string' || value.length > 255 || !/^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/.test(value)) {
    throw new LicenzyIdempotencyKeyInvalidError();
  }
  return value;
}

/**
 * The key sent to Licenzy for one metered request. Without a client key: random, one per request. With one: a
 * hash of the mode, the subject, the method and URL, the body (when parsed) and the client's key — so a client
 * retrying the same request is charged once, while the same client key can never name another user's event, another
 * route's, or a different body's (each gets its own key, and its own charge).
 *
 * @example
 * usageIdempotencyKey({ mode: 'test', subjectRef: 'u1', route: 'POST /export', clientKey: 'a1b2' }) // 'lzg_…'
 */
export function usageIdempotencyKey(event: { mode: string; subjectRef: string; route: string; clientKey?: string; body?: unknown }): string {
  if (event.clientKey === undefined) return `lzg_${nodeCrypto.randomUUID()}`;
  const hash = nodeCrypto.createHash('sha256');
  hash.update(JSON.stringify(['licenzy-gate/usage/v1', event.mode, event.subjectRef, event.route, event.clientKey, bodyFingerprint(event.body)]));
  return `lzg_${hash.digest('base64url')}`;
}

/** A stable digest of a parsed body; `null` when there is none to bind to. */
function bodyFingerprint(body: unknown): string | null {
  if (body === undefined || body === null) return null;
  try {
    if (Buffer.isBuffer(body)) return `b:${nodeCrypto.createHash('sha256').update(body).digest('base64url')}`;
    if (typeof body === 'string') return `s:${nodeCrypto.createHash('sha256').update(body).digest('base64url')}`;
    return `j:${nodeCrypto.createHash('sha256').update(JSON.stringify(body) ?? '').digest('base64url')}`;
  } catch {
    // A body that cannot be serialised (cycles, BigInt): no safe binding, so the key cannot be reused at all.
    return `x:${nodeCrypto.randomUUID()}`;
  }
}
