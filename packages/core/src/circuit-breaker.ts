// Stops an unavailable upstream from being hammered: after repeated failures, fail fast for a cool-down, then let one
// probe through. The one breaker of the house: the gate's (Licenzy calls, counted per subject) and the Redis tier's.
import { optionKeys, type Milliseconds } from './options.js';
import type { CircuitState } from './vocabulary.js';

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

// Spelled once, in the vocabulary; re-exported so the breaker's own types come from one place.
export type { CircuitState } from './vocabulary.js';

export interface CircuitBreaker {
  /** `undefined` if a call may go out now (and, when half-open, claims the probe); else the ms to wait. */
  blockedFor(): number | undefined;
  /** The upstream was reached (any answer, even a malformed one): close the circuit. */
  success(): void;
  /**
   * A call failed. With a `key` (the gate: a subject), only distinct keys count towards the threshold, so one key's
   * retries cannot open the circuit for everyone; without one (the Redis tier), every failure counts.
   */
  failure(key?: string): void;
  readonly state: CircuitState;
}

/** What {@link createCircuitBreaker} is built from. */
export interface CircuitBreakerConfig {
  /** Failures (distinct keys, when keyed) with no success in between that open the circuit. */
  readonly threshold: number;
  /** How long the open circuit fails fast before one probe, in ms. */
  readonly cooldown: Milliseconds;
  /** The clock, in ms. */
  readonly now: () => number;
  /** Told of every transition (`closed` → `open`, `open` → `closed`, …), e.g. for logs and metrics. */
  readonly onChange?: (from: CircuitState, to: CircuitState) => void;
  /**
   * How long the half-open probe holds its slot when it never reports, in ms. Default `cooldown`. A caller whose
   * probe always reports within a known bound (the tier's command timeout) passes a longer one, so no second probe
   * goes out while the first is still waiting.
   */
  readonly probeLease?: Milliseconds;
  /**
   * How far behind the real time a reading of `now` may be, in ms (the gate's coarse default clock: one timer period).
   * The circuit and the probe's lease are stamped with a reading and judged at a reading plus `lag`, so an open
   * circuit never fails fast for longer than `cooldown` of real time (at most `lag` shorter). Default `0`.
   */
  readonly lag?: Milliseconds;
}

/**
 * A circuit breaker: closed until `threshold` failures with no success between, then open for `cooldown`, then
 * half-open for one probe whose outcome closes it or opens it for another cool-down.
 *
 * @example
 * const breaker = createCircuitBreaker({ threshold: 5, cooldown: 1000, now: Date.now })
 * if (breaker.blockedFor() === undefined) call().then(() => breaker.success(), () => breaker.failure())
 */
export function createCircuitBreaker(config: CircuitBreakerConfig): CircuitBreaker;
/** The positional form the gate uses: `(threshold, cooldown, now, onChange?)`. */
export function createCircuitBreaker(
  threshold: number,
  cooldown: number,
  now: () => number,
  onChange?: (from: CircuitState, to: CircuitState) => void,
): CircuitBreaker;
export function createCircuitBreaker(
  first: CircuitBreakerConfig | number,
  cooldownArg?: number,
  nowArg?: () => number,
  onChangeArg?: (from: CircuitState, to: CircuitState) => void,
): CircuitBreaker {
  const config: CircuitBreakerConfig =
    typeof first === 'number' ? { threshold: first, cooldown: cooldownArg as number, now: nowArg as () => number, onChange: onChangeArg } : first;
  const { threshold, cooldown, now, onChange } = config;
  const probeLease = config.probeLease ?? cooldown;
  const lag = config.lag ?? 0;
  // Keys that failed since the last success, and failures without a key; together never more than `threshold`.
  const failing = new Set<string>();
  let unkeyedFailures = 0;
  let open = false;
  let openUntil = 0;
  // The probe holds a lease rather than a flag: a probe that never reports (a custom client that throws
  // synchronously, returns a non-promise, or hangs) frees the slot after one cool-down instead of for ever.
  let probeUntil = 0;
  let reported: CircuitState = 'closed';

  function state(): CircuitState {
    if (!open) return 'closed';
    return openUntil > now() + lag ? 'open' : 'half-open';
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
      const at = t + lag; // judged at; stamped with the reading itself
      const wait = openUntil - at;
      if (wait > 0) return wait;
      notify();
      if (at < probeUntil) return probeUntil - at;
      probeUntil = t + probeLease;
      return undefined;
    },
    success() {
      failing.clear();
      unkeyedFailures = 0;
      if (!open) return;
      open = false;
      probeUntil = 0;
      notify();
    },
    failure(key) {
      if (open) {
        // A failed probe (or a call that was already out) keeps it open for another cool-down.
        openUntil = now() + cooldown;
        probeUntil = 0;
        notify();
        return;
      }
      if (key === undefined) unkeyedFailures++;
      else failing.add(key);
      if (failing.size + unkeyedFailures >= threshold) {
        failing.clear();
        unkeyedFailures = 0;
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
