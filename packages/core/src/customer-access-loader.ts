// gate.customerAccess(): entitlement summaries in their own small LRU (never the decision cache), loads coalesced.
import { raceAbort } from './abort.js';
import { GrowingLru } from './decision-store.js';
import { LicenzyAbortError, LicenzyConfigError, LicenzyResponseError } from './errors.js';
import type { FreshBound } from './fresh-bound.js';
import type { AccessChecker, CustomerAccessOptions } from './gate-types.js';
import { validateSubjectRef } from './subject.js';
import type { UpstreamCaller } from './upstream-caller.js';
import type { CustomerAccess } from './vocabulary.js';

/** What the loader is built from (the gate's parsed options). Times in ms. */
export interface CustomerAccessLoaderDeps {
  readonly client: AccessChecker;
  readonly caller: UpstreamCaller;
  readonly now: () => number;
  /** How far behind the true time a reading of `now` may be (the gate's `nowLag`); 0 when left out. */
  readonly nowLag?: number;
  readonly freshEnough: FreshBound;
  /** `false` (`cache: false`): every load asks Licenzy (concurrent loads still share one call). */
  readonly enabled: boolean;
  /** The decision TTLs: `ttl` when the summary has access, `deniedTtl` otherwise. */
  readonly ttl: number;
  readonly deniedTtl: number;
  /** The decision cache's `max`; the summaries keep at most 1000 of them. */
  readonly max: number;
}

/** The customer-access part of a gate. */
export interface CustomerAccessLoader {
  load(subjectRef: string, options?: CustomerAccessOptions): Promise<CustomerAccess>;
  /** Forgets the subject's summary and its load in flight (which will not be stored). */
  forget(subjectRef: string): void;
  forgetAll(): void;
}

interface CustomerEntry {
  readonly value: CustomerAccess;
  readonly checkedAt: number;
  readonly expiresAt: number;
  readonly requestedAt: number;
}

/**
 * Creates the loader behind `gate.customerAccess()`.
 *
 * @example
 * const summaries = createCustomerAccessLoader({ client, caller, now, freshEnough, enabled: true, ttl: 30_000, deniedTtl: 5_000, max: 10_000 })
 * const summary = await summaries.load('user_1')
 */
export function createCustomerAccessLoader(deps: CustomerAccessLoaderDeps): CustomerAccessLoader {
  const { client, caller, now, nowLag: lag = 0, freshEnough, enabled, ttl, deniedTtl, max } = deps;
  const cached = new GrowingLru<CustomerEntry>(Math.min(max, 1_000));
  const inflight = new Map<string, { startedAt: number; promise: Promise<CustomerAccess> }>();

  function start(subjectRef: string, getCustomerAccess: (subjectRef: string) => Promise<CustomerAccess>, t: number) {
    const entry = { startedAt: t, promise: undefined as unknown as Promise<CustomerAccess> };
    entry.promise = (async () => {
      const value = await caller.call(subjectRef, 'Customer access', () => getCustomerAccess(subjectRef), (result: CustomerAccess) => validCustomerAccess(subjectRef, result));
      const lifetime = value.hasAccess ? ttl : deniedTtl;
      // Only the load still registered may write: one started before an invalidate() must not be stored.
      if (inflight.get(subjectRef) === entry && enabled && lifetime > 0) {
        const at = now();
        cached.set(subjectRef, { value, checkedAt: at, expiresAt: at + lifetime, requestedAt: entry.startedAt });
      }
      return value;
    })().finally(() => {
      if (inflight.get(subjectRef) === entry) inflight.delete(subjectRef);
    });
    inflight.set(subjectRef, entry);
    return entry;
  }

  function load(subjectRef: string, options: CustomerAccessOptions = {}): Promise<CustomerAccess> {
    try {
      validateSubjectRef(subjectRef);
      if (typeof client.getCustomerAccess !== 'function') throw new LicenzyConfigError('client', 'has no getCustomerAccess(); use a client from createLicenzyClient()');
    } catch (error) {
      return Promise.reject(error);
    }
    const fresh = options?.fresh === true;
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(new LicenzyAbortError(signal.reason));
    const t = now();
    const hit = cached.get(subjectRef);
    // Judged at t + lag, like a cached decision: an old clock reading never serves a summary past its TTL.
    if (hit !== undefined && t + lag < hit.expiresAt && t >= hit.checkedAt && (!fresh || freshEnough(hit.requestedAt, t + lag))) {
      return Promise.resolve(hit.value);
    }
    let running = inflight.get(subjectRef);
    if (running === undefined || (fresh && !freshEnough(running.startedAt, t))) {
      running = start(subjectRef, client.getCustomerAccess.bind(client), t);
    }
    return signal ? raceAbort(running.promise, signal) : running.promise;
  }

  return {
    load,
    forget(subjectRef) {
      // Most gates never load a summary: nothing to look up then.
      if (cached.size > 0 || inflight.size > 0) {
        cached.delete(subjectRef);
        inflight.delete(subjectRef);
      }
    },
    forgetAll() {
      cached.clear();
      inflight.clear();
    },
  };
}

/** A summary for this subject with a boolean `hasAccess`, deeply frozen: one object is shared by every caller. */
function validCustomerAccess(subjectRef: string, result: CustomerAccess): CustomerAccess {
  if (result?.subjectRef !== subjectRef || typeof result.hasAccess !== 'boolean' || !Array.isArray(result.entitlements)) {
    throw new LicenzyResponseError('Customer access answered for another subject or without a boolean `hasAccess`');
  }
  return deepFreeze(structuredClone(result));
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
