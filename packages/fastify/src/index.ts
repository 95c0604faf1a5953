// Public entry of @licenzy-gate/fastify: the plugin (default and named export), its option types, the default
// subject, plus what an app needs of @licenzy-gate/core (createAccessGate, the error classes, toProblem, …).
import { licenzyGate } from './plugin.js';

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
export { licenzyGate, subjectFromRequest } from './plugin.js';
export type { LicenzyGateOptions, RouteLicenzyOptions } from './plugin.js';
export type { FastifyRefusalHook, LicenzyHook } from './refusal.js';
export default licenzyGate;
export { webhookHandler } from './webhook.js';
export { listRoutes, recordRoutes } from './list-routes.js';
export type { RouteInventoryEntry } from '@licenzy-gate/core/adapter';
export type { FastifyWebhookOptions } from './webhook.js';
export type { RouteAccessStatusOptions } from './access-status.js';
export type { RouteUsageOptions } from './require-usage.js';
