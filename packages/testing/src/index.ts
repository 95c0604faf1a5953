// Public entry of @licenzy-gate/testing: the local-Licenzy fixture, the fake gate, helpers and the conformance suite.
export { createFakeGate } from './fake-gate.js';
export type { FakeGate, FakeGateCall, FakeGateOptions, FakeOutcome } from './fake-gate.js';
export { ConformanceError, conformanceCases, mountingVariantsCase, pathVariants, refusalConformanceCases, resolverConformanceCases, runConformance, usageConformanceCases } from './conformance.js';
export type { ConformanceCase, ConformanceMock, ConformanceResult, ConformanceTarget, MountingCase, MountingTarget, PathVariant } from './conformance.js';
export { captureLogger, fetchJson, listen, uniqueSubject } from './helpers.js';
export type { CapturedLine, JsonReply, ListeningServer } from './helpers.js';
// Deprecated: the local Licenzy moved to @licenzy-gate/mock; these names stay here for one release.
export * from './deprecated-mock.js';
