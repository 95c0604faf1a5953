// What the Redis tier derives from a scope's secret: hashed subject keys, authenticated entries, sealed messages.
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import type { SharedTierScope } from '@licenzy-gate/core/adapter';

/** Keys derived once per binding; each has one purpose, so a value made for one can never pass as another. */
export interface ScopeKeys {
  readonly namespace: string;
  readonly subjectKey: Buffer;
  readonly entryKey: Buffer;
  readonly messageKey: Buffer;
}

/** A decoded, authentic entry as written: lifetimes are the full ones given at write time. */
export interface StoredEntry {
  readonly epoch: string;
  readonly version: string;
  readonly allowed: boolean;
  readonly checkedAt: number;
  readonly ttl: number;
  readonly staleTtl: number;
  /** Redis's time (ms) when the token of the write was read: the entry is at least this old, on Redis's clock. */
  readonly writtenAt: number;
  /**
   * Written by a `fresh` check (format `2`): only such an entry reports its age, so only a fresh answer counts as a
   * recent one on other instances (an ordinary miss elsewhere never stands in for a "just paid" check here).
   */
  readonly fresh: boolean;
}

/**
 * A message between instances. `origin` lets a binding skip its own messages; `sentAt` (the sender's wall clock, ms)
 * bounds its age, so a copy replayed later is refused (issue 23, item 7).
 */
export type TierMessage =
  | { readonly type: 'invalidate'; readonly subjectRef: string; readonly origin: string; readonly sentAt: number }
  | { readonly type: 'clear'; readonly origin: string; readonly sentAt: number };

/** An opened message and its nonce: the 12 random bytes it was sealed with (authenticated by GCM), in hex. */
export type OpenedMessage = TierMessage & { readonly nonce: string };

/** `1`: an ordinary answer (the format before issue 23, still read and written); `2`: the answer of a fresh check. */
const ENTRY_VERSION = '1';
const FRESH_ENTRY_VERSION = '2';

export function deriveKeys(scope: SharedTierScope): ScopeKeys {
  const derive = (label: string) =>
    Buffer.from(hkdfSync('sha256', scope.secret, Buffer.from(scope.namespace), `licenzy-gate/redis/${label}`, 32));
  return {
    namespace: scope.namespace,
    subjectKey: derive('subject'),
    entryKey: derive('entry'),
    messageKey: derive('message'),
  };
}

/** The subject as it appears in Redis keys: a keyed hash, so Redis never sees the subject and nobody can guess it. */
export function subjectHash(keys: ScopeKeys, subjectRef: string): string {
  return createHmac('sha256', keys.subjectKey).update(subjectRef).digest('hex');
}

function entryMac(keys: ScopeKeys, hash: string, format: string, fields: readonly string[]): Buffer {
  // Bound to namespace, subject hash and format: a copy under another subject's key or another scope, or an ordinary
  // entry relabelled as a fresh one, fails the MAC.
  return createHmac('sha256', keys.entryKey)
    .update(['licenzy-gate/entry', format, keys.namespace, hash, ...fields].join('\0'))
    .digest();
}

/** Serialises an entry as `1|epoch|version|allowed|checkedAt|ttl|staleTtl|writtenAt|mac` (`2|…` for a fresh answer). */
export function encodeEntry(keys: ScopeKeys, hash: string, entry: StoredEntry): string {
  const fields = [
    entry.epoch,
    entry.version,
    entry.allowed ? '1' : '0',
    String(entry.checkedAt),
    String(entry.ttl),
    String(entry.staleTtl),
    String(entry.writtenAt),
  ];
  const format = entry.fresh ? FRESH_ENTRY_VERSION : ENTRY_VERSION;
  return [format, ...fields, entryMac(keys, hash, format, fields).toString('base64url')].join('|');
}

const INTEGER = /^(0|[1-9][0-9]{0,15})$/;

/** Parses and authenticates an entry read from `hash`'s key; anything malformed, tampered or foreign is undefined. */
export function decodeEntry(keys: ScopeKeys, hash: string, raw: unknown): StoredEntry | undefined {
  if (typeof raw !== 'string' || raw.length > 512) return undefined;
  const parts = raw.split('|');
  const format = parts[0];
  if (parts.length !== 9 || (format !== ENTRY_VERSION && format !== FRESH_ENTRY_VERSION)) return undefined;
  const fields = parts.slice(1, 8);
  const mac = Buffer.from(parts[8] ?? '', 'base64url');
  const expected = entryMac(keys, hash, format, fields);
  // Constant-time, with the length checked first (timingSafeEqual throws on unequal lengths).
  if (mac.length !== expected.length || !timingSafeEqual(mac, expected)) return undefined;
  const [epoch, version, allowed, checkedAt, ttl, staleTtl, writtenAt] = fields as [string, string, string, string, string, string, string];
  if (![epoch, version, checkedAt, ttl, staleTtl, writtenAt].every((f) => INTEGER.test(f))) return undefined;
  if (allowed !== '0' && allowed !== '1') return undefined;
  return {
    epoch,
    version,
    allowed: allowed === '1',
    checkedAt: Number(checkedAt),
    ttl: Number(ttl),
    staleTtl: Number(staleTtl),
    writtenAt: Number(writtenAt),
    fresh: format === FRESH_ENTRY_VERSION,
  };
}

function messageAad(keys: ScopeKeys): Buffer {
  return Buffer.from(`licenzy-gate/message\0${keys.namespace}`);
}

/** Encrypts and authenticates a message (AES-256-GCM): Redis and its other clients see neither subject nor content. */
export function sealMessage(keys: ScopeKeys, message: TierMessage): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keys.messageKey, iv);
  cipher.setAAD(messageAad(keys));
  const body = Buffer.concat([cipher.update(JSON.stringify(message), 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
}

/**
 * Opens a sealed message; anything forged, tampered, from another scope or malformed is undefined, and so is a message
 * without `sentAt` (the format before issue 23: it cannot be told from a replay, see the README's rolling deploy).
 */
export function openMessage(keys: ScopeKeys, sealed: unknown): OpenedMessage | undefined {
  if (typeof sealed !== 'string' || sealed.length > 8192) return undefined;
  const bytes = Buffer.from(sealed, 'base64');
  if (bytes.length < 12 + 16 + 2) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', keys.messageKey, bytes.subarray(0, 12));
    decipher.setAAD(messageAad(keys));
    decipher.setAuthTag(bytes.subarray(12, 28));
    const text = Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8');
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null) return undefined;
    const { type, subjectRef, origin, sentAt } = value as Record<string, unknown>;
    if (typeof origin !== 'string' || typeof sentAt !== 'number' || !Number.isSafeInteger(sentAt)) return undefined;
    const nonce = bytes.subarray(0, 12).toString('hex');
    if (type === 'clear') return { type, origin, sentAt, nonce };
    if (type === 'invalidate' && typeof subjectRef === 'string' && subjectRef !== '') return { type, subjectRef, origin, sentAt, nonce };
    return undefined;
  } catch {
    return undefined;
  }
}
