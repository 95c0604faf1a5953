// Public entry of @licenzy-gate/nest: the module, guard, interceptor and decorators, plus what a Nest app needs of core.
// What an app using this adapter needs from @licenzy-gate/core, so it installs one package: named one by one (never
// `export *`), as this README uses them. Everything else is imported from @licenzy-gate/core itself.
export {
  createAccessGate,
  toProblem,
  isOutage,
  LicenzyAccessDeniedError,
  LicenzyConfigError,
  LicenzyError,
  LicenzyIdempotencyConflictError,
  LicenzyUnavailableError,
  LicenzyUsageExhaustedError,
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
export { LicenzyModule, LicenzyGateLifecycle } from './module.js';
export type { LicenzyModuleAsyncOptions } from './module.js';
export type { LicenzyModuleOptions, NestRequireAccessOptions, NestRequireUsageOptions } from './options.js';
export { LICENZY_GATE, LICENZY_MODULE_OPTIONS } from './tokens.js';
export { LicenzyGuard } from './guard.js';
export { LicenzyUsageInterceptor } from './usage-interceptor.js';
export { LicenzyDecision, RequireAccess, RequireUsage, SkipAccess } from './decorators.js';
export type { RouteDecorator } from './decorators.js';
export { licenzyDecision } from './decision.js';
export { LicenzyException } from './exception.js';
export type { NestRefusalHook } from './refusal.js';
export { subjectFromRequest } from './subject.js';
export type { NestHttpRequest } from './subject.js';
export { accessStatus, customerAccessFor } from './access-status.js';
export type { NestAccessStatusOptions } from './access-status.js';
export { webhookHandler } from './webhook.js';
export type { NestWebhookOptions } from './webhook.js';
