import { afterEach, describe, expect, it } from 'vitest';
import { LicenzySubjectInvalidError, LicenzySubjectRequiredError, MAX_SUBJECT_LENGTH, validateSubjectRef } from '../src/index.js';
import { identityField, identityFieldOfOwnClass } from '../src/adapter.js';
import { subjectFromResolved } from '../src/subject.js';

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

// The same rules whichever way the field is read: a plain read, or Reflect.get for objects with a class of their own.
for (const [name, read] of [
  ['identityField', identityField],
  ['identityFieldOfOwnClass', identityFieldOfOwnClass],
] as const) {
  describe(name, () => {
    it('reads a field of an object and nothing from other values', () => {
      expect(read({ id: 'u1' }, 'id')).toBe('u1');
      expect(read({ id: 0 }, 'id')).toBe(0);
      expect(read('ada', 'sub')).toBeUndefined(); // not String.prototype.sub
      expect(read(null, 'id')).toBeUndefined();
      expect(read(undefined, 'id')).toBeUndefined();
      expect(read(42, 'toFixed')).toBeUndefined();
    });
  });

  describe(`bug: identity inherited from Object.prototype makes anonymous requests pass (${name})`, () => {
    // A prototype-pollution bug elsewhere in an app (`Object.prototype.user = { id: 'x' }`) used to hand every
    // anonymous request an identity, because the default resolvers read inherited properties.
    const polluted = ['user', 'auth', 'sub', 'id', 'payload'] as const;
    afterEach(() => {
      for (const key of polluted) delete (Object.prototype as Record<string, unknown>)[key];
    });
    const pollute = (key: (typeof polluted)[number], value: unknown) => {
      Object.defineProperty(Object.prototype, key, { value, configurable: true, writable: true, enumerable: false });
    };

    it('ignores a field that only Object.prototype holds', () => {
      pollute('user', { id: 'x' });
      pollute('id', 'x');
      pollute('sub', 'x');
      expect(read({}, 'user')).toBeUndefined();
      expect(read({ name: 'ada' }, 'id')).toBeUndefined();
      expect(read(read({ user: {} }, 'user'), 'sub')).toBeUndefined();
      // A request object several prototypes deep (Express's req, Fastify's Request) is walked to the top too.
      class Incoming {}
      class Req extends Incoming {}
      expect(read(new Req(), 'user')).toBeUndefined();
    });

    it('ignores fields of a null-prototype holder that owns nothing', () => {
      pollute('id', 'x');
      expect(read(Object.create(null), 'id')).toBeUndefined();
    });

    it('still reads own fields, also when Object.prototype holds the same name', () => {
      pollute('id', 'x');
      expect(read({ id: 'u1' }, 'id')).toBe('u1');
      const bare = Object.create(null) as Record<string, unknown>;
      bare.id = 'u2';
      expect(read(bare, 'id')).toBe('u2');
      // Identity set on a prototype that is not Object.prototype (a session object built with Object.create).
      expect(read(Object.create({ id: 'u3' }), 'id')).toBe('u3');
    });

    it("keeps class getters working (an ORM entity's `get id()` on its class prototype)", () => {
      pollute('id', 'x');
      class Entity {
        #row = { id: 'u4' };
        get id(): string {
          return this.#row.id;
        }
      }
      class Account extends Entity {}
      expect(read(new Entity(), 'id')).toBe('u4');
      expect(read(new Account(), 'id')).toBe('u4');
    });
  });
}
