// gate.waitForAccess(): one polling loop per subject (fresh checks, jittered backoff), woken by invalidations.
import { onAbort } from './abort.js';
import { LicenzyAbortError, LicenzyError, LicenzyWaitTimeoutError } from './errors.js';
import type { AccessDecision } from './vocabulary.js';
import { numberOption, objectOption, type Milliseconds } from './options.js';
import { validateSubjectRef } from './subject.js';

/** Options of `gate.waitForAccess()`. */
export interface WaitForAccessOptions {
  /** How long to wait for access before rejecting with `LicenzyWaitTimeoutError`. Default `30000` ms. */
  timeout?: Milliseconds;
  /** Stops waiting (rejects with `LicenzyAbortError`); the loop goes on for other waiters of the subject. */
  signal?: AbortSignal;
}

/** First pause between fresh checks, doubled after each denial up to {@link MAX_DELAY}. */
export const FIRST_DELAY = 250;
export const MAX_DELAY = 2_000;
/** Least time between two checks of a loop when `freshInterval` is shorter (or `0`): the shortest pause of the backoff. */
export const MIN_RECHECK = FIRST_DELAY / 2;

/** What the waiter needs from the gate: checks, the cache, and the invalidation hook. */
export interface WaiterDeps {
  /** A fresh check (bounded by the gate's `freshInterval` and coalesced with other checks of the subject). */
  check(subjectRef: string): Promise<AccessDecision>;
  /** The cached decision, if any. */
  peek(subjectRef: string): AccessDecision | undefined;
  /** Calls `wake` whenever the subject is invalidated; returns the unsubscribe function. */
  onWakeup(subjectRef: string, wake: () => void): () => void;
  /** Jitter source in [0, 1). */
  random(): number;
  /** The gate's duration clock (ms). */
  now(): number;
  /**
   * The gate's `freshInterval` (ms): two checks of a loop start at least this far apart (and {@link MIN_RECHECK}),
   * whatever wakes it. A wake-up shortens a pause, it never skips the interval (issue 23, item 6: instances that woke
   * each other with their fresh answers made hundreds of Licenzy calls a second for one waiting user).
   */
  readonly freshInterval: number;
}

interface Waiter {
  resolve(decision: AccessDecision): void;
  reject(error: unknown): void;
}

interface Loop {
  readonly waiters: Set<Waiter>;
  /** The last check's failure, reported as the timeout's `cause`; cleared by an answer. */
  lastError: unknown;
  /** Ends the current pause now (the last waiter leaving). */
  interrupt: (() => void) | undefined;
  /** Shortens the current pause to the earliest next check (a wake-up). */
  shorten: (() => void) | undefined;
  /** A wake-up arrived while a check was in flight: its answer may predate the change, so check again as soon as allowed. */
  woken: boolean;
}

/** Errors that no retry can fix: waiting longer would only hide them. */
const FATAL = new Set(['ERR_LICENZY_CONFIG', 'ERR_LICENZY_AUTH', 'ERR_LICENZY_SUBJECT_INVALID', 'ERR_LICENZY_SUBJECT_REQUIRED']);

/**
 * Builds `waitForAccess` over a gate's internals. Internal: the gate exposes it as `gate.waitForAccess()`.
 *
 * @example
 * const waiter = createAccessWaiter({ check, peek, onWakeup, random: Math.random, now: performance.now.bind(performance), freshInterval: 1_000 })
 * await waiter.wait('user_1', { timeout: 5_000 })
 */
