// Option parsing shared by the core and the adapters: `undefined` means "not passed", anything else must be valid.
import { LicenzyConfigError } from './errors.js';
import type { GateLogger } from './logger.js';

/** A duration in milliseconds. */
export type Milliseconds = number;

/** Reads a finite number >= `min` (default 0), or the default when the option was not passed. */
export function numberOption(name: string, value: unknown, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw new LicenzyConfigError(name, `expected a finite number >= ${min}, got ${describe(value)}`);
  }
  return value;
}

/** Reads an integer >= `min`, or the default when not passed. */
export function integerOption(name: string, value: unknown, fallback: number, min = 0): number {
  const n = numberOption(name, value, fallback, min);
  if (!Number.isInteger(n)) throw new LicenzyConfigError(name, `expected an integer, got ${describe(value)}`);
  return n;
}

/** Reads a function, or the default when not passed. */
export function functionOption<T extends (...args: never[]) => unknown>(name: string, value: unknown, fallback: T): T;
export function functionOption<T extends (...args: never[]) => unknown>(name: string, value: unknown): T | undefined;
export function functionOption(name: string, value: unknown, fallback?: unknown): unknown {
  if (value === undefined) return fallback;
  if (typeof value !== 'function') throw new LicenzyConfigError(name, `expected a function, got ${describe(value)}`);
  return value;
}

/** Reads a boolean, or the default when not passed. */
export function booleanOption(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new LicenzyConfigError(name, `expected a boolean, got ${describe(value)}`);
  return value;
}

/**
 * Reads a `{ warn, error }` logger, or `fallback` when not passed. The one logger check of every factory (gate, guards,
 * webhook receiver, Redis tier, Fastify plugin), so `logger: null` is the same error everywhere, never a default.
 */
export function loggerOption(name: string, value: unknown, fallback: GateLogger): GateLogger;
export function loggerOption(name: string, value: unknown): GateLogger | undefined;
export function loggerOption(name: string, value: unknown, fallback?: GateLogger): GateLogger | undefined {
  if (value === undefined) return fallback;
  const given = value as Partial<GateLogger> | null;
  if (typeof given !== 'object' || given === null || typeof given.warn !== 'function' || typeof given.error !== 'function') {
    throw new LicenzyConfigError(name, `expected an object with warn() and error() functions, got ${describe(value)}`);
  }
  return given as GateLogger;
}

/**
 * Reads a factory's options object: a plain object (`undefined` when `optional`) whose every key is known, else a
 * {@link LicenzyConfigError} naming the offending key and the closest known one.
 */
export function optionsObject(path: string, value: unknown, known: ReadonlySet<string>, optional = false): Record<string, unknown> {
  if (value === undefined && optional) return {};
  const options = objectOption(path === '' ? 'options' : path, value);
  if (options === undefined) throw new LicenzyConfigError(path === '' ? 'options' : path, 'expected an object of options');
  rejectUnknownKeys(path, options, known);
  return options;
}

/**
 * Reads a renamed option under either name: the current one, or `deprecated` (accepted for one release), never both.
 * @throws {LicenzyConfigError} when both are passed.
 */
export function renamedOption(options: Record<string, unknown>, name: string, deprecated: string): { name: string; value: unknown } {
  const current = options[name];
  const old = options[deprecated];
  if (current !== undefined && old !== undefined) {
    throw new LicenzyConfigError(deprecated, `is the deprecated name of \`${name}\`; pass only \`${name}\``);
  }
  return old !== undefined ? { name: deprecated, value: old } : { name, value: current };
}

/** Rejects option objects that are not plain objects (a common slip: passing a string or array). */
export function objectOption(name: string, value: unknown): Record<string, unknown> | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new LicenzyConfigError(name, `expected an object, got ${describe(value)}`);
  }
  return value as Record<string, unknown>;
}

/** A short, secret-free description of a value for error messages (never echoes strings). */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : String(value);
  if (typeof value === 'string') return `a string of length ${value.length}`;
  return typeof value;
}

/**
 * Every key of `T`, each marked `true`: a list of option names the compiler keeps complete and exact (a missing or
 * extra key is a type error), so the names an unknown-key check accepts cannot drift from the interface
 * (express-rate-limit's `KeysEnum` technique).
 *
 * @example
 * const CACHE_KEYS = optionKeys<AccessCacheOptions>({ max: true, ttl: true, deniedTtl: true, staleIfError: true, errorTtl: true })
 */
export type KeysEnum<T> = { readonly [K in keyof Required<T>]: true };

/** The names of a {@link KeysEnum}, as a set. */
export function optionKeys<T>(keys: KeysEnum<T>): ReadonlySet<string> {
  return new Set(Object.keys(keys));
}

/**
 * Rejects a key the options object does not know — a typo would otherwise silently never apply — naming it and the
 * closest known one. `path` prefixes the name in the message (e.g. `cache`).
 * @throws {LicenzyConfigError}
 */
export function rejectUnknownKeys(path: string, value: object, known: ReadonlySet<string>): void {
  for (const key of Object.keys(value)) {
    if (known.has(key)) continue;
    const name = path === '' ? key : `${path}.${key}`;
    const suggestion = closest(key, known);
    const hint = suggestion === undefined ? '' : `; did you mean \`${path === '' ? suggestion : `${path}.${suggestion}`}\`?`;
    throw new LicenzyConfigError(name, `is not a known option${hint}`);
  }
}

/** The known name nearest to `key` (case-insensitive edit distance), if near enough to be a plausible typo. */
function closest(key: string, known: ReadonlySet<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  const lower = key.toLowerCase();
  for (const candidate of known) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= Math.max(2, Math.ceil(key.length / 2)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  if (a.length > 64 || b.length > 64) return Infinity;
  // Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps ("tll" → "ttl").
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  const at = (i: number, j: number) => d[i]?.[j] ?? Infinity;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, at(i - 2, j - 2) + 1);
      (d[i] as number[])[j] = value;
    }
  }
  return at(a.length, b.length);
}

/** Only the listed keys of `value` (for passing one layer's options on to the next). */
export function pickKeys<T extends object>(value: object, known: ReadonlySet<string>): T {
  const picked: Record<string, unknown> = {};
  for (const [key, entry] of Object.entries(value)) if (known.has(key)) picked[key] = entry;
  return picked as T;
}
