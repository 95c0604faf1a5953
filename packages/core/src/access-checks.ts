// The gate's checks on a cache miss: one call in flight per subject, a failure memo, the fresh bound, stale-if-error.
import { raceAbort } from './abort.js';
import type { LicenzyMode } from './config.js';
import type { DecisionCache } from './decision-cache.js';
import { LicenzyAbortError, LicenzyResponseError, LicenzyUnavailableError, isOutage } from './errors.js';
import type { FreshBound } from './fresh-bound.js';
import type { AccessChecker, CheckOptions } from './gate-types.js';
import type { GateCounters } from './gate-stats.js';
import type { SharedFill } from './shared-fill.js';
import { validateSubjectRef } from './subject.js';
import type { UpstreamCaller } from './upstream-caller.js';
import type { AccessCheckResult, AccessDecision } from './vocabulary.js';

/** What the checks are built from: the other parts, and the gate's parsed options. Times in ms. */
export interface AccessChecksDeps {
  readonly client: AccessChecker;
  readonly mode: LicenzyMode;
  readonly now: () => number;
  /** How far behind the true time a reading of `now` may be (the gate's `nowLag`); 0 when left out. */
  readonly nowLag?: number;
  readonly wallNow: () => number;
  readonly cache: DecisionCache;
  readonly caller: UpstreamCaller;
  readonly shared: SharedFill | undefined;
  readonly counters: Pick<GateCounters, 'misses' | 'stale' | 'errors' | 'coalesced'>;
  readonly freshEnough: FreshBound;
  readonly ttl: number;
  readonly deniedTtl: number;
  readonly staleIfError: number;
  readonly errorTtl: number;
  /** Most subjects in the failure memo (the cache's `max`). */
  readonly max: number;
}

/** The checks part of a gate. */
export interface AccessChecks {
  /** `gate.check()` without tracing: a hit, a shared call, a remembered failure, or a new Licenzy call. */
  decide(subjectRef: string, options?: CheckOptions): Promise<AccessDecision>;
  /** Forgets the subject's call in flight (its answer will not be stored) and its remembered failure. */
  forget(subjectRef: string): void;
  forgetAll(): void;
}

/** One Licenzy call in flight for a subject, shared by every check that joins it. */
interface Call {
  readonly startedAt: number;
  promise: Promise<AccessDecision>;
}

/** A failed call remembered for `errorTtl`, so a burst of checks during an outage makes one call, not one each. */
interface Failure {
  readonly error: unknown;
  /** When it was remembered: like a decision's stamp, a lower bound (a clock stepped back before it ignores it). */
  readonly since: number;
  readonly until: number;
  readonly startedAt: number;
}

/**
 * Creates the checks of a gate.
 *
 * @example
 * const checks = createAccessChecks({ client, mode, now, wallNow, cache, caller, shared: undefined, counters, freshEnough, ttl, deniedTtl, staleIfError, errorTtl, max })
 * const decision = await checks.decide('user_1', { fresh: true })
 */
