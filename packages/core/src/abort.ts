// One 'abort' listener per AbortSignal however many checks wait on it, so a shared signal never trips
// Node's MaxListenersExceededWarning (which fires past 10 listeners on one EventTarget); and waiting on a shared
// promise with a signal of one's own.
import { LicenzyAbortError } from './errors.js';

const waiters = new WeakMap<AbortSignal, Set<() => void>>();

/**
 * Runs `onAbort` once when `signal` aborts. Returns the function that stops waiting; call it when the work
 * settles so nothing is retained. Many subscriptions on one signal share a single listener.
 */
export function onAbort(signal: AbortSignal, onAbort: () => void): () => void {
  let set = waiters.get(signal);
  if (set === undefined) {
    const callbacks = new Set<() => void>();
    set = callbacks;
    waiters.set(signal, callbacks);
    signal.addEventListener(
      'abort',
      () => {
        waiters.delete(signal);
        for (const callback of callbacks) callback();
        callbacks.clear();
      },
      { once: true },
    );
  }
  const callbacks = set;
  // A distinct function per subscription, so the same callback subscribed twice is removed once each.
  const entry = () => onAbort();
  callbacks.add(entry);
  return () => void callbacks.delete(entry);
}

/**
 * Waits for `promise`, or rejects with a {@link LicenzyAbortError} when `signal` aborts first: the work behind the
 * promise goes on for its other waiters.
 *
 * @example
 * const decision = await raceAbort(sharedCall, request.signal)
 */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const stopWaiting = onAbort(signal, () => reject(new LicenzyAbortError(signal.reason)));
    promise.then(
      (value) => {
        stopWaiting();
        resolve(value);
      },
      (error: unknown) => {
        stopWaiting();
        reject(error);
      },
    );
  });
}
