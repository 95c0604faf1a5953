// Stops a failing Licenzy from being hammered: after consecutive outages, fail fast until a cool-down passes.
import type { Milliseconds } from './options.js';

/** Options of the gate's circuit breaker. */
export interface CircuitBreakerOptions {
  /** Consecutive outage failures (timeouts, network errors, 429/5xx, malformed answers) that open the circuit. Default `5`. */
  threshold?: number;
  /** How long an open circuit fails fast before one probe call is let through. Default `2000` ms. */
  cooldown?: Milliseconds;
}

export interface CircuitBreaker {
  /** `undefined` if a call may go out now; else the ms until the next probe is allowed. */
  blockedFor(): number | undefined;
  success(): void;
  failure(): void;
  readonly state: 'closed' | 'open' | 'half-open';
}

export function createCircuitBreaker(threshold: number, cooldown: number, now: () => number): CircuitBreaker {
  let failures = 0;
  let openUntil = 0;
  let probing = false;
  return {
    blockedFor() {
      if (failures < threshold) return undefined;
      const wait = openUntil - now();
      if (wait > 0) return wait;
      // Half-open: exactly one probe at a time; everyone else keeps failing fast until it reports.
      if (probing) return cooldown;
      probing = true;
      return undefined;
    },
    success() {
      failures = 0;
      probing = false;
    },
    failure() {
      failures++;
      probing = false;
      if (failures >= threshold) openUntil = now() + cooldown;
    },
    get state() {
      if (failures < threshold) return 'closed';
      return openUntil > now() ? 'open' : 'half-open';
    },
  };
}