export function createAccessWaiter(deps: WaiterDeps): { wait(subjectRef: string, options?: WaitForAccessOptions): Promise<AccessDecision> } {
  const loops = new Map<string, Loop>();
  const gap = Math.max(deps.freshInterval, MIN_RECHECK);

  function settleAll(loop: Loop, settle: (waiter: Waiter) => void): void {
    for (const waiter of [...loop.waiters]) settle(waiter);
    loop.waiters.clear();
  }

  /** Pauses `ms`, never ending before `earliest` (duration clock); a wake-up shortens it to `earliest`. */
  function pause(loop: Loop, ms: number, earliest: number): Promise<void> {
    return new Promise<void>((resolve) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const until = (due: number) => {
        clearTimeout(timer);
        timer = setTimeout(done, Math.max(0, due - deps.now()));
      };
      function done(): void {
        clearTimeout(timer);
        loop.interrupt = undefined;
        loop.shorten = undefined;
        resolve();
      }
      loop.interrupt = done;
      loop.shorten = () => until(earliest);
      if (loop.woken) {
        loop.woken = false;
        until(earliest);
      } else {
        until(Math.max(deps.now() + ms, earliest));
      }
    });
  }

  async function run(subjectRef: string, loop: Loop): Promise<void> {
    const unsubscribe = deps.onWakeup(subjectRef, () => {
      loop.woken = true;
      loop.shorten?.();
    });
    try {
      let delay = FIRST_DELAY;
      while (loop.waiters.size > 0) {
        loop.woken = false;
        const checkedAt = deps.now();
        let decision: AccessDecision | undefined;
        try {
          decision = await deps.check(subjectRef);
          loop.lastError = undefined;
        } catch (error) {
          if (error instanceof LicenzyError && FATAL.has(error.code)) {
            settleAll(loop, (waiter) => waiter.reject(error));
            return;
          }
          loop.lastError = error;
        }
        if (decision?.allowed === true) {
          const allowed = decision;
          settleAll(loop, (waiter) => waiter.resolve(allowed));
          return;
        }
        if (loop.waiters.size === 0) return;
        // Equal jitter: between half and all of the delay, so many waiting pages do not poll in step.
        await pause(loop, delay / 2 + (deps.random() * delay) / 2, checkedAt + gap);
        delay = Math.min(MAX_DELAY, delay * 2);
      }
    } finally {
      unsubscribe();
      if (loops.get(subjectRef) === loop) loops.delete(subjectRef);
    }
  }

  function wait(subjectRef: string, options: WaitForAccessOptions = {}): Promise<AccessDecision> {
    let timeout: number;
    try {
      validateSubjectRef(subjectRef);
      objectOption('options', options);
      timeout = numberOption('timeout', options?.timeout, 30_000, 1);
    } catch (error) {
      return Promise.reject(error);
    }
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(new LicenzyAbortError(signal.reason));
    // A cached grant is an answer; a cached denial may predate the payment, so it is checked again.
    const hit = deps.peek(subjectRef);
    if (hit?.allowed === true) return Promise.resolve(hit);

    return new Promise<AccessDecision>((resolve, reject) => {
      let loop = loops.get(subjectRef);
      const starting = loop === undefined;
      if (loop === undefined) {
        loop = { waiters: new Set(), lastError: undefined, interrupt: undefined, shorten: undefined, woken: false };
        loops.set(subjectRef, loop);
      }
      const joined = loop;
      const leave = (): void => {
        clearTimeout(timer);
        stopWaiting?.();
        joined.waiters.delete(waiter);
        // Nobody waits any more: end the pause so the loop stops now rather than after it.
        if (joined.waiters.size === 0) joined.interrupt?.();
      };
      const waiter: Waiter = {
        resolve: (decision) => {
          leave();
          resolve(decision);
        },
        reject: (error) => {
          leave();
          reject(error);
        },
      };
      const timer = setTimeout(() => waiter.reject(new LicenzyWaitTimeoutError(subjectRef, timeout, joined.lastError)), timeout);
      const stopWaiting = signal === undefined ? undefined : onAbort(signal, () => waiter.reject(new LicenzyAbortError(signal.reason)));
      joined.waiters.add(waiter);
      if (starting) void run(subjectRef, joined);
    });
  }

  return { wait };
}
