// A scripted AccessGate for an app's unit tests: no HTTP, no timers, answers per subject, and a record of each ask.
import {
  LicenzyUnavailableError,
  validateSubjectRef,
  type AccessDecision,
  type AccessGate,
  type CheckOptions,
  type GateStats,
  type LicenzyMode,
} from '@licenzy-gate/core';

/** What the fake gate answers for a subject: access, no access, or an outage (503 in every adapter). */
export type FakeOutcome = 'allow' | 'deny' | 'fail';

/**
 * Options of {@link createFakeGate}. Subjects in no list are denied, as Licenzy denies subjects it does not know.
 * @example
 * createFakeGate({ allow: ['user_paid'], fail: ['user_during_outage'] });
 */
export interface FakeGateOptions {
  /** Subjects that are allowed. Default none. */
  allow?: Iterable<string>;
  /** Subjects that are denied (the default for any subject, listed for readability). Default none. */
  deny?: Iterable<string>;
  /** Subjects whose check rejects with `LicenzyUnavailableError`, as during a Licenzy outage. Default none. */
  fail?: Iterable<string>;
  /** The mode decisions report. Default `'test'`. */
  mode?: LicenzyMode;
  /** Clock for `checkedAt`, in ms. Default `Date.now`. */
  now?: () => number;
}

/**
 * One question the fake gate was asked.
 * @example
 * expect(gate.calls).toEqual([{ method: 'peek', subjectRef: 'user_1' }, { method: 'check', subjectRef: 'user_1', fresh: false }]);
 */
export type FakeGateCall =
  | { method: 'peek'; subjectRef: string }
  | { method: 'check'; subjectRef: string; fresh: boolean }
  | { method: 'invalidate'; subjectRef: string }
  | { method: 'clear' };

/**
 * An {@link AccessGate} whose answers a test scripts. Pass it as `requireAccess({ gate })` in any adapter.
 * @example
 * const gate = createFakeGate({ allow: ['user_1'] });
 * gate.deny('user_1'); // the customer refunded
 * expect(gate.calls.map((call) => call.method)).toContain('peek');
 */
export interface FakeGate extends AccessGate {
  /** Scripts `allow` for these subjects from now on. Returns the gate, for chaining. */
  allow(...subjectRefs: string[]): FakeGate;
  /** Scripts `deny` for these subjects from now on. */
  deny(...subjectRefs: string[]): FakeGate;
  /** Scripts an outage for these subjects from now on (`check` rejects with `LicenzyUnavailableError`). */
  fail(...subjectRefs: string[]): FakeGate;
  /** What the gate answers for a subject now. */
  outcomeOf(subjectRef: string): FakeOutcome;
  /** Every `peek`, `check`, `invalidate` and `clear`, oldest first. */
  readonly calls: readonly FakeGateCall[];
  /** Subjects asked about (by `peek` or `check`), in order, with repeats. */
  readonly asked: readonly string[];
  /** Forgets `calls` (the scripting stays). */
  resetCalls(): void;
}

/**
 * Creates a fake {@link AccessGate}: `peek` answers synchronously for allowed and denied subjects (and `undefined`
 * for failing ones, so adapters go on to `check`), `check` resolves the same decision or rejects with
 * `LicenzyUnavailableError`, and nothing is cached, so re-scripting takes effect on the next request.
 * Subjects are validated like the real gate does, so a bad subject still answers 400 in the adapters.
 * @example
 * import { requireAccess } from '@licenzy-gate/express';
 * import { createFakeGate } from '@licenzy-gate/testing';
 * const gate = createFakeGate({ allow: ['user_paid'], fail: ['user_outage'] });
 * app.get('/pro', requireAccess({ gate, subject: (req) => req.get('x-user') }), handler);
 * await request(app).get('/pro').set('x-user', 'user_paid').expect(200);
 * await request(app).get('/pro').set('x-user', 'user_outage').expect(503);
 */
