// What a valid subject_ref is, checked before any network call.
import { LicenzySubjectInvalidError, LicenzySubjectRequiredError } from './errors.js';

/** Longest subject_ref accepted, in UTF-16 code units. Licenzy documents no bound; ours keeps keys and URLs small. */
export const MAX_SUBJECT_LENGTH = 256;

/**
 * Checks that `value` is a usable subject_ref and returns it: a string of 1 to {@link MAX_SUBJECT_LENGTH}
 * characters, well-formed Unicode (no lone surrogates), no control characters (U+0000–U+001F,
 * U+007F–U+009F), no leading or trailing white space.
 *
 * @throws {LicenzySubjectInvalidError} (`ERR_LICENZY_SUBJECT_INVALID`, status 400) otherwise.
 * @example
 * validateSubjectRef('user_123') // 'user_123'
 * validateSubjectRef('')         // throws ERR_LICENZY_SUBJECT_INVALID
 */
export function validateSubjectRef(value: unknown): string {
  if (typeof value !== 'string') {
    throw new LicenzySubjectInvalidError(`subject_ref must be a string, got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`);
  }
  const length = value.length;
  if (length === 0 || value.trim().length === 0) throw new LicenzySubjectInvalidError('subject_ref must not be empty or blank');
  if (length > MAX_SUBJECT_LENGTH) {
    throw new LicenzySubjectInvalidError(`subject_ref must be at most ${MAX_SUBJECT_LENGTH} characters, got ${length}`);
  }
  for (let i = 0; i < length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) throw new LicenzySubjectInvalidError('subject_ref must not contain control characters');
  }
  if (value.trim() !== value) throw new LicenzySubjectInvalidError('subject_ref must not start or end with white space');
  if (!(value as string & { isWellFormed(): boolean }).isWellFormed()) throw new LicenzySubjectInvalidError('subject_ref must be well-formed Unicode');
  return value;
}

/**
 * Turns what a `subject(req)` resolver returned into a subject_ref for an adapter: `undefined`, `null`
 * or `''` mean "no subject" (401); a safe non-negative integer becomes its decimal string (numeric user
 * ids are common); anything else goes through {@link validateSubjectRef}.
 *
 * @throws {LicenzySubjectRequiredError} when there is no subject.
 * @throws {LicenzySubjectInvalidError} when the value cannot be a subject_ref.
 */
export function subjectFromResolved(value: unknown): string {
  if (value === undefined || value === null || value === '') throw new LicenzySubjectRequiredError();
  return subjectRefOf(value);
}

/**
 * The subject_ref a gate method was given, normalised as {@link subjectFromResolved} normalises a resolver's value: a
 * safe non-negative integer becomes its decimal string (so `gate.invalidate(42)` forgets what a resolver returning
 * `42` cached), anything else goes through {@link validateSubjectRef}. Never a silent miss (issue 23, item 2).
 *
 * @throws {LicenzySubjectInvalidError} when the value cannot be a subject_ref (`undefined`, `-1`, `4.2`, `''`, …).
 * @example
 * subjectRefOf(42)      // '42'
 * subjectRefOf('user')  // 'user'
 * subjectRefOf(4.2)     // throws ERR_LICENZY_SUBJECT_INVALID
 */
export function subjectRefOf(value: unknown): string {
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value) && value >= 0) return String(value);
    throw new LicenzySubjectInvalidError('subject_ref must be a string or a non-negative safe integer');
  }
  return validateSubjectRef(value);
}

const hasOwn = Object.prototype.hasOwnProperty;

/**
 * `holder[key]` when `holder` is an object and `key` is its own property or comes from a prototype other than
 * `Object.prototype`; else `undefined`. For default `subject` resolvers walking identity that auth middleware set:
 * it never throws on odd shapes, a string `user` cannot yield `String.prototype.sub`, and a polluted
 * `Object.prototype.user` (a prototype-pollution bug elsewhere in the app) cannot hand an anonymous request an
 * identity. Class getters (an ORM entity's `get id()` on its class prototype) still count.
 *
 * @example
 * identityField(identityField(req, 'user'), 'id') // req.user?.id, but only if req.user is an object
 * identityField({}, 'user')                        // undefined, even after Object.prototype.user = { id: 'x' }
 */
export function identityField(holder: unknown, key: string): unknown {
  if (typeof holder !== 'object' || holder === null) return undefined;
  // On the request path, before the cache lookup, so no allocation and no walk in the common cases: an absent
  // field (undefined) or an own one answers at once. Only an inherited value walks the prototype chain to the
  // object that owns `key` (a few levels for a framework's request object).
  return owned(holder, key, (holder as Record<string, unknown>)[key]);
}

/**
 * {@link identityField} for an object whose hidden class is its own, such as an Express request (each one is given its
 * prototype after it is made, and a class of its own with it): the field is read with `Reflect.get`, which takes no
 * inline cache. A plain read of such an object misses V8's inline cache every time, and the runtime then looks the
 * field up and files the new class in the shared megamorphic cache: on 2,000 kept Express requests, `req.user` took
 * 404–690 ns plain and 123–419 ns by `Reflect.get` over four runs (issue 25; `bench/experiments/unique-class-reads.mjs`).
 * On objects that share a class (Koa's `ctx.state`, Fastify's request) a plain read is the faster one: use
 * {@link identityField} there.
 */
export function identityFieldOfOwnClass(holder: unknown, key: string): unknown {
  if (typeof holder !== 'object' || holder === null) return undefined;
  return owned(holder, key, Reflect.get(holder, key));
}

/** `value`, read as `holder[key]`, when `key` is `holder`'s own or comes from a prototype other than `Object.prototype`. */
function owned(holder: object, key: string, value: unknown): unknown {
  if (value === undefined || hasOwn.call(holder, key)) return value;
  let owner = Object.getPrototypeOf(holder) as object | null;
  while (owner !== null && !hasOwn.call(owner, key)) owner = Object.getPrototypeOf(owner) as object | null;
  // Owned by nothing (e.g. a Proxy inventing fields), or only by Object.prototype: a polluted prototype, not identity.
  return owner === null || owner === Object.prototype ? undefined : value;
}
