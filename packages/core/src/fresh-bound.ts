// The `freshInterval` rule, written once: an answer requested less than `freshInterval` ago is fresh enough.

/**
 * Whether an answer whose call started at `requestedAt` is fresh enough at `t` for a `fresh` check (or a `fresh`
 * customer-access load): requested less than `freshInterval` ago. `-Infinity` (a shared-tier fill) never is.
 */
export type FreshBound = (requestedAt: number, t: number) => boolean;

/**
 * The bound of a gate's `freshInterval` (ms; `0` turns it off: nothing is fresh enough).
 *
 * @example
 * const freshEnough = createFreshBound(1_000)
 * freshEnough(5_000, 5_400) // true
 */
export function createFreshBound(freshInterval: number): FreshBound {
  return (requestedAt, t) => t - requestedAt < freshInterval;
}
