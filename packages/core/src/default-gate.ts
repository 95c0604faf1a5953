// The one gate shared by every zero-argument `requireAccess()`, configured from the environment on first use.
import { createAccessGate } from './gate.js';
import type { LicenzyGate } from './gate-types.js';

let shared: LicenzyGate | undefined;

/**
 * Returns the process-wide gate built from `LICENZY_API_KEY` and `LICENZY_API_URL` (created on the first
 * call, so one cache serves every route that did not pass its own gate options).
 * @throws {LicenzyConfigError} when the environment lacks a valid key or URL.
 */
export function getDefaultGate(): LicenzyGate {
  shared ??= createAccessGate();
  return shared;
}

/**
 * Drops the shared gate so the next {@link getDefaultGate} reads the environment again (tests, key rotation). Routes
 * built before the reset follow it: they decide with {@link followDefaultGate}, which reaches the current default gate
 * on every call, so they send the new key and `getDefaultGate().invalidate()` reaches them (issue 23, item 3).
 */
export function resetDefaultGate(): void {
  shared = undefined;
}

/**
 * The gate zero-argument routes (and the status route, metered routes) hold: every call is made on the current
 * default gate, so a reset reaches routes built before it. One extra call on the hit path; a reset with a broken
 * environment refuses each request with 500 `access_misconfigured` (a `LicenzyConfigError`) rather than keep the old key.
 * Internal: the adapters reach it through the guard; apps use {@link getDefaultGate}.
 *
 * @example
 * followDefaultGate.peek('user_1') // getDefaultGate().peek('user_1'), whichever gate that is now
 */
export const followDefaultGate: LicenzyGate = Object.freeze({
  get mode() {
    return getDefaultGate().mode;
  },
  now: () => getDefaultGate().now(),
  peek: (subjectRef) => (shared ?? getDefaultGate()).peek(subjectRef),
  check: (subjectRef, options) => getDefaultGate().check(subjectRef, options),
  invalidate: (subjectRef, options) => getDefaultGate().invalidate(subjectRef, options),
  invalidateEverywhere: (subjectRef, options) => getDefaultGate().invalidateEverywhere(subjectRef, options),
  clear: (options) => getDefaultGate().clear(options),
  stats: () => getDefaultGate().stats(),
  backgroundSlot: () => getDefaultGate().backgroundSlot?.() ?? true,
  consumeUsage: (subjectRef, units, options) => getDefaultGate().consumeUsage(subjectRef, units, options),
  waitForAccess: (subjectRef, options) => getDefaultGate().waitForAccess(subjectRef, options),
  customerAccess: (subjectRef, options) => getDefaultGate().customerAccess(subjectRef, options),
} satisfies LicenzyGate);
