// The instrumentation scope: name and version of this package (a test keeps them equal to package.json).

/** Instrumentation scope name, as meters and tracers are named. */
export const PACKAGE_NAME = '@licenzy-gate/otel';
/** Instrumentation scope version. */
export const PACKAGE_VERSION = '0.1.0';
