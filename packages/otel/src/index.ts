// Public entry of @licenzy-gate/otel: the OpenTelemetry instrumentation built on licenzy-gate's diagnostics channels.
export { LicenzyGateInstrumentation } from './instrumentation.js';
export type { LicenzyGateInstrumentationConfig } from './instrumentation.js';
export { ATTR as ATTRIBUTES, METRIC as METRICS } from './names.js';
export { DURATION_BUCKETS } from './metrics.js';
export type { RefusalCode } from './refusal.js';
