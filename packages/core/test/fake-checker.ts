// A scriptable in-memory AccessChecker for gate unit tests: each upstream call waits until the test settles it.
import type { AccessCheckResult, AccessChecker } from '../src/index.js';

export interface PendingCall {
  subjectRef: string;
  resolve(allowed: boolean): void;
  answer(result: AccessCheckResult): void;
  reject(error: unknown): void;
}

export function createFakeChecker(mode: 'test' | 'live' = 'test') {
  const pending: PendingCall[] = [];
  const calls: string[] = [];
  const checker: AccessChecker = {
    mode,
    checkAccess(subjectRef) {
      calls.push(subjectRef);
      return new Promise<AccessCheckResult>((resolve, reject) => {
        pending.push({
          subjectRef,
          resolve: (allowed) => resolve({ subjectRef, allowed }),
          answer: resolve,
          reject,
        });
      });
    },
  };
  return {
    checker,
    calls,
    pending,
    /** Settles the oldest pending call. */
    next(): PendingCall {
      const call = pending.shift();
      if (!call) throw new Error('no pending upstream call');
      return call;
    },
  };
}

/** A manual clock in ms. */
export function createClock(start = 1_700_000_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms), set: (ms: number) => void (t = ms) };
}

/** Lets queued promise callbacks run. */
export const flush = () => new Promise<void>((resolve) => setImmediate(resolve));
