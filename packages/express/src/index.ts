// Public entry of @licenzy-gate/express: the middleware and its types, plus what an Express app needs of core.
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
export type { ExpressRequireAccessOptions, LicenzyMiddleware } from './require-access.js';
export type { ExpressDeniedHandler, ExpressRefusalHook } from './refusal.js';
export { subjectFromAuth, subjectFromRequest } from './subject.js';
export { webhookHandler } from './webhook.js';
export type { ExpressWebhookOptions } from './webhook.js';
export { requireUsage } from './require-usage.js';
export type { ExpressRequireUsageOptions } from './require-usage.js';
export { accessStatus, customerAccessFor } from './access-status.js';
export type { ExpressAccessStatusOptions } from './access-status.js';
export { listRoutes } from './list-routes.js';
export type { RouteInventoryEntry } from '@licenzy-gate/core/adapter';
