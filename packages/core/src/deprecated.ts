// Names the main entry exported before the adapter toolkit moved to `@licenzy-gate/core/adapter` (issue 18): kept one
// release, so an app or adapter that imported them still builds, then removed. Each points at its new home.
import { createAccessStatus as accessStatusFactory, loadCustomerAccess as customerAccessLoader } from './status.js';
import { createGuard as guardFactory, type GuardOutcome as Outcome } from './guard.js';
import type { RequireAccessOptions as AccessOptions } from './guard-options.js';
import { refusalAction as refusalActionOf } from './refusal.js';
import { createUsageGuard as usageGuardFactory } from './usage.js';

/** @deprecated adapter toolkit: import `createGuard` from `@licenzy-gate/core/adapter`. */
export const createGuard = guardFactory;
/** @deprecated adapter toolkit: import `createUsageGuard` from `@licenzy-gate/core/adapter`. */
export const createUsageGuard = usageGuardFactory;
/** @deprecated adapter toolkit: import `createAccessStatus` from `@licenzy-gate/core/adapter`. */
export const createAccessStatus = accessStatusFactory;
/** @deprecated adapter toolkit: import `loadCustomerAccess` from `@licenzy-gate/core/adapter`. */
export const loadCustomerAccess = customerAccessLoader;
/** @deprecated adapter toolkit: import `refusalAction` from `@licenzy-gate/core/adapter`. */
export const refusalAction = refusalActionOf;
/** @deprecated adapter toolkit: import the `GuardOutcome` type from `@licenzy-gate/core/adapter`. */
export type GuardOutcome = Outcome;
/** @deprecated adapter toolkit: import the `RequireAccessOptions` type from `@licenzy-gate/core/adapter`. */
export type RequireAccessOptions<Req, Hook> = AccessOptions<Req, Hook>;