export function createAccessChecks(deps: AccessChecksDeps): AccessChecks {
  const { client, mode, now, nowLag: lag = 0, wallNow, cache, caller, shared, counters, freshEnough, ttl, deniedTtl, staleIfError, errorTtl, max } = deps;
  // Calls in flight per subject: concurrent checks share one. A newer call (fresh, or after invalidate)
  // replaces the entry, and only the call still registered may write the cache, so an old answer never
  // overwrites a newer one.
  const inflight = new Map<string, Call>();
  // Expiry is kept in each entry, like decisions: every window ends at `start + ttl` on the gate's clock. A Map bounded
  // to `max`, the oldest failure out first: unlike an LRUCache, nothing is allocated for `max` up front.
  const failures = new Map<string, Failure>();

  function rememberFailure(subjectRef: string, error: unknown, startedAt: number): void {
    const since = now();
    const failure: Failure = { error, since, until: since + errorTtl, startedAt };
    failures.delete(subjectRef);
    if (failures.size >= max) failures.delete(failures.keys().next().value as string);
    failures.set(subjectRef, failure);
  }

  /** During a transport outage a recent enough answer may stand in; anything else is rethrown as is. */
  function staleOrThrow(subjectRef: string, error: unknown): AccessDecision {
    if (staleIfError > 0 && isOutage(error)) {
      const standIn = cache.standIn(subjectRef, now());
      if (standIn !== undefined) {
        counters.stale++;
        caller.servedStaleDuringOutage();
        return standIn;
      }
    }
    caller.refusedDuringOutage();
    throw error;
  }

  async function runCall(subjectRef: string, call: Call, fresh: boolean): Promise<AccessDecision> {
    const current = () => inflight.get(subjectRef) === call;
    try {
      let token: string | undefined;
      if (shared !== undefined) {
        const read = await shared.read(subjectRef, current, fresh);
        if (read.decision !== undefined) return read.decision;
        token = read.token;
      }
      const allowed = await askLicenzy(caller, client, subjectRef);
      const checkedAt = wallNow();
      const lifetime = allowed ? ttl : deniedTtl;
      if (current()) {
        failures.delete(subjectRef);
        cache.remember(subjectRef, { allowed, checkedAt, lifetime, staleLifetime: lifetime + staleIfError, requestedAt: call.startedAt });
        shared?.write(subjectRef, { allowed, checkedAt, lifetime }, token, fresh);
      }
      return Object.freeze({ subjectRef, allowed, source: 'licenzy' as const, checkedAt, mode });
    } catch (error) {
      counters.errors++;
      // Shared with later checks for `errorTtl`, except local refusals (open circuit, shed load) that end on their own clock.
      const local = error instanceof LicenzyUnavailableError && (error.reason === 'circuit_open' || error.reason === 'overloaded');
      if (current() && errorTtl > 0 && !local) rememberFailure(subjectRef, error, call.startedAt);
      throw error;
    } finally {
      if (current()) inflight.delete(subjectRef);
    }
  }

  function startCall(subjectRef: string, startedAt: number, fresh: boolean): Call {
    const call: Call = { startedAt, promise: undefined as unknown as Promise<AccessDecision> };
    // Registered before the call body runs, so even a call that fails synchronously unregisters itself.
    inflight.set(subjectRef, call);
    call.promise = runCall(subjectRef, call, fresh);
    return call;
  }

  async function decide(subjectRef: string, options: CheckOptions = {}): Promise<AccessDecision> {
    const fresh = options.fresh === true;
    if (!fresh) {
      const hit = cache.lookup(subjectRef);
      if (hit !== undefined) return hit;
    }
    validateSubjectRef(subjectRef);
    const signal = options.signal;
    if (signal?.aborted) throw new LicenzyAbortError();
    counters.misses++;
    const t = now();
    const at = t + lag; // what is remembered is judged here: a coarse reading may lag the true time by up to `lag`
    let call = inflight.get(subjectRef);
    // A fresh check joins only a call started within the fresh bound: an older one may predate the payment.
    if (call !== undefined && (!fresh || freshEnough(call.startedAt, at))) {
      counters.coalesced++;
    } else {
      if (fresh) {
        const recent = cache.recentAnswer(subjectRef, t);
        if (recent !== undefined) return recent; // counted as a hit by the cache
      }
      const failure = failures.get(subjectRef);
      // Like a cached decision (servesAt): within [since, until) (issue 23 item 13), so never refused past errorTtl (issue 25).
      if (failure !== undefined && at < failure.until && at >= failure.since && (!fresh || freshEnough(failure.startedAt, at))) {
        return staleOrThrow(subjectRef, failure.error);
      }
      call = startCall(subjectRef, t, fresh);
    }

    try {
      return await (signal ? raceAbort(call.promise, signal) : call.promise);
    } catch (error) {
      return staleOrThrow(subjectRef, error);
    }
  }

  return {
    decide,
    forget(subjectRef) {
      inflight.delete(subjectRef);
      failures.delete(subjectRef);
    },
    forgetAll() {
      inflight.clear();
      failures.clear();
    },
  };
}

/** One Licenzy call; a checker that is not our client must not grant on anything but a boolean for this subject. */
function askLicenzy(caller: UpstreamCaller, client: AccessChecker, subjectRef: string): Promise<boolean> {
  return caller.call(subjectRef, 'Access check', () => client.checkAccess(subjectRef), (result: AccessCheckResult) => {
    if (result?.subjectRef !== subjectRef || typeof result.allowed !== 'boolean') {
      throw new LicenzyResponseError('Access checker answered for another subject or without a boolean `allowed`');
    }
    return result.allowed;
  });
}