export function createFakeGate(options: FakeGateOptions = {}): FakeGate {
  const mode = options.mode ?? 'test';
  if (mode !== 'test' && mode !== 'live') throw new TypeError(`createFakeGate: mode must be 'test' or 'live', got ${String(mode)}`);
  const now = options.now ?? Date.now;
  if (typeof now !== 'function') throw new TypeError('createFakeGate: now must be a function returning milliseconds');
  const outcomes = new Map<string, FakeOutcome>();
  const calls: FakeGateCall[] = [];
  const asked: string[] = [];
  const stats = { hits: 0, misses: 0, errors: 0 };

  const script = (outcome: FakeOutcome, subjectRefs: Iterable<string> | undefined, option: string) => {
    if (subjectRefs === undefined) return;
    if (typeof subjectRefs === 'string' || typeof (subjectRefs as Iterable<string>)[Symbol.iterator] !== 'function') {
      throw new TypeError(`createFakeGate: ${option} must be a list of subjects`);
    }
    for (const subjectRef of subjectRefs) outcomes.set(subjectOf(subjectRef), outcome);
  };
  script('deny', options.deny, 'deny');
  script('allow', options.allow, 'allow');
  script('fail', options.fail, 'fail');

  const decide = (subjectRef: string): AccessDecision =>
    Object.freeze({ subjectRef, allowed: outcomes.get(subjectRef) === 'allow', source: 'licenzy' as const, checkedAt: now(), mode });

  const gate: FakeGate = {
    mode,
    now: () => now(),
    peek(subjectRef) {
      const subject = subjectOf(subjectRef);
      calls.push({ method: 'peek', subjectRef: subject });
      asked.push(subject);
      if (outcomes.get(subject) === 'fail') {
        stats.misses += 1;
        return undefined;
      }
      stats.hits += 1;
      return decide(subject);
    },
    check(subjectRef, checkOptions?: CheckOptions) {
      let subject: string;
      try {
        subject = subjectOf(subjectRef);
      } catch (err) {
        return Promise.reject(err);
      }
      calls.push({ method: 'check', subjectRef: subject, fresh: checkOptions?.fresh === true });
      asked.push(subject);
      if (outcomes.get(subject) === 'fail') {
        stats.errors += 1;
        return Promise.reject(new LicenzyUnavailableError('network', 'Licenzy is unavailable (scripted by createFakeGate)'));
      }
      return Promise.resolve(decide(subject));
    },
    invalidate(subjectRef) {
      // Like the real gate: a numeric id is its decimal string, anything unusable throws (never a silent miss).
      calls.push({ method: 'invalidate', subjectRef: subjectOf(subjectRef) });
      return false;
    },
    clear() {
      calls.push({ method: 'clear' });
    },
    stats(): GateStats {
      return { ...stats, stale: 0, upstreamCalls: 0, coalesced: 0, size: 0, circuit: 'closed', active: 0, queued: 0, shed: 0, sharedHits: 0, sharedErrors: 0 };
    },
    allow: (...subjectRefs) => (script('allow', subjectRefs, 'allow'), gate),
    deny: (...subjectRefs) => (script('deny', subjectRefs, 'deny'), gate),
    fail: (...subjectRefs) => (script('fail', subjectRefs, 'fail'), gate),
    outcomeOf: (subjectRef) => outcomes.get(subjectOf(subjectRef)) ?? 'deny',
    get calls() {
      return calls;
    },
    get asked() {
      return asked;
    },
    resetCalls() {
      calls.length = 0;
      asked.length = 0;
    },
  };
  return gate;
}

/**
 * A subject as the real gate takes it (issue 23, item 2): a string subject_ref, or a resolver's numeric id (a safe
 * non-negative integer) as its decimal string; anything else throws `LicenzySubjectInvalidError`.
 */
function subjectOf(value: unknown): string {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? String(value) : validateSubjectRef(value);
}
