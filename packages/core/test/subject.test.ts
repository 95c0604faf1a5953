import { describe, expect, it } from 'vitest';
import { LicenzySubjectInvalidError, LicenzySubjectRequiredError, MAX_SUBJECT_LENGTH, identityField, subjectFromResolved, validateSubjectRef } from '../src/index.js';

describe('validateSubjectRef', () => {
  it.each(['user_123', 'a', 'ユーザー', 'user@example.com', '../etc', '%2F', 'a?b#c', 'x'.repeat(MAX_SUBJECT_LENGTH), '😀'])('accepts %j', (s) => {
    expect(validateSubjectRef(s)).toBe(s);
  });

  it.each([
    ['empty', ''],
    ['blank', ' \t'],
    ['too long', 'x'.repeat(MAX_SUBJECT_LENGTH + 1)],
    ['10 KB', 'x'.repeat(10_240)],
    ['NUL', 'a\u0000b'],
    ['newline', 'a\nb'],
    ['DEL', 'a\u007fb'],
    ['C1 control', 'a\u0085b'],
    ['leading space', ' user'],
    ['trailing space', 'user '],
    ['lone surrogate', 'a\ud800b'],
    ['number', 1],
    ['null', null],
    ['array', ['u']],
    ['object', { id: 'u' }],
  ])('refuses %s with ERR_LICENZY_SUBJECT_INVALID (400)', (_label, value) => {
    expect(() => validateSubjectRef(value)).toThrow(LicenzySubjectInvalidError);
    try {
      validateSubjectRef(value);
    } catch (error) {
      expect(error).toMatchObject({ code: 'ERR_LICENZY_SUBJECT_INVALID', status: 400, expose: true });
    }
  });
});

describe('subjectFromResolved', () => {
  it.each([undefined, null, ''])('treats %j as no subject (401)', (value) => {
    expect(() => subjectFromResolved(value)).toThrow(LicenzySubjectRequiredError);
  });

  it('turns a safe non-negative integer id into its decimal string', () => {
    expect(subjectFromResolved(42)).toBe('42');
    expect(subjectFromResolved(0)).toBe('0');
  });

  it.each([-1, 1.5, Number.NaN, Number.MAX_SAFE_INTEGER + 2, Infinity])('refuses the number %s', (n) => {
    expect(() => subjectFromResolved(n)).toThrow(LicenzySubjectInvalidError);
  });

  it('refuses objects and arrays', () => {
    expect(() => subjectFromResolved({ toString: () => 'user_1' })).toThrow(LicenzySubjectInvalidError);
    expect(() => subjectFromResolved(['user_1'])).toThrow(LicenzySubjectInvalidError);
  });
});

describe('identityField', () => {
  it('reads a field of an object and nothing from other values', () => {
    expect(identityField({ id: 'u1' }, 'id')).toBe('u1');
    expect(identityField({ id: 0 }, 'id')).toBe(0);
    expect(identityField('ada', 'sub')).toBeUndefined(); // not String.prototype.sub
    expect(identityField(null, 'id')).toBeUndefined();
    expect(identityField(undefined, 'id')).toBeUndefined();
    expect(identityField(42, 'toFixed')).toBeUndefined();
  });
});
