// Unit tests of what the Redis tier derives from a scope's secret: hashes, entry MACs, sealed messages.
import { describe, expect, it } from 'vitest';
import { deriveSharedScope } from '@licenzy-gate/core';
import { decodeEntry, deriveKeys, encodeEntry, openMessage, sealMessage, subjectHash } from '../src/crypto.js';

const scope = deriveSharedScope('lz_test_crypto_0001', 'test', 'https://licenzy.example');
const keys = deriveKeys(scope);
const stored = { epoch: '3', version: '7', allowed: true, checkedAt: 1_700_000_000_000, ttl: 30_000, staleTtl: 60_000, writtenAt: 1_700_000_000_100, fresh: false };

describe('subjectHash', () => {
  it('is a keyed hash: stable for a scope, different in another, never the subject', () => {
    const hash = subjectHash(keys, 'user_1');
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(subjectHash(keys, 'user_1')).toBe(hash);
    expect(subjectHash(deriveKeys(deriveSharedScope('lz_test_crypto_0002', 'test', 'https://licenzy.example')), 'user_1')).not.toBe(hash);
  });
});

describe('entries', () => {
  const hash = subjectHash(keys, 'user_1');
  it('round-trips an entry for the same subject and scope', () => {
    expect(decodeEntry(keys, hash, encodeEntry(keys, hash, stored))).toEqual(stored);
  });
  it('rejects the entry under another subject, in another namespace, or with any field changed', () => {
    const raw = encodeEntry(keys, hash, stored);
    expect(decodeEntry(keys, subjectHash(keys, 'user_2'), raw)).toBeUndefined();
    expect(decodeEntry({ ...keys, namespace: 'other' }, hash, raw)).toBeUndefined();
    const parts = raw.split('|');
    for (let i = 1; i < 9 - 1; i++) {
      const changed = [...parts];
      changed[i] = changed[i] === '1' ? '0' : '1';
      expect(decodeEntry(keys, hash, changed.join('|'))).toBeUndefined();
    }
    expect(decodeEntry(keys, hash, parts.slice(0, 8).join('|') + '|')).toBeUndefined();
    expect(decodeEntry(keys, hash, null)).toBeUndefined();
    expect(decodeEntry(keys, hash, 'x'.repeat(600))).toBeUndefined();
  });
});

describe('fresh entries (issue 23, item 5)', () => {
  const hash = subjectHash(keys, 'user_1');
  it('a fresh answer is written in format 2 and read back as fresh; an ordinary one cannot be relabelled fresh, nor back', () => {
    const fresh = encodeEntry(keys, hash, { ...stored, fresh: true });
    expect(fresh.startsWith('2|')).toBe(true);
    expect(decodeEntry(keys, hash, fresh)).toEqual({ ...stored, fresh: true });
    const ordinary = encodeEntry(keys, hash, stored);
    expect(ordinary.startsWith('1|')).toBe(true);
    expect(decodeEntry(keys, hash, `2${ordinary.slice(1)}`)).toBeUndefined();
    expect(decodeEntry(keys, hash, `1${fresh.slice(1)}`)).toBeUndefined();
  });
});

describe('messages', () => {
  it('seals so that Redis sees neither type nor subject, and opens only with the scope\'s key', () => {
    const sealed = sealMessage(keys, { type: 'invalidate', subjectRef: 'user_secret_ref', origin: 'o1', sentAt: 1_700_000_000_000 });
    expect(Buffer.from(sealed, 'base64').toString('latin1')).not.toContain('user_secret_ref');
    const nonce = Buffer.from(sealed, 'base64').subarray(0, 12).toString('hex');
    expect(openMessage(keys, sealed)).toEqual({ type: 'invalidate', subjectRef: 'user_secret_ref', origin: 'o1', sentAt: 1_700_000_000_000, nonce });
    expect(openMessage({ ...keys, namespace: 'other' }, sealed)).toBeUndefined();
    const bytes = Buffer.from(sealed, 'base64');
    bytes[bytes.length - 1]! ^= 1;
    expect(openMessage(keys, bytes.toString('base64'))).toBeUndefined();
    expect(openMessage(keys, 'AAAA')).toBeUndefined();
    expect(openMessage(keys, 42)).toBeUndefined();
  });

  it('refuses a genuine message in the format before issue 23 (no sentAt: a replay cannot be told), and one with a bad sentAt', () => {
    const legacy = sealMessage(keys, { type: 'clear', origin: 'o1' } as unknown as Parameters<typeof sealMessage>[1]);
    expect(openMessage(keys, legacy)).toBeUndefined();
    for (const sentAt of ['1700000000000', 1.5, Number.MAX_VALUE]) {
      expect(openMessage(keys, sealMessage(keys, { type: 'clear', origin: 'o1', sentAt } as unknown as Parameters<typeof sealMessage>[1]))).toBeUndefined();
    }
  });
});
