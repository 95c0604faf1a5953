// Stops an unavailable Licenzy from being hammered: when calls for several subjects fail in a row, fail fast
// for a cool-down, then let one probe through.
import { optionKeys, type Milliseconds } from './options.js';

/** Options of the gate's circuit breaker. */
export interface CircuitBreakerOptions {
  /**
   * Distinct subjects whose Licenzy calls failed with a transport outage (timeout, network error, 429, 5xx),
   * with no successful call in between, that open the circuit. Distinct, so one subject's retries (or one
   * user flooding fresh checks) cannot open it for everyone. Default `5`.
   */
  threshold?: number;
  /** How long an open circuit fails fast before one probe call is let through. Default `2000` ms. */
  cooldown?: Milliseconds;
}

/** Every option name of {@link CircuitBreakerOptions}, kept exact by the compiler. */
export const CIRCUIT_BREAKER_OPTION_KEYS = optionKeys<CircuitBreakerOptions>({ threshold: true, cooldown: true });

export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitBreaker {
  /** `undefined` if a call may go out now (and, when half-open, claims the probe); else the ms to wait. */
  blockedFor(): number | undefined;
  /** Licenzy was reached (any answer, even a malformed one): close the circuit. */
  success(): void;
  /** A transport outage on a call for `subjectRef`. */
  failure(subjectRef: string): void;
  readonly state: CircuitState;
}

/**
 * @param onChange told of every transition (`closed` → `open`, `open` → `closed`, …), e.g. for logs and metrics.
 */
export function createCircuitBreaker(
  threshold: number,
  cooldown: number,
  now: () => number,
  onChange?: (from: CircuitState, to: CircuitState) => void,
): CircuitBreaker {
  // Subjects that failed since the last success; never more than `threshold` entries.
  const failing = new Set<string>();
  let open = false;
  let openUntil = 0;
  // The probe holds a lease rather than a flag: a probe that never reports (a custom client that throws
  // synchronously, returns a non-promise, or hangs) frees the slot after one cool-down instead of for ever.
  let probeUntil = 0;
  let reported: CircuitState = 'closed';

  function state(): CircuitState {
    if (!open) return 'closed';
    return openUntil > now() ? 'open' : 'half-open';
  }
  function notify(): void {
    const current = state();
    if (current !== reported) {
      const from = reported;
      reported = current;
      onChange?.(from, current);
    }
  }

  return {
    blockedFor() {
      if (!open) return undefined;
      const t = now();
      const wait = openUntil - t;
      if (wait > 0) return wait;
      notify();
      if (t < probeUntil) return probeUntil - t;
      probeUntil = t + cooldown;
      return undefined;
    },
    success() {
      failing.clear();
      if (!open) return;
      open = false;
      probeUntil = 0;
      notify();
    },
    failure(subjectRef) {
      if (open) {
        // A failed probe (or a call that was already out) keeps it open for another cool-down.
        openUntil = now() + cooldown;
        probeUntil = 0;
        notify();
        return;
      }
      failing.add(subjectRef);
      if (failing.size >= threshold) {
        failing.clear();
        open = true;
        openUntil = now() + cooldown;
        probeUntil = 0;
        notify();
      }
    },
    get state() {
      return state();
    },
  };
}
