// Public entry of @licenzy-gate/testing: the local Licenzy emulator, its control API types, and the fake gate.
export { createMockLicenzy } from './mock-licenzy.js';
export type { MockLicenzy, MockModeOption } from './mock-licenzy.js';
export { DEFAULT_LIVE_KEY, DEFAULT_TEST_KEY, MockLicenzyConfigError } from './mock-options.js';
export type { MockLicenzyOptions, MockMode } from './mock-options.js';
export type { EntitlementKind, EntitlementStatus, MockEntitlement, MockEntitlementInput, AvailabilityReason } from './mock-state.js';
export { OMIT_FIELD } from './mock-faults.js';
export type { MockFault, MockFaultHandle, MockFaultOptions } from './mock-faults.js';
export type { MockRequestLogEntry } from './mock-log.js';
export type { MockActiveFault, MockSubject } from './mock-control.js';
export type { MockCallEvent } from './mock-events.js';
export { generateWebhookSecret, signWebhook } from './mock-webhooks.js';
export type { MockWebhookDelivery, MockWebhookPayload, MockWebhookTarget, MockWebhookType } from './mock-webhooks.js';
export { createFakeGate } from './fake-gate.js';
export type { FakeGate, FakeGateCall, FakeGateOptions, FakeOutcome } from './fake-gate.js';
export { runMockCli } from './cli-main.js';
export type { MockCliIo } from './cli-main.js';
export { ConformanceError, conformanceCases, mountingVariantsCase, pathVariants, runConformance } from './conformance.js';
export type { ConformanceCase, ConformanceMock, ConformanceResult, ConformanceTarget, MountingCase, MountingTarget, PathVariant } from './conformance.js';
