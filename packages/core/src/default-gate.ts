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

/** Drops the shared gate so the next {@link getDefaultGate} reads the environment again (tests, key rotation). */
export function resetDefaultGate(): void {
  shared = undefined;
}
