// Entry `@licenzy-gate/core/adapter`: the toolkit for writing an adapter (a framework's middleware) or a shared tier on
// the core — guards that decide a request whole, the refusal policy, option parsing, the breaker. Apps never need it.
export { createGuard } from './guard.js';
export type { Admission, Guard, GuardOutcome, LoggerFor } from './guard.js';
export { UNKNOWN_ROUTE } from './report-only.js';
export type { ReportWhere } from './report-only.js';
export { REQUIRE_ACCESS_OPTION_KEYS } from './guard-options.js';
export type { RequireAccessOptions } from './guard-options.js';
export { createUsageGuard } from './usage.js';
export type { RequireUsageOptions, ResponseLike, UsageGuard, UsageOutcome, UsageRequestInfo } from './usage.js';
export { MAX_STATUS_WAIT, createAccessStatus, loadCustomerAccess } from './status.js';
export type { AccessStatusOptions, AccessStatusRoute, CustomerAccessForOptions, StatusReply } from './status.js';
export { refusalAction } from './refusal.js';
export type { RefusalAction, RefusalPolicy } from './refusal.js';
export { identityField, identityFieldOfOwnClass } from './subject.js';
export { consoleLogger } from './logger.js';
export { booleanOption, integerOption, loggerOption, optionKeys, optionsObject, rejectUnknownKeys, renamedOption } from './options.js';
export type { KeysEnum } from './options.js';
export { createCircuitBreaker } from './circuit-breaker.js';
export type { CircuitBreaker, CircuitBreakerConfig } from './circuit-breaker.js';
export type { SharedEntry, SharedEvent, SharedStaleEntry, SharedTierBinding, SharedTierScope } from './shared-tier.js';
export { GATE_MARK, gateMarkOf, markGate } from './gate-marker.js';
export type { GateKind, GateMark, ReportOnlyMode, RouteGateVia, RouteInventoryEntry } from './gate-marker.js';
export { mountCovers, pathSegments, routeVerdict } from './route-inventory.js';
export type { Coverage, GateOnTheWay } from './route-inventory.js';
export { readBodyCapped } from './capped-body.js';
