// Public entry of @licenzy-gate/fetch: gate Web-standard `(Request) => Response` handlers, plus what such an app needs of core.
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
export { withAccess, checkRequest } from './with-access.js';
export type { FetchAccessOptions, FetchHandler } from './with-access.js';
export { handlerEnd, withUsage } from './with-usage.js';
export type { FetchUsageOptions } from './with-usage.js';
export { decisionOf } from './decision.js';
export { assertAccess, LicenzyRefusalError } from './assert-access.js';
export type { AssertAccessOptions } from './assert-access.js';
export { accessStatus } from './access-status.js';
export type { FetchAccessStatusOptions } from './access-status.js';
export { webhookHandler } from './webhook.js';
export type { FetchWebhookOptions } from './webhook.js';
export { problemResponse } from './respond.js';
export type { FetchRefusalHook } from './respond.js';
