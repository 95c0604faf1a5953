// The access gate: a thin facade assembling its parts (cache, upstream caller, checks, shared tier, usage, summaries,
// invalidation, stats) into the object createAccessGate() returns.
import { createAccessChecks } from './access-checks.js';
import { createCustomerAccessLoader } from './customer-access-loader.js';
import { createDecisionCache } from './decision-cache.js';
import { checkChannel, type CheckEvent } from './diagnostics.js';
import { createFreshBound } from './fresh-bound.js';
import { parseGateOptions } from './gate-options.js';
import { createGateCounters, createGateStats } from './gate-stats.js';
import type { AccessGateOptions, CheckOptions, LicenzyGate } from './gate-types.js';
import { createInvalidation } from './invalidation.js';
import { createSharedFill } from './shared-fill.js';
import { subjectRefOf } from './subject.js';
import { createUpstreamCaller } from './upstream-caller.js';
import { createUsageConsume } from './usage-consume.js';
import type { AccessDecision } from './vocabulary.js';
import { createAccessWaiter } from './wait-for-access.js';

// The option-key lists, where the option tests have always read them.
export { CACHE_OPTION_KEYS, GATE_OPTION_KEYS } from './gate-options.js';

// The two channels a traced hit (`traceSync`) can publish on, asked directly by peek() rather than through a function
// holding them (issue 25: a function and its context are two more objects a hit would fetch). Not `error`: a hit's
// `traceSync` runs a function that cannot throw, so a subscriber of `error` alone has nothing to receive from it, and
// asking its channel was one more object read per hit.
const { start: hitStart, end: hitEnd } = checkChannel;

/**
 * Creates an access gate: one Licenzy client, one decision cache, one failure policy.
 *
 * @example
 * const gate = createAccessGate({ cache: { ttl: 30_000, deniedTtl: 5_000 } }) // key and URL from the environment
 * const decision = await gate.check('user_123')
 * if (!decision.allowed) reply(403)
 */
export function createAccessGate(options: AccessGateOptions = {}): LicenzyGate {
  // Options are parsed (and every bad one named) in one place; what follows is assembly only.
  const config = parseGateOptions(options);
  const { client, mode, now, nowLag, wallNow, cacheEnabled, max, ttl, deniedTtl, staleIfError, binding } = config;
  const counters = createGateCounters();
  const freshEnough = createFreshBound(config.freshInterval);
  const cache = createDecisionCache({ mode, now, lag: nowLag, wallNow, freshEnough, enabled: cacheEnabled, max, store: config.store });
  const caller = createUpstreamCaller({ ...config, counters });
  const shared = binding === undefined ? undefined : createSharedFill({ binding, cache, counters, ttl, deniedTtl, staleIfError, now, freshEnough });
  const stats = createGateStats(counters, { cache, caller });

  /**
   * The public fast path: a hit is a decision, published when someone listens (one property read otherwise). A string
   * goes straight to the cache (an invalid one is never stored, so it misses); anything else is normalised like a
   * resolver's value, or refused.
   */
  function peek(subject: string): AccessDecision | undefined {
    const subjectRef = typeof subject === 'string' ? subject : subjectRefOf(subject);
    const hit = cache.lookup(subjectRef);
    if (hit !== undefined && (hitStart.hasSubscribers || hitEnd.hasSubscribers)) {
      const event: CheckEvent = { subjectRef, mode, fresh: false, stats };
      return checkChannel.traceSync(() => hit, event);
    }
    return hit;
  }

  const checks = createAccessChecks({ ...config, cache, caller, shared, counters, freshEnough });

  function check(subject: string, checkOptions: CheckOptions = {}): Promise<AccessDecision> {
    let subjectRef = subject;
    if (typeof subject !== 'string') {
      try {
        subjectRef = subjectRefOf(subject);
      } catch (error) {
        return Promise.reject(error);
      }
    }
    if (!checkChannel.hasSubscribers) return checks.decide(subjectRef, checkOptions);
    const event: CheckEvent = { subjectRef, mode, fresh: checkOptions?.fresh === true, stats };
    return checkChannel.tracePromise(() => checks.decide(subjectRef, checkOptions), event);
  }

  const summaries = createCustomerAccessLoader({ client, caller, now, nowLag, freshEnough, enabled: cacheEnabled, ttl, deniedTtl, max });
  const invalidation = createInvalidation({ mode, now, binding, counters, parts: [checks, summaries], cache });
  const waiter = createAccessWaiter({
    // Through check(), so each of its checks is traced on `licenzy-gate:check` like any other.
    check: (subjectRef) => check(subjectRef, { fresh: true }),
    peek: (subjectRef) => cache.lookup(subjectRef),
    onWakeup: invalidation.onWakeup,
    random: config.random,
    now,
    freshInterval: config.freshInterval,
  });

  return {
    mode,
    now: () => wallNow(),
    check,
    peek,
    // Every entry point that takes a subject takes what a resolver may return, normalised alike, or throws (issue 23,
    // item 2): a resolver's 42 is cached as '42', and invalidate(42) must forget it, never miss it silently.
    invalidate: (subject, invalidateOptions) => invalidation.invalidate(subjectRefOf(subject), invalidateOptions),
    invalidateEverywhere: normalised(invalidation.invalidateEverywhere),
    clear: invalidation.clear,
    stats,
    backgroundSlot() {
      // Report-only checks never queue: with every slot busy they would wait ahead of enforcing routes' checks.
      if (caller.active < config.maxConcurrent) return true;
      counters.skipped++;
      return false;
    },
    consumeUsage: normalised(createUsageConsume({ client, mode, caller })),
    waitForAccess: normalised(waiter.wait),
    customerAccess: normalised(summaries.load),
  };
}

/** A promise-returning gate method whose subject is normalised first; a subject it cannot take rejects it. */
function normalised<Rest extends unknown[], T>(method: (subjectRef: string, ...rest: Rest) => Promise<T>): (subjectRef: string, ...rest: Rest) => Promise<T> {
  return (subject, ...rest) => {
    let subjectRef: string;
    try {
      subjectRef = subjectRefOf(subject);
    } catch (error) {
      return Promise.reject(error);
    }
    return method(subjectRef, ...rest);
  };
}
