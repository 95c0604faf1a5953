// Channel, metric and attribute names the instrumentation uses: one place, pinned to core's CHANNELS by a test.

/**
 * The diagnostics channels this package subscribes to. Kept here rather than imported from `@licenzy-gate/core`,
 * so the instrumentation needs no runtime import of core: channels are global by name, and an app holding two
 * copies of core (an adapter pinned to another version) is still observed in full.
 */
export const CHANNEL = Object.freeze({
  checkEnd: 'tracing:licenzy-gate:check:end',
  checkAsyncEnd: 'tracing:licenzy-gate:check:asyncEnd',
  upstreamStart: 'tracing:licenzy-gate:upstream:start',
  upstreamAsyncEnd: 'tracing:licenzy-gate:upstream:asyncEnd',
  circuit: 'licenzy-gate:circuit',
  invalidate: 'licenzy-gate:invalidate',
  failOpen: 'licenzy-gate:fail-open',
  shared: 'licenzy-gate:shared',
  report: 'licenzy-gate:report',
});

/**
 * Metric names (OpenTelemetry naming: dotted, units in the `unit` field, not in the name). Exported as `METRICS`.
 *
 * @example
 * // A view that drops the mode attribute from the decision counter
 * new MeterProvider({ views: [{ instrumentName: METRICS.decisions, attributesProcessors: [createDenyListAttributesProcessor(['licenzy.mode'])] }] })
 */
export const METRIC = Object.freeze({
  decisions: 'licenzy.gate.decisions',
  clientDuration: 'licenzy.client.request.duration',
  cacheEntries: 'licenzy.gate.cache.entries',
  circuitState: 'licenzy.gate.circuit.state',
  circuitTransitions: 'licenzy.gate.circuit.transitions',
  invalidations: 'licenzy.gate.invalidations',
  sharedEvents: 'licenzy.shared.events',
  wouldRefuse: 'licenzy.gate.would_refuse',
});

/**
 * Attribute names: OpenTelemetry semantic conventions where one exists, `licenzy.*` otherwise. Exported as `ATTRIBUTES`.
 *
 * @example
 * // In a test or a span processor: why was this request refused?
 * const why = span.attributes[ATTRIBUTES.refusal] // 'access_denied' | 'access_unavailable' | …
 */
export const ATTR = Object.freeze({
  mode: 'licenzy.mode',
  source: 'licenzy.decision.source',
  allowed: 'licenzy.decision.allowed',
  refusal: 'licenzy.refusal.code',
  unavailableReason: 'licenzy.unavailable.reason',
  operation: 'licenzy.operation',
  circuitState: 'licenzy.circuit.state',
  invalidationReason: 'licenzy.invalidation.reason',
  invalidationScope: 'licenzy.invalidation.scope',
  sharedEvent: 'licenzy.shared.event',
  errorType: 'error.type',
  httpMethod: 'http.request.method',
  httpRoute: 'http.route',
  httpStatus: 'http.response.status_code',
  resendCount: 'http.request.resend_count',
  serverAddress: 'server.address',
  serverPort: 'server.port',
  urlTemplate: 'url.template',
  flagKey: 'feature_flag.key',
  flagProvider: 'feature_flag.provider.name',
  flagVariant: 'feature_flag.result.variant',
  flagValue: 'feature_flag.result.value',
  flagReason: 'feature_flag.result.reason',
});

/** The span event of the OpenTelemetry feature-flag conventions. */
export const FEATURE_FLAG_EVENT = 'feature_flag.evaluation';
/** `feature_flag.key` of every licenzy-gate evaluation: one flag, "may this subject use the paid route". */
export const FEATURE_FLAG_KEY = 'licenzy.access';
