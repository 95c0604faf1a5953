// Option parsing shared by the core and the adapters: `undefined` means "not passed", anything else must be valid.
import { LicenzyConfigError } from './errors.js';

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
