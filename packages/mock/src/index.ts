// Public entry of @licenzy-gate/mock: the local Licenzy (emulator, control API types, webhook helpers, the CLI function).
export { createMockLicenzy } from './mock-licenzy.js';
export type { MockLicenzy, MockModeOption } from './mock-licenzy-types.js';
export { MockLicenzyConfigError } from './mock-config-error.js';
export { DEFAULT_LIVE_KEY, DEFAULT_TEST_KEY } from './mock-options.js';
export type { MockLicenzyOptions, MockMode } from './mock-options.js';
export type { EntitlementKind, EntitlementStatus, MockEntitlement, MockEntitlementInput, AvailabilityReason } from './mock-state.js';
export { OMIT_FIELD } from './mock-faults.js';
export type { MockFault, MockFaultHandle, MockFaultOptions } from './mock-faults.js';
export type { MockRequestLogEntry } from './mock-log.js';
export type { MockActiveFault, MockSubject } from './mock-control.js';
export type { MockCallEvent } from './mock-events.js';
export { generateWebhookSecret, signWebhook } from './mock-webhooks.js';
export type { MockWebhookDelivery, MockWebhookPayload, MockWebhookTarget, MockWebhookType } from './mock-webhooks.js';
export { runMockCli } from './cli-main.js';
export type { MockCliIo } from './cli-main.js';
