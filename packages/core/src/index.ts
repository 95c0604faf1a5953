// Public entry of @licenzy-gate/core: the Licenzy client, the access gate, errors, and the adapter toolkit.
export { createLicenzyClient } from './client.js';
export type { AccessCheckResult, CallOptions, ConsumeUsageResult, CustomerAccess, EntitlementSummary } from './vocabulary.js';
export type { LicenzyClient } from './client.js';
export type { FetchLike, LicenzyClientOptions } from './client-options.js';
export { parseApiKey, parseBaseUrl } from './config.js';
export type { LicenzyMode } from './config.js';
export { createAccessGate } from './gate.js';
export type { AccessDecision, DecisionSource } from './vocabulary.js';
export type {
  AccessCacheOptions,
  AccessChecker,
  AccessGate,
  AccessGateOptions,
  CheckOptions,
  GateStats,
  InvalidateOptions,
  ConsumeUsageOptions,
  CustomerAccessOptions,
  LicenzyGate,
  WaitForAccessOptions,
} from './gate-types.js';
export { createLruDecisionStore, namespacedStore } from './decision-store.js';
export type { CachedDecision, DecisionStore } from './decision-store.js';
export type { CircuitBreakerOptions } from './circuit-breaker.js';
export {
  LicenzyAbortError,
  LicenzyAccessDeniedError,
  LicenzyAuthError,
  LicenzyConfigError,
  LicenzyError,
  LicenzyResponseError,
  LicenzySubjectInvalidError,
  LicenzySubjectRequiredError,
  LicenzyUnavailableError,
  isOutage,
  MAX_RETRY_AFTER_SECONDS,
  LicenzyIdempotencyConflictError,
  LicenzyIdempotencyKeyInvalidError,
  LicenzyUsageExhaustedError,
  LicenzyWaitTimeoutError,
} from './errors.js';
export type { LicenzyErrorCode, UnavailableReason } from './errors.js';
export { MAX_SUBJECT_LENGTH, identityField, subjectFromResolved, validateSubjectRef } from './subject.js';
export { problemCodeOf, toProblem } from './problem.js';
export type { Problem, ProblemCode } from './problem.js';
export { getDefaultGate, resetDefaultGate } from './default-gate.js';
export { createGuard } from './guard.js';
export type { Guard, GuardOutcome, LoggerFor } from './guard.js';
export type { RequireAccessOptions } from './guard-options.js';
export type { RequestDecision, UsageCharge, UsageDecision } from './vocabulary.js';
export { consoleLogger } from './logger.js';
export type { GateLogger } from './logger.js';
export type { Milliseconds } from './options.js';
export { optionKeys, rejectUnknownKeys, type KeysEnum } from './options.js';
export { deriveSharedScope } from './shared-tier.js';
export type { SharedEntry, SharedEvent, SharedTier, SharedTierBinding, SharedTierScope } from './shared-tier.js';
export { CHANNELS } from './diagnostics.js';
export type { CheckEvent, CircuitEvent, FailOpenEvent, InvalidateEvent, UpstreamEvent, UpstreamOperation, UsageEvent } from './diagnostics.js';
export type { SharedStaleEntry } from './shared-tier.js';
export { DEFAULT_WEBHOOK_EVENTS, createWebhookReceiver, defaultSubjectOf, readRawBody, safeEqual, signStandardWebhook } from './webhook.js';
export type {
  CustomVerifyOptions,
  HmacSha256Options,
  InvalidatingGate,
  RawBodySource,
  StandardWebhooksOptions,
  WebhookHeaders,
  WebhookReceiver,
  WebhookReceiverOptions,
  WebhookRequest,
  WebhookResponse,
} from './webhook.js';
export { createUsageGuard, meteringGate, usageIdempotencyKey } from './usage.js';
export type { RequireUsageOptions, ResponseLike, UsageGuard, UsageOutcome, UsageRequestInfo } from './usage.js';
export { MAX_STATUS_WAIT, createAccessStatus, loadCustomerAccess } from './status.js';
export type { AccessStatusOptions, AccessStatusRoute, CustomerAccessForOptions, StatusReply } from './status.js';
export { refusalAction, requestRefusalKind } from './refusal.js';
export type { RefusalAction, RefusalPolicy, RequestRefusalKind } from './refusal.js';
export { createCircuitBreaker } from './circuit-breaker.js';
export type { CircuitBreaker, CircuitBreakerConfig, CircuitState } from './circuit-breaker.js';
export { booleanOption, integerOption, loggerOption, optionsObject, renamedOption } from './options.js';
export { REQUIRE_ACCESS_OPTION_KEYS } from './guard-options.js';
