// Refuses replayed tier messages: a bounded age on the sender's clock and a window of nonces already seen.

/** Limits of a {@link ReplayGuard}. Times in ms. */
export interface ReplayGuardOptions {
  /** The receiver's wall clock. */
  readonly now: () => number;
  /** Oldest message accepted: older ones are refused (their nonce may be forgotten). Default 30 000 ms. */
  readonly maxAge?: number;
  /** How far in the future (the sender's clock ahead of ours) a message may be dated. Default 30 000 ms. */
  readonly maxSkew?: number;
  /** Most nonces remembered. When full, the oldest is forgotten and every message sent no later than it is refused. */
  readonly capacity?: number;
}

/** Admits each genuine message once, within its age. */
export interface ReplayGuard {
  /** Whether the message with this nonce, sent at `sentAt`, is new and recent; remembers it if so. */
  admit(nonce: string, sentAt: number): boolean;
}

export const MESSAGE_MAX_AGE = 30_000;
export const MESSAGE_MAX_SKEW = 30_000;
export const NONCE_CAPACITY = 10_000;

/**
 * A replay window. Someone who can publish on the channel (but not seal) can resend a genuine message: within
 * `maxAge` its nonce is remembered, beyond it the message is too old. Memory is bounded by `capacity`: forgetting a
 * nonce raises a floor under which every message is refused, so a nonce is never forgotten while it could still pass.
 * A refused genuine message is a missed invalidation: the entry it concerned lives at most its own TTL.
 *
 * @example
 * const guard = createReplayGuard({ now: Date.now })
 * guard.admit('a1b2…', Date.now()) // true; the same again: false
 */
export function createReplayGuard(options: ReplayGuardOptions): ReplayGuard {
  const { now, maxAge = MESSAGE_MAX_AGE, maxSkew = MESSAGE_MAX_SKEW, capacity = NONCE_CAPACITY } = options;
  // nonce → sentAt, in arrival order.
  const seen = new Map<string, number>();
  let floor = -Infinity;

  return {
    admit(nonce, sentAt) {
      const t = now();
      if (!(sentAt > t - maxAge) || sentAt > t + maxSkew || sentAt <= floor || seen.has(nonce)) return false;
      // Nonces of messages now too old are refused by age alone: forget them (oldest arrivals first).
      for (const [oldNonce, oldSentAt] of seen) {
        if (oldSentAt > t - maxAge) break;
        seen.delete(oldNonce);
      }
      if (seen.size >= capacity) {
        const [oldNonce, oldSentAt] = seen.entries().next().value as [string, number];
        seen.delete(oldNonce);
        floor = Math.max(floor, oldSentAt);
      }
      seen.set(nonce, sentAt);
      return true;
    },
  };
}
