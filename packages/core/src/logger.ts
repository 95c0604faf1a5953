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

/** How long a repeated log line is held back: each key is logged at most once per this window (ms). */
export const LOG_WINDOW = 60_000;

/**
 * A throttle for lines that would otherwise repeat on every request (misconfiguration, fail-open): each key is logged
 * at most once per {@link LOG_WINDOW} on `clock`, and the next line is told how many were held back. A logger that
 * throws never turns a refusal into an exception.
 */
export function createLogThrottle(clock: () => number): (key: string, line: (suppressed: number) => void) => void {
  const reported = new Map<string, { until: number; suppressed: number }>();
  return (key, line) => {
    const t = clock();
    const seen = reported.get(key);
    if (seen !== undefined && t < seen.until) {
      seen.suppressed++;
      return;
    }
    reported.set(key, { until: t + LOG_WINDOW, suppressed: 0 });
    try {
      line(seen?.suppressed ?? 0);
    } catch {
      // The refusal stands; the log line is lost.
    }
  };
}
