// Forgetting: invalidate, invalidateEverywhere and clear (twice with a shared tier), the tier's broadcasts, wake-ups.
import type { LicenzyMode } from './config.js';
import type { DecisionCache } from './decision-cache.js';
import { invalidateChannel, type InvalidateEvent } from './diagnostics.js';
import { LicenzyUnavailableError } from './errors.js';
import type { GateCounters } from './gate-stats.js';
import type { InvalidateOptions } from './gate-types.js';
import type { SharedEvent, SharedTierBinding } from './shared-tier.js';

/** A part that keeps something per subject and must forget it on invalidation (calls in flight, summaries). */
export interface Forgetting {
  forget(subjectRef: string): void;
  forgetAll(): void;
}

/**
 * Clears heard from other instances are applied at most once per this many ms (the first at once, the others together
 * at the end of the interval): a flood of them costs one refill per subject per interval, never every answer.
 */
export const REMOTE_CLEAR_INTERVAL = 1_000;

/** What invalidation is built from: what to forget, and the tier that carries it to the other instances. */
export interface InvalidationDeps {
  readonly mode: LicenzyMode;
  /** The gate's duration clock (ms), for the pace of remote clears. */
  readonly now: () => number;
  readonly binding: SharedTierBinding | undefined;
  readonly counters: Pick<GateCounters, 'sharedErrors'>;
  /** Forgotten first, so no answer in flight can write the cache once it is cleared. */
  readonly parts: readonly Forgetting[];
  /** Forgotten last, and before any waiter wakes. */
  readonly cache: DecisionCache;
}

/** The invalidation part of a gate: its three public methods and the wake-up hook of `waitForAccess()`. */
export interface Invalidation {
  invalidate(subjectRef: string, options?: InvalidateOptions): boolean;
  invalidateEverywhere(subjectRef: string, options?: InvalidateOptions): Promise<boolean>;
  clear(options?: InvalidateOptions): void;
  /** Calls `wake` whenever the subject is forgotten (here, by a webhook, or by another instance); returns the unsubscribe. */
  onWakeup(subjectRef: string, wake: () => void): () => void;
}

/**
 * Creates the invalidation part, and subscribes it to the tier's broadcasts. With a tier, each invalidation forgets
 * twice: at once, and again once the tier has recorded it. A check in between may have refilled the local cache from
 * the tier's old entry (the tier drops its own broadcast, so nothing else would forget it).
 *
 * @example
 * const invalidation = createInvalidation({ mode: 'test', now, binding: undefined, counters, parts: [checks, summaries], cache })
 * invalidation.invalidate('user_1', { reason: 'webhook' })
 */
