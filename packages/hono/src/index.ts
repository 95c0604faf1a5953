// Public entry of @licenzy-gate/hono: the middleware and its types, plus what a Hono app needs of core.
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
export type { HonoRequireAccessOptions, LicenzyEnv, LicenzyVariables } from './require-access.js';
export { requireUsage } from './require-usage.js';
export type { HonoRequireUsageOptions } from './require-usage.js';
export { accessStatus } from './access-status.js';
export type { HonoAccessStatusOptions } from './access-status.js';
export { webhookHandler } from './webhook.js';
export type { HonoWebhookOptions } from './webhook.js';
export { subjectFromContext } from './subject.js';
export type { HonoRefusalHook } from './refusal.js';
