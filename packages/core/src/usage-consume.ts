// gate.consumeUsage(): usage charged at Licenzy through the upstream caller, never cached, coalesced per idempotency key.
import { raceAbort } from './abort.js';
import type { LicenzyMode } from './config.js';
import { usageChannel, type UsageEvent } from './diagnostics.js';
import { LicenzyAbortError, LicenzyConfigError, LicenzyIdempotencyConflictError, LicenzyResponseError } from './errors.js';
import type { AccessChecker, ConsumeUsageOptions } from './gate-types.js';
import { validateSubjectRef } from './subject.js';
import type { UpstreamCaller } from './upstream-caller.js';
import { chargedExactly, requireIdempotencyKey, requireUnits } from './usage-input.js';
import type { ConsumeUsageResult } from './vocabulary.js';

/** What consume is built from. */
export interface UsageConsumeDeps {
  readonly client: AccessChecker;
  readonly mode: LicenzyMode;
  readonly caller: UpstreamCaller;
}

/**
 * Creates `gate.consumeUsage()`. Concurrent calls with one key (a double click, a client retrying before the first
 * answer) share one Licenzy call; a different event under that key is a conflict without asking Licenzy.
 *
 * @example
 * const consumeUsage = createUsageConsume({ client, mode: 'test', caller })
 * const result = await consumeUsage('user_1', 1, { idempotencyKey: 'report:42' })
 */
export function createUsageConsume(deps: UsageConsumeDeps): (subjectRef: string, units: number, options: ConsumeUsageOptions) => Promise<ConsumeUsageResult> {
  const { client, mode, caller } = deps;
  const consuming = new Map<string, { fingerprint: string; promise: Promise<ConsumeUsageResult> }>();

  return function consumeUsage(subjectRef, units, options) {
    let idempotencyKey: string;
    try {
      validateSubjectRef(subjectRef);
      requireUnits(units);
      idempotencyKey = requireIdempotencyKey(options?.idempotencyKey);
      if (typeof client.consumeUsage !== 'function') throw new LicenzyConfigError('client', 'has no consumeUsage(); use a client from createLicenzyClient()');
    } catch (error) {
      return Promise.reject(error);
    }
    const signal = options.signal;
    if (signal?.aborted) return Promise.reject(new LicenzyAbortError(signal.reason));
    const fingerprint = `${subjectRef}\n${units}`;
    const running = consuming.get(idempotencyKey);
    if (running !== undefined) {
      if (running.fingerprint !== fingerprint) return Promise.reject(new LicenzyIdempotencyConflictError());
      return signal ? raceAbort(running.promise, signal) : running.promise;
    }
    const publish = (event: Omit<UsageEvent, 'mode' | 'subjectRef' | 'units' | 'idempotencyKey'>) => {
      if (usageChannel.hasSubscribers) usageChannel.publish({ mode, subjectRef, units, idempotencyKey, ...event });
    };
    const consume = client.consumeUsage.bind(client);
    // Not the caller's signal: the call is shared by every caller of this key, and each stops waiting on its own.
    const promise = caller.call(subjectRef, 'Usage consume', () => consume(subjectRef, units, { idempotencyKey }), (result: ConsumeUsageResult) => validConsumeResult(result, units)).then(
      (result) => {
        publish(result.ok ? { type: 'charged', ...(result.usageRemaining === undefined ? {} : { remaining: result.usageRemaining }) } : { type: 'exhausted' });
        return result;
      },
      (error: unknown) => {
        // Any 409 but `insufficient_usage` is Licenzy rejecting the reuse of the key for another event.
        const typed = error instanceof LicenzyResponseError && error.upstreamStatus === 409 ? new LicenzyIdempotencyConflictError({ upstreamStatus: 409, cause: error }) : error;
        publish({ type: 'failed', error: typed });
        throw typed;
      },
    ).finally(() => {
      if (consuming.get(idempotencyKey)?.promise === promise) consuming.delete(idempotencyKey);
    });
    consuming.set(idempotencyKey, { fingerprint, promise });
    return signal ? raceAbort(promise, signal) : promise;
  };
}

/**
 * A consume answer the gate can act on: out of units, or exactly the `units` asked consumed. Anything else (0, 1 of 5,
 * 5.5, a custom client's odd shape) is malformed (issue 23, item 9): 503, the handler does not run, never a free or
 * partial charge taken for a whole one.
 */
function validConsumeResult(result: ConsumeUsageResult, units: number): ConsumeUsageResult {
  if (result?.ok === false && result.reason === 'insufficient_usage') return Object.freeze({ ok: false, reason: 'insufficient_usage' });
  if (result?.ok === true && chargedExactly(result.consumed, units)) {
    const remaining = typeof result.usageRemaining === 'number' && Number.isFinite(result.usageRemaining) ? result.usageRemaining : undefined;
    return Object.freeze({ ok: true, consumed: result.consumed, usageRemaining: remaining });
  }
  throw new LicenzyResponseError('Usage consume answer is malformed');
}
