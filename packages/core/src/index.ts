// Public entry of @licenzy-gate/core, what its README documents: the Licenzy client, the access gate, errors, problem
// bodies, webhooks and diagnostics. The toolkit for adapter and tier authors is the `@licenzy-gate/core/adapter` entry.
export { createLicenzyClient } from './client.js';
export type { LicenzyClient } from './client.js';
export type { FetchLike, LicenzyClientOptions } from './client-options.js';
export type { LicenzyMode } from './config.js';
export { createAccessGate } from './gate.js';
export { getDefaultGate, resetDefaultGate } from './default-gate.js';
export type {
  AccessCacheOptions,
  AccessChecker,
  AccessGate,
  AccessGateOptions,
  CheckOptions,
  ConsumeUsageOptions,
  CustomerAccessOptions,
  GateStats,
  InvalidateOptions,
  LicenzyGate,
  WaitForAccessOptions,
} from './gate-types.js';
export type {
  AccessCheckResult,
  AccessDecision,
  CallOptions,
  CircuitState,
  ConsumeUsageResult,
  CustomerAccess,
  DecisionSource,
  EntitlementSummary,
  RequestDecision,
  UsageCharge,
  UsageDecision,
} from './vocabulary.js';
export type { CachedDecision, DecisionStore } from './decision-store.js';
export type { CircuitBreakerOptions } from './circuit-breaker.js';
export type { SharedTier } from './shared-tier.js';
export { deriveSharedScope } from './shared-tier.js';
export {
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
  MAX_RETRY_AFTER_SECONDS,
  isOutage,
} from './errors.js';
export type { LicenzyErrorCode, UnavailableReason, UpstreamRequest } from './errors.js';
export { MAX_SUBJECT_LENGTH, validateSubjectRef } from './subject.js';
export { problemCodeOf, toProblem } from './problem.js';
export type { Problem, ProblemCode } from './problem.js';
export type { GateLogger } from './logger.js';
export type { Milliseconds } from './options.js';
export { CHANNELS } from './diagnostics.js';
export type { CheckEvent, CircuitEvent, FailOpenEvent, InvalidateEvent, ReportEvent, UpstreamEvent, UpstreamOperation, UsageEvent } from './diagnostics.js';
export { DEFAULT_WEBHOOK_EVENTS, createWebhookReceiver, readRawBody, signStandardWebhook } from './webhook.js';
export type {
  CustomVerifyOptions,
  HmacSha256Options,
  InvalidatingGate,
  RawBodySource,
  StandardWebhooksOptions,
  WebhookHeaders,
  WebhookReceiver,
  WebhookReceiverOptions,
  WebhookRefusalReason,
  WebhookRequest,
  WebhookResponse,
} from './webhook.js';
// Kept one release; each is marked @deprecated with its new home.
export { createAccessStatus, createGuard, createUsageGuard, loadCustomerAccess, refusalAction } from './deprecated.js';
export type { GuardOutcome, RequireAccessOptions } from './deprecated.js';
