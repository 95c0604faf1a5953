// Public entry of @licenzy-gate/testing: the local-Licenzy fixture, the fake gate, helpers and the conformance suite.
export { startLocalLicenzy, useLocalLicenzy } from './local-licenzy.js';
export type { FixtureHooks, LocalLicenzy, LocalLicenzyOptions, UseLocalLicenzyOptions } from './local-licenzy.js';
export { createFakeGate } from './fake-gate.js';
export type { FakeGate, FakeGateCall, FakeGateOptions, FakeOutcome } from './fake-gate.js';
export { conformanceSuites, runConformance } from './conformance.js';
export type { ConformanceSuiteName, RunConformanceOptions } from './conformance.js';
export { conformanceCases } from './conformance-cases.js';
export { refusalConformanceCases, resolverConformanceCases, usageConformanceCases } from './conformance-route-cases.js';
export { meteredConformanceCases } from './conformance-metered.js';
export { statusConformanceCases } from './conformance-status.js';
export { harnessTarget, nextUsageEvent } from './conformance-harness.js';
export { mountingVariantsCase, pathVariants } from './conformance-mounting.js';
export type { MountingCase, MountingTarget, PathVariant } from './conformance-mounting.js';
export { ConformanceError } from './conformance-target.js';
export type { ConformanceCase, ConformanceMock, ConformanceResult, ConformanceTarget, MeteredRoute, MountedApp, StatusRouteOptions } from './conformance-target.js';
export { checkRouteCoverage, expectGated, formatRouteCoverage } from './expect-gated.js';
export type { ExpectGatedOptions, RouteCoverageProblem, RouteCoverageReport, RouteCoverageRules, RoutesSource } from './expect-gated.js';
export { defaultSamplePath } from './expect-gated-probe.js';
export type { ProbeOptions, ProbeReply } from './expect-gated-probe.js';
export { parseRoutePattern, routePatternMatches } from './route-patterns.js';
export { formatRouteTable, runGateCli } from './cli-main.js';
export type { GateCliIo } from './cli-main.js';
export type { PatternTarget, RoutePattern } from './route-patterns.js';
export type { RouteInventoryEntry } from '@licenzy-gate/core/adapter';
export { captureLogger, fetchJson, listen, uniqueSubject } from './helpers.js';
export type { CapturedLine, JsonReply, ListeningServer } from './helpers.js';
// Deprecated: the local Licenzy moved to @licenzy-gate/mock; these names stay here for one release.
export * from './deprecated-mock.js';
