// The shared tier as the checks use it: on a local miss, read it (and fill the local cache), then write Licenzy's answer.
import type { DecisionCache } from './decision-cache.js';
import type { GateCounters } from './gate-stats.js';
import type { SharedEntry, SharedTierBinding } from './shared-tier.js';
import type { AccessDecision } from './vocabulary.js';

/** What a read of the tier gave a call: a decision (the tier answered), or the token to write Licenzy's answer with. */
export type SharedRead = { readonly decision: AccessDecision; readonly token?: undefined } | { readonly decision?: undefined; readonly token: string | undefined };

/** The tier's two steps around one Licenzy call. */
export interface SharedFill {
  /**
   * Reads the subject's entry and a write token. A fresh entry fills the local cache with its *remaining* lifetime and
   * answers (unless the check is `fresh`); an entry past its fresh window is kept locally only as a stand-in for an
   * outage. `isCurrent` says whether the call is still the registered one (only it may write the cache). Never
   * rejects: a failing tier is a miss, counted in `sharedErrors`.
   */
  read(subjectRef: string, isCurrent: () => boolean, fresh: boolean): Promise<SharedRead>;
  /**
   * Writes Licenzy's answer through, with the token read before the call (a `fresh` answer is broadcast, so "just
   * paid" shows everywhere). A write the tier refuses drops the local entry. Nothing is written without a token.
   */
  write(subjectRef: string, answer: { allowed: boolean; checkedAt: number; lifetime: number }, token: string | undefined, fresh: boolean): void;
}

/** What the fill is built from. Times in ms. */
export interface SharedFillDeps {
  readonly binding: SharedTierBinding;
  readonly cache: DecisionCache;
  readonly counters: Pick<GateCounters, 'sharedHits' | 'sharedErrors'>;
  /** The local cache's caps, applied to what the tier gives: never more than our own TTLs. */
  readonly ttl: number;
  readonly deniedTtl: number;
  readonly staleIfError: number;
}

/**
 * Creates the shared-tier fill and write of a gate.
 *
 * @example
 * const shared = createSharedFill({ binding, cache, counters, ttl: 30_000, deniedTtl: 5_000, staleIfError: 0 })
 * const read = await shared.read('user_1', () => true, false)
 */
export function createSharedFill(deps: SharedFillDeps): SharedFill {
  const { binding, cache, counters, ttl, deniedTtl, staleIfError } = deps;

  async function read(subjectRef: string, isCurrent: () => boolean, fresh: boolean): Promise<SharedRead> {
    try {
      const read = await binding.read(subjectRef);
      const token = typeof read.token === 'string' ? read.token : undefined;
      const entry = validSharedEntry(read.entry);
      if (entry !== undefined && isCurrent()) {
        const lifetime = Math.min(entry.ttl, entry.allowed ? ttl : deniedTtl);
        const staleLifetime = Math.min(entry.staleTtl, lifetime + staleIfError);
        if (!fresh && lifetime > 0) {
          // An L2 hit fills L1 with the *remaining* lifetime, never more: it cannot extend a decision. Nor does it
          // count as fresh: another instance asked Licenzy at some unknown moment, not this call.
          counters.sharedHits++;
          return { decision: cache.remember(subjectRef, { allowed: entry.allowed, checkedAt: entry.checkedAt, lifetime, staleLifetime, requestedAt: -Infinity }) };
        }
      }
      // Past its fresh window but inside its stale window: kept locally (already expired) so that only an
      // outage can be covered by it, within our own `staleIfError` at most.
      const stale = read.stale;
      if (stale !== undefined && isCurrent() && staleIfError > 0 && !cache.holds(subjectRef)) {
        const staleLifetime = Math.min(stale.staleTtl, staleIfError);
        if (typeof stale.allowed === 'boolean' && Number.isFinite(staleLifetime) && staleLifetime > 0 && Number.isFinite(stale.checkedAt)) {
          cache.remember(subjectRef, { allowed: stale.allowed, checkedAt: stale.checkedAt, lifetime: 0, staleLifetime, requestedAt: -Infinity });
        }
      }
      return { token };
    } catch {
      counters.sharedErrors++;
      return { token: undefined };
    }
  }

  function write(subjectRef: string, answer: { allowed: boolean; checkedAt: number; lifetime: number }, token: string | undefined, fresh: boolean): void {
    const { allowed, checkedAt, lifetime } = answer;
    if (token === undefined || lifetime <= 0) return;
    const entry: SharedEntry = { allowed, checkedAt, ttl: lifetime, staleTtl: lifetime + staleIfError };
    // A refused write means the subject was invalidated on another instance since the token was read: drop what is
    // cached for it, even if the invalidation message has not reached us yet. Unconditionally: a newer entry dropped
    // with it costs one Licenzy call, never a wrong answer (and a copying store gives no identity to compare).
    binding.write(subjectRef, entry, token, { broadcast: fresh }).then(
      (written) => {
        if (written === false) cache.delete(subjectRef);
      },
      () => void counters.sharedErrors++,
    );
  }

  return { read, write };
}

/** A shared entry the gate can use, or undefined: anything odd is a miss, never a grant. */
function validSharedEntry(entry: SharedEntry | undefined): SharedEntry | undefined {
  if (typeof entry !== 'object' || entry === null) return undefined;
  const { allowed, checkedAt, ttl, staleTtl } = entry;
  if (typeof allowed !== 'boolean' || !Number.isFinite(checkedAt) || !Number.isFinite(ttl) || !Number.isFinite(staleTtl)) return undefined;
  if (staleTtl < ttl || staleTtl <= 0) return undefined;
  return entry;
}