export function createInvalidation(deps: InvalidationDeps): Invalidation {
  const { mode, binding, counters, parts, cache, now } = deps;
  // Waiters of waitForAccess(). The hit path never looks at this map.
  const wakeups = new Map<string, Set<() => void>>();

  function forget(subjectRef: string): boolean {
    for (const part of parts) part.forget(subjectRef);
    const had = cache.delete(subjectRef);
    // After the entry is gone, so a woken waiter's fresh check asks Licenzy instead of reusing it.
    if (wakeups.size > 0) wakeups.get(subjectRef)?.forEach(runWakeup);
    return had;
  }

  function forgetAll(): void {
    for (const part of parts) part.forgetAll();
    cache.clear();
    if (wakeups.size > 0) for (const set of [...wakeups.values()]) set.forEach(runWakeup);
  }

  function publish(event: InvalidateEvent): void {
    if (invalidateChannel.hasSubscribers) invalidateChannel.publish(event);
  }

  /** The local half of invalidate(): forget, and say so on `licenzy-gate:invalidate`. */
  function forgetHere(subjectRef: string, options: InvalidateOptions | undefined): boolean {
    const had = forget(subjectRef);
    publish({ mode, reason: options?.reason === 'webhook' ? 'webhook' : 'local', subjectRef });
    return had;
  }

  let lastRemoteClear = -Infinity;
  let pendingClear: ReturnType<typeof setTimeout> | undefined;
  function applyRemoteClear(): void {
    pendingClear = undefined;
    lastRemoteClear = now();
    forgetAll();
    publish({ mode, reason: 'broadcast' });
  }
  /** A clear from elsewhere: at once, or with the others at the end of the interval (one scheduled covers them all). */
  function remoteClear(): void {
    if (pendingClear !== undefined) return;
    // Bounded, so a clock stepped back never holds a clear longer than one interval.
    const wait = Math.min(lastRemoteClear + REMOTE_CLEAR_INTERVAL - now(), REMOTE_CLEAR_INTERVAL);
    if (!(wait > 0)) return applyRemoteClear();
    pendingClear = setTimeout(applyRemoteClear, wait);
    pendingClear.unref?.();
  }

  binding?.subscribe((event: SharedEvent) => {
    if (event.type === 'invalidate') {
      forget(event.subjectRef);
      publish({ mode, reason: 'broadcast', subjectRef: event.subjectRef });
    } else if (event.type === 'clear') {
      remoteClear();
    } else {
      // The link was lost or re-established: events may have been missed, forget now.
      forgetAll();
      publish({ mode, reason: 'broadcast' });
    }
  });

  return {
    invalidate(subjectRef, options) {
      const had = forgetHere(subjectRef, options);
      if (binding !== undefined && typeof subjectRef === 'string') callShared(() => binding.invalidate(subjectRef).then(() => void forget(subjectRef)), counters);
      return had;
    },
    async invalidateEverywhere(subjectRef, options) {
      const had = forgetHere(subjectRef, options);
      if (binding === undefined || typeof subjectRef !== 'string') return had;
      try {
        await binding.invalidate(subjectRef);
      } catch (error) {
        counters.sharedErrors++;
        throw new LicenzyUnavailableError('shared', 'The shared tier could not carry the invalidation to the other instances', { cause: tierCause(error) });
      }
      forget(subjectRef);
      return had;
    },
    clear(options) {
      forgetAll();
      if (binding !== undefined) callShared(() => binding.clear().then(forgetAll), counters);
      publish({ mode, reason: options?.reason === 'webhook' ? 'webhook' : 'local' });
    },
    onWakeup(subjectRef, wake) {
      let set = wakeups.get(subjectRef);
      if (set === undefined) wakeups.set(subjectRef, (set = new Set()));
      set.add(wake);
      return () => {
        set.delete(wake);
        if (set.size === 0 && wakeups.get(subjectRef) === set) wakeups.delete(subjectRef);
      };
    },
  };
}

/**
 * What of a tier's rejection reaches the app: its name, code and (first line of its) message, nothing deeper. A tier's
 * error may carry its client's error, whose command holds key names, the channel and the sealed message (issue 23,
 * item 14); a logger that prints cause chains would show them all.
 */
function tierCause(error: unknown): Error {
  const { name, code, message } = (typeof error === 'object' && error !== null ? error : {}) as { name?: unknown; code?: unknown; message?: unknown };
  const text = typeof message === 'string' ? (message.split('\n')[0] ?? '').slice(0, 200) : 'The shared tier failed';
  const cause = new Error(text);
  if (typeof name === 'string' && /^[A-Za-z]{1,64}$/.test(name)) cause.name = name;
  if (typeof code === 'string' && /^[A-Z0-9_]{1,64}$/.test(code)) Object.defineProperty(cause, 'code', { value: code, enumerable: true });
  return cause;
}

function runWakeup(wake: () => void): void {
  try {
    wake();
  } catch {
    // A waiter's failure is its own; the invalidation stands.
  }
}

/** Runs a shared-tier operation without letting it throw or reject into the caller. */
function callShared(operation: () => Promise<unknown>, counters: { sharedErrors: number }): void {
  try {
    operation().catch(() => void counters.sharedErrors++);
  } catch {
    counters.sharedErrors++;
  }
}
