// The shared tier as the checks use it: on a local miss, read it (and fill the local cache), then write Licenzy's answer.
import type { DecisionCache } from './decision-cache.js';
import type { FreshBound } from './fresh-bound.js';
import type { GateCounters } from './gate-stats.js';
import type { SharedEntry, SharedTierBinding } from './shared-tier.js';
import type { AccessDecision } from './vocabulary.js';

/** What a read of the tier gave a call: a decision (the tier answered), or the token to write Licenzy's answer with. */
export type SharedRead = { readonly decision: AccessDecision; readonly token?: undefined } | { readonly decision?: undefined; readonly token: string | undefined };

/** The tier's two steps around one Licenzy call. */
export interface SharedFill {
  /**
   * Reads the subject's entry and a write token. A fresh entry fills the local cache with its *remaining* lifetime and
   * answers (a `fresh` check only if the tier says it is younger than `freshInterval`); an entry past its fresh window is kept locally only as a stand-in for an
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
  /** The gate's duration clock, and its `freshInterval` rule: a tier entry younger than it answers a `fresh` check. */
  readonly now: () => number;
  readonly freshEnough: FreshBound;
}

/**
 * Creates the shared-tier fill and write of a gate.
 *
 * @example
 * const shared = createSharedFill({ binding, cache, counters, ttl: 30_000, deniedTtl: 5_000, staleIfError: 0, now, freshEnough })
 * const read = await shared.read('user_1', () => true, false)
 */
export function createSharedFill(deps: SharedFillDeps): SharedFill {
  const { binding, cache, counters, ttl, deniedTtl, staleIfError, now, freshEnough } = deps;

  async function read(subjectRef: string, isCurrent: () => boolean, fresh: boolean): Promise<SharedRead> {
    try {
      const read = await binding.read(subjectRef);
      const token = typeof read.token === 'string' ? read.token : undefined;
      const entry = validSharedEntry(read.entry);
      if (entry !== undefined && isCurrent()) {
        const lifetime = Math.min(entry.ttl, entry.allowed ? ttl : deniedTtl);
        const staleLifetime = Math.min(entry.staleTtl, lifetime + staleIfError);
        // When the call behind it started, on our clock, if the tier could tell: then it counts as a recent answer
        // here too, for what is left of `freshInterval` (a fresh answer elsewhere refreshes us, never wipes the bound).
        const t = now();
        const requestedAt = entry.age === undefined ? -Infinity : t - entry.age;
        if (lifetime > 0 && (!fresh || freshEnough(requestedAt, t))) {
          // An L2 hit fills L1 with the *remaining* lifetime, never more: it cannot extend a decision.
          counters.sharedHits++;
          return { decision: cache.remember(subjectRef, { allowed: entry.allowed, checkedAt: entry.checkedAt, lifetime, staleLifetime, requestedAt }) };
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
    // A write refused with `false` means the subject was invalidated on another instance since the token was read: drop
    // what is cached for it, even if the invalidation message has not reached us yet. (`'cleared'`: the clear's message
    // does it, paced, so that a flood of clears costs a bounded number of calls, never every answer.) Unconditionally: a newer entry dropped
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
  // An age that is not a plain non-negative number is no age: the entry never counts as fresh.
  const age = entry.age;
  if (age !== undefined && !(Number.isFinite(age) && age >= 0)) return { allowed, checkedAt, ttl, staleTtl };
  return entry;
}
