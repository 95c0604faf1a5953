// Public entry of @licenzy-gate/otel (work in progress).
export {};
