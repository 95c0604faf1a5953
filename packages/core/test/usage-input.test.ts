// The rules for units, the idempotency key sent to Licenzy, and a client's Idempotency-Key header, written once.
import { describe, expect, it } from 'vitest';
import { LicenzyConfigError, LicenzyIdempotencyKeyInvalidError } from '../src/index.js';
import { clientIdempotencyKey, requireIdempotencyKey, requireUnits, usageIdempotencyKey, validUnits } from '../src/usage-input.js';

describe('units', () => {
  it.each([0, -1, 1.5, Number.NaN, 2 ** 53, '1', null])('refuses %s, naming the option', (units) => {
    expect(validUnits(units)).toBe(false);
    expect(() => requireUnits(units)).toThrow(LicenzyConfigError);
    expect(() => requireUnits(units)).toThrow(/`units`/);
  });

  it('accepts a positive safe integer', () => {
    expect([validUnits(1), requireUnits(2 ** 53 - 1)]).toEqual([true, 2 ** 53 - 1]);
  });
});

describe('idempotency keys', () => {
  it.each(['', ' ', 'a b', 'x'.repeat(256), 'é', undefined, 7])('a key sent to Licenzy must be 1 to 255 printable ASCII characters without space: %j refused', (key) => {
    expect(() => requireIdempotencyKey(key)).toThrow(LicenzyConfigError);
  });

  it('a client header may hold inner spaces, is joined when repeated, and absent is undefined', () => {
    expect([clientIdempotencyKey(undefined), clientIdempotencyKey(''), clientIdempotencyKey('order 42'), clientIdempotencyKey(['a', 'b'])]).toEqual([undefined, undefined, 'order 42', 'a, b']);
    for (const bad of [' lead', 'trail ', 'x'.repeat(256), 'tab\t']) expect(() => clientIdempotencyKey(bad)).toThrow(LicenzyIdempotencyKeyInvalidError);
  });

  it('derives one Licenzy key per client key, subject, route and body, which Licenzy accepts', () => {
    const event = { mode: 'test', subjectRef: 'u1', route: 'POST /export', clientKey: 'k1', body: { pages: 2 } };
    const key = usageIdempotencyKey(event);
    expect(requireIdempotencyKey(key)).toBe(key);
    expect(usageIdempotencyKey(event)).toBe(key);
    expect(new Set([key, usageIdempotencyKey({ ...event, subjectRef: 'u2' }), usageIdempotencyKey({ ...event, body: { pages: 3 } })]).size).toBe(3);
    expect(usageIdempotencyKey({ ...event, clientKey: undefined })).not.toBe(usageIdempotencyKey({ ...event, clientKey: undefined }));
  });
});
