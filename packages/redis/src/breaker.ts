// Bounds Redis trouble: a timeout per command over core's circuit breaker, so an outage costs each request at most `timeout`.
import { type Milliseconds } from '@licenzy-gate/core';
import { createCircuitBreaker } from '@licenzy-gate/core/adapter';
import { RedisTierError } from './errors.js';

export interface CommandBreakerOptions {
  /** Per-command bound in ms. */
  readonly timeout: Milliseconds;
  /** Consecutive failures that open the circuit. */
  readonly threshold: number;
  /** How long an open circuit rejects at once before letting one probe through, in ms. */
  readonly cooldown: Milliseconds;
  readonly now: () => number;
  /** A command failed (not called for calls the open circuit rejected); `firstOfOutage` after a success or at start. */
  readonly onFailure: (error: Error, firstOfOutage: boolean) => void;
  /**
   * A command succeeded after failures: how long since the outage's first failure (ms on `now`) and how many operations
   * failed meanwhile (the ones the open circuit rejected included).
   */
  readonly onRecovered: (outage: { downForMs: number; failed: number }) => void;
}

export interface CommandBreaker {
  /** Sends `command` unless the circuit is open, bounded by `timeout`; every rejection is a {@link RedisTierError}. */
  send<T>(command: () => Promise<T>, budget?: Milliseconds): Promise<T>;
}

export function createCommandBreaker(options: CommandBreakerOptions): CommandBreaker {
  const circuit = createCircuitBreaker({
    threshold: options.threshold,
    cooldown: options.cooldown,
    now: options.now,
    // The probe always reports within `timeout` (the bound below rejects it then); twice that allows for a late timer,
    // so exactly one probe is out until it answers.
    probeLease: 2 * options.timeout,
  });
  // Only for the once-per-outage reports; the circuit keeps its own count.
  let failing = false;
  let since = 0;
  let failed = 0;

  function withTimeout<T>(promise: Promise<T>, budget: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new RedisTierError('ERR_LICENZY_SHARED_TIMEOUT', `Redis did not answer within ${budget} ms`)),
        budget,
      );
      // A pending command must never keep the process alive.
      timer.unref();
      promise.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
  }

  return {
    async send<T>(command: () => Promise<T>, budget: Milliseconds = options.timeout): Promise<T> {
      if (circuit.blockedFor() !== undefined) {
        failed++;
        throw new RedisTierError('ERR_LICENZY_SHARED_CIRCUIT_OPEN', 'Redis tier circuit is open after repeated failures');
      }
      try {
        const value = await withTimeout(Promise.resolve().then(command), budget);
        circuit.success();
        if (failing) {
          failing = false;
          options.onRecovered({ downForMs: Math.max(0, Math.round(options.now() - since)), failed });
        }
        return value;
      } catch (cause) {
        // Never the client's error as `cause`: its command holds our key names, channel and sealed message (issue 23,
        // item 14). Only the first line of Redis's own message, which names none of them.
        const error =
          cause instanceof RedisTierError ? cause : new RedisTierError('ERR_LICENZY_SHARED_COMMAND', `Redis command failed: ${messageOf(cause)}`);
        // Key-less: every failure counts, so consecutive failures open the circuit.
        circuit.failure();
        if (!failing) {
          since = options.now();
          failed = 0;
        }
        failed++;
        options.onFailure(error, !failing);
        failing = true;
        throw error;
      }
    },
  };
}

function messageOf(cause: unknown): string {
  const message = cause instanceof Error ? cause.message : 'not an Error';
  return (message.split('\n')[0] ?? '').slice(0, 200);
}
