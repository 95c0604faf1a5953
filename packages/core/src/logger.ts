// The logging seam: adapters pass their framework's logger; by default warnings go to the console.

/** Where the gate reports fail-open decisions and misconfiguration. Messages never contain the API key. */
export interface GateLogger {
  warn(message: string, details?: Record<string, unknown>): void;
  error(message: string, details?: Record<string, unknown>): void;
}

/** Logs with a `[licenzy-gate]` prefix to the console. */
export const consoleLogger: GateLogger = {
  warn: (message, details) => console.warn(`[licenzy-gate] ${message}`, details ?? ''),
  error: (message, details) => console.error(`[licenzy-gate] ${message}`, details ?? ''),
};
