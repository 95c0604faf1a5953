// Public entry of @licenzy-gate/otel: the OpenTelemetry instrumentation built on licenzy-gate's diagnostics channels.
export { CHANNELS } from '@licenzy-gate/core';
