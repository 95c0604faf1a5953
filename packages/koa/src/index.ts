// Public entry of @licenzy-gate/koa: requireAccess() for Koa 2/3 and its types, plus what a Koa app needs of core.
// What an app using this adapter needs from @licenzy-gate/core, so it installs one package: named one by one (never
// `export *`), as this README uses them. Everything else is imported from @licenzy-gate/core itself.
export {
  createAccessGate,
  getDefaultGate,
  resetDefaultGate,
  toProblem,
  validateSubjectRef,
  isOutage,
  LicenzyAbortError,
  LicenzyAccessDeniedError,
  LicenzyAuthError,
  LicenzyConfigError,
  LicenzyError,
  LicenzyIdempotencyConflictError,
  LicenzyIdempotencyKeyInvalidError,
  LicenzyResponseError,
  LicenzySubjectInvalidError,
  LicenzySubjectRequiredError,
  LicenzyUnavailableError,
  LicenzyUsageExhaustedError,
  LicenzyWaitTimeoutError,
} from '@licenzy-gate/core';
export type {
  AccessDecision,
  AccessGate,
  AccessGateOptions,
  CustomerAccess,
  LicenzyErrorCode,
  LicenzyGate,
  Problem,
  ProblemCode,
  RequestDecision,
  UsageCharge,
  UsageDecision,
} from '@licenzy-gate/core';
export { requireAccess } from './require-access.js';
export type { KoaRequireAccessOptions } from './require-access.js';
export type { KoaRefusalHook } from './refusal.js';
export { subjectFromAuth, subjectFromRequest } from './subject.js';
export { webhookHandler } from './webhook.js';
export type { KoaWebhookOptions } from './webhook.js';
export { requireUsage } from './require-usage.js';
export type { KoaRequireUsageOptions } from './require-usage.js';
export { accessStatus, customerAccessFor } from './access-status.js';
export type { KoaAccessStatusOptions } from './access-status.js';
export { listRoutes } from './list-routes.js';
export type { RouteInventoryEntry } from '@licenzy-gate/core/adapter';
