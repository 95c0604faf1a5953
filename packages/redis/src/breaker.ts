// Bounds Redis trouble: a timeout per command and a small circuit, so an outage costs each request at most `timeout`.
import { RedisTierError } from './errors.js';

export interface CommandBreakerOptions {
  /** Per-command bound in ms. */
  readonly timeout: number;
  /** Consecutive failures that open the circuit. */
  readonly failureThreshold: number;
  /** How long an open circuit rejects at once before letting one probe through, in ms. */
  readonly cooldown: number;
  readonly now: () => number;
  /** A command failed (not called for calls the open circuit rejected). */
  readonly onFailure: (error: Error, firstOfOutage: boolean) => void;
  /** A command succeeded after failures. */
  readonly onRecovered: () => void;
}

export interface CommandBreaker {
  run<T>(command: () => Promise<T>): Promise<T>;
}

export function createCommandBreaker(options: CommandBreakerOptions): CommandBreaker {
  let failures = 0;
  let openUntil = 0;
  let probing = false;

  function withTimeout<T>(promise: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new RedisTierError('ERR_LICENZY_SHARED_TIMEOUT', `Redis did not answer within ${options.timeout} ms`)),
        options.timeout,
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
    async run<T>(command: () => Promise<T>): Promise<T> {
      const open = failures >= options.failureThreshold;
      if (open && (options.now() < openUntil || probing)) {
        throw new RedisTierError('ERR_LICENZY_SHARED_CIRCUIT_OPEN', 'Redis tier circuit is open after repeated failures');
      }
      // After the cooldown exactly one call probes; the others keep failing fast until it answers.
      if (open) probing = true;
      try {
        const value = await withTimeout(Promise.resolve().then(command));
        if (failures > 0) {
          failures = 0;
          options.onRecovered();
        }
        return value;
      } catch (cause) {
        const error =
          cause instanceof RedisTierError
            ? cause
            : new RedisTierError('ERR_LICENZY_SHARED_COMMAND', `Redis command failed: ${messageOf(cause)}`, { cause });
        failures += 1;
        if (failures >= options.failureThreshold) openUntil = options.now() + options.cooldown;
        options.onFailure(error, failures === 1);
        throw error;
      } finally {
        if (open) probing = false;
      }
    },
  };
}

function messageOf(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
