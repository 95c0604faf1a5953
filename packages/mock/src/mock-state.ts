// Entitlement and usage state of the Licenzy emulator: grants, access decisions, metering and idempotency.
import type { LicenzyMode } from '@licenzy-gate/core';
import { MockLicenzyConfigError } from './mock-config-error.js';

/** Entitlement kinds the contract documents. */
export type EntitlementKind = 'subscription' | 'time_pass' | 'usage_pack';

/** Statuses the contract documents; any other string is accepted and treated as not usable. */
export type EntitlementStatus = 'active' | 'past_due' | (string & {});

/**
 * What a test passes to `mock.grant()`. Extra fields are echoed in every entitlement row the mock returns.
 * @example
 * mock.grant('user_1', { kind: 'usage_pack', usageRemaining: 1000, product_code: 'credits' });
 */
export interface MockEntitlementInput {
  /** Default `'subscription'`. */
  kind?: EntitlementKind;
  /** Default `'active'`. Only `'active'` entitlements grant access. */
  status?: EntitlementStatus;
  /** When it stops granting access (a `Date`, an ISO string or epoch milliseconds). Default: never. */
  expiresAt?: Date | string | number;
  /** Units left. Required for `usage_pack` (integer >= 0); optional and informational for other kinds. */
  usageRemaining?: number;
  /** Extra fields, echoed as given (snake_case is up to the caller). */
  [extra: string]: unknown;
}

/**
 * One stored entitlement, as returned by `mock.grant()` and `mock.entitlements()` (a copy, not live state).
 * @example
 * mock.entitlements('user_1')[0]?.usageRemaining; // 900 after consuming 100 of 1000
 */
export interface MockEntitlement {
  /** Stable id, e.g. `ent_test_000001`. */
  id: string;
  kind: EntitlementKind;
  status: EntitlementStatus;
  /** Epoch milliseconds, or `null` for no expiry. */
  expiresAt: number | null;
  /** `null` when not given for a non-usage kind. */
  usageRemaining: number | null;
  /** Epoch milliseconds (from the mock's clock) when it was granted. */
  grantedAt: number;
  /** Extra fields given to `grant()`. */
  extra: Record<string, unknown>;
}

/** Why an entitlement is or is not available; the values are this emulator's choice (the contract shows only `subscription_active`). */
export type AvailabilityReason = `${EntitlementKind}_active` | 'past_due' | 'inactive_status' | 'expired' | 'usage_exhausted';

/** Result of a consume attempt. */
export type ConsumeOutcome =
  | { ok: true; consumed: number; usageRemaining: number }
  | { ok: false; available: number };

const KINDS: readonly EntitlementKind[] = ['subscription', 'time_pass', 'usage_pack'];
const KNOWN_FIELDS = new Set(['kind', 'status', 'expiresAt', 'usageRemaining']);

/**
 * Why an entitlement is (un)available at `nowMs`. Checked in this order: status, expiry, remaining usage.
 * @example
 * availabilityOf(entitlement, Date.now()); // 'subscription_active'
 */
export function availabilityOf(entitlement: MockEntitlement, nowMs: number): AvailabilityReason {
  if (entitlement.status === 'past_due') return 'past_due';
  if (entitlement.status !== 'active') return 'inactive_status';
  // An expiry equal to now is already over: access ends at the instant, not one tick later.
  if (entitlement.expiresAt !== null && entitlement.expiresAt <= nowMs) return 'expired';
  if (entitlement.kind === 'usage_pack' && (entitlement.usageRemaining ?? 0) <= 0) return 'usage_exhausted';
  return `${entitlement.kind}_active`;
}

/**
 * `true` iff the entitlement grants access at `nowMs`.
 * @example
 * isUsable(entitlement, clock.now());
 */
export function isUsable(entitlement: MockEntitlement, nowMs: number): boolean {
  return availabilityOf(entitlement, nowMs).endsWith('_active');
}

/**
 * The emulator's whole mutable state, one store per mode so test and live never see each other.
 * @example
 * const state = new MockState(); state.grant('test', 'u', {}, Date.now());
 */
export class MockState {
  private readonly subjects: Record<LicenzyMode, Map<string, MockEntitlement[]>> = { test: new Map(), live: new Map() };
  private readonly idempotency: Record<LicenzyMode, Map<string, { fingerprint: string; reply: unknown }>> = {
    test: new Map(),
    live: new Map(),
  };
  private nextId = 1;
  private nextAttempt = 1;

  /** Adds an entitlement; throws {@link MockLicenzyConfigError} on bad input. Returns a copy of what was stored. */
  grant(mode: LicenzyMode, subjectRef: string, input: MockEntitlementInput, nowMs: number): MockEntitlement {
    checkSubject(subjectRef);
    const entitlement = normalizeEntitlement(input, `ent_${mode}_${String(this.nextId).padStart(6, '0')}`, nowMs);
    this.nextId += 1;
    const list = this.subjects[mode].get(subjectRef) ?? [];
    list.push(entitlement);
    this.subjects[mode].set(subjectRef, list);
    return copy(entitlement);
  }

  /** Removes every entitlement of the subject in that mode. */
  revoke(mode: LicenzyMode, subjectRef: string): void {
    checkSubject(subjectRef);
    this.subjects[mode].delete(subjectRef);
  }

  /**
   * Applies a full refund as the contract documents it: a time pass expires at `nowMs`, a usage pack drops to 0
   * units, a subscription becomes `past_due`. Returns copies of the subject's entitlements afterwards.
   */
  refund(mode: LicenzyMode, subjectRef: string, nowMs: number): MockEntitlement[] {
    checkSubject(subjectRef);
    for (const entitlement of this.subjects[mode].get(subjectRef) ?? []) {
      if (entitlement.kind === 'time_pass') entitlement.expiresAt = Math.min(entitlement.expiresAt ?? nowMs, nowMs);
      else if (entitlement.kind === 'usage_pack') entitlement.usageRemaining = 0;
      else entitlement.status = 'past_due';
    }
    return this.entitlements(mode, subjectRef);
  }

  /**
   * Applies a payment dispute: every entitlement of the subject becomes `past_due` (the contract documents this
   * for subscriptions; the mock treats a disputed pass or pack the same way, so a dispute always ends access).
   */
  dispute(mode: LicenzyMode, subjectRef: string): MockEntitlement[] {
    checkSubject(subjectRef);
    for (const entitlement of this.subjects[mode].get(subjectRef) ?? []) entitlement.status = 'past_due';
    return this.entitlements(mode, subjectRef);
  }

  /**
   * Adds `units` to the subject's usage pack: the latest granted pack that is `active` and not expired (spent ones
   * included: that is what a top-up is for). Without such a pack, grants a new one of `units`. Returns a copy of the
   * pack and whether it was created.
   */
  topUp(mode: LicenzyMode, subjectRef: string, units: number, nowMs: number): { entitlement: MockEntitlement; created: boolean } {
    checkSubject(subjectRef);
    if (!Number.isSafeInteger(units) || units < 1) throw new MockLicenzyConfigError('units', `expected a positive integer, got ${String(units)}`);
    const pack = (this.subjects[mode].get(subjectRef) ?? [])
      .filter((entitlement) => entitlement.kind === 'usage_pack' && ['usage_pack_active', 'usage_exhausted'].includes(availabilityOf(entitlement, nowMs)))
      .at(-1);
    if (pack === undefined) return { entitlement: this.grant(mode, subjectRef, { kind: 'usage_pack', usageRemaining: units }, nowMs), created: true };
    const total = (pack.usageRemaining ?? 0) + units;
    if (!Number.isSafeInteger(total)) throw new MockLicenzyConfigError('units', 'the pack would hold more than Number.MAX_SAFE_INTEGER units');
    pack.usageRemaining = total;
    return { entitlement: copy(pack), created: false };
  }

  /** Every subject that has at least one entitlement in that mode, in first-grant order. */
  subjectRefs(mode: LicenzyMode): string[] {
    return [...this.subjects[mode].keys()];
  }

  /** Copies of the subject's entitlements in grant order. */
  entitlements(mode: LicenzyMode, subjectRef: string): MockEntitlement[] {
    return (this.subjects[mode].get(subjectRef) ?? []).map(copy);
  }

  /** The access decision: at least one usable entitlement in that mode. */
  isAllowed(mode: LicenzyMode, subjectRef: string, nowMs: number): boolean {
    return (this.subjects[mode].get(subjectRef) ?? []).some((entitlement) => isUsable(entitlement, nowMs));
  }

  /**
   * Takes `units` from the subject's usable usage packs, all or nothing. Packs expiring soonest are drawn first
   * (then oldest grant), so units that would lapse are used before units that would not.
   */
  consume(mode: LicenzyMode, subjectRef: string, units: number, nowMs: number): ConsumeOutcome {
    const packs = (this.subjects[mode].get(subjectRef) ?? [])
      .filter((entitlement) => entitlement.kind === 'usage_pack' && isUsable(entitlement, nowMs))
      .sort((a, b) => (a.expiresAt ?? Infinity) - (b.expiresAt ?? Infinity));
    const available = packs.reduce((sum, pack) => sum + (pack.usageRemaining ?? 0), 0);
    if (available < units) return { ok: false, available };
    let left = units;
    for (const pack of packs) {
      const taken = Math.min(left, pack.usageRemaining ?? 0);
      pack.usageRemaining = (pack.usageRemaining ?? 0) - taken;
      left -= taken;
    }
    return { ok: true, consumed: units, usageRemaining: available - units };
  }

  /**
   * Runs `compute` once per idempotency key and mode. A repeat with the same fingerprint gets the stored reply;
   * a repeat with another fingerprint gets `'conflict'`. Replies for which `keep` says false (failures) are not
   * stored, so a retry after the cause is fixed is evaluated afresh.
   */
  idempotent<T>(mode: LicenzyMode, key: string, fingerprint: string, compute: () => T, keep: (reply: T) => boolean): T | 'conflict' {
    const store = this.idempotency[mode];
    const seen = store.get(key);
    if (seen) return seen.fingerprint === fingerprint ? (structuredClone(seen.reply) as T) : 'conflict';
    const reply = compute();
    if (keep(reply)) store.set(key, { fingerprint, reply: structuredClone(reply) });
    return reply;
  }

  /** A fresh checkout attempt id such as `att_test_000001`. */
  nextAttemptId(mode: LicenzyMode): string {
    const id = `att_${mode}_${String(this.nextAttempt).padStart(6, '0')}`;
    this.nextAttempt += 1;
    return id;
  }

  /** Forgets every grant and idempotency key in both modes. */
  reset(): void {
    for (const mode of ['test', 'live'] as const) {
      this.subjects[mode].clear();
      this.idempotency[mode].clear();
    }
    this.nextId = 1;
    this.nextAttempt = 1;
  }
}

function checkSubject(subjectRef: unknown): void {
  if (typeof subjectRef !== 'string' || subjectRef === '') {
    throw new MockLicenzyConfigError('subjectRef', 'expected a non-empty string');
  }
}

function normalizeEntitlement(input: MockEntitlementInput, id: string, nowMs: number): MockEntitlement {
  if (input === null || typeof input !== 'object') throw new MockLicenzyConfigError('entitlement', 'expected an object');
  const { kind = 'subscription', status = 'active', expiresAt, usageRemaining } = input;
  if (!KINDS.includes(kind)) throw new MockLicenzyConfigError('entitlement.kind', `expected one of ${KINDS.join(', ')}`);
  if (typeof status !== 'string' || status === '') throw new MockLicenzyConfigError('entitlement.status', 'expected a non-empty string');
  if (usageRemaining !== undefined && (!Number.isSafeInteger(usageRemaining) || usageRemaining < 0)) {
    throw new MockLicenzyConfigError('entitlement.usageRemaining', `expected an integer >= 0, got ${String(usageRemaining)}`);
  }
  if (kind === 'usage_pack' && usageRemaining === undefined) {
    throw new MockLicenzyConfigError('entitlement.usageRemaining', 'is required for a usage_pack');
  }
  const extra = Object.fromEntries(Object.entries(input).filter(([name]) => !KNOWN_FIELDS.has(name)));
  return { id, kind, status, expiresAt: toEpochMs(expiresAt), usageRemaining: usageRemaining ?? null, grantedAt: nowMs, extra };
}

/**
 * Largest distance from the epoch, in ms, of a date JavaScript can represent (±100,000,000 days): past it `new Date(ms)`
 * is invalid and `toISOString()` throws, so an entitlement expiring at 1e300 would break every listing of its subject.
 * @example
 * isRepresentableDate(1e300); // false
 */
export const MAX_DATE_MS = 8.64e15;

/**
 * True for epoch milliseconds that make a valid `Date` (finite, within ±{@link MAX_DATE_MS}).
 * @example
 * isRepresentableDate(Date.now()); // true
 */
export function isRepresentableDate(ms: unknown): ms is number {
  return typeof ms === 'number' && Number.isFinite(ms) && Math.abs(ms) <= MAX_DATE_MS;
}

function toEpochMs(value: Date | string | number | undefined): number | null {
  if (value === undefined) return null;
  const ms = value instanceof Date ? value.getTime() : typeof value === 'string' ? Date.parse(value) : value;
  if (!isRepresentableDate(ms)) {
    throw new MockLicenzyConfigError('entitlement.expiresAt', `expected a valid Date, ISO date string or epoch milliseconds within ±${MAX_DATE_MS}`);
  }
  return ms;
}

function copy(entitlement: MockEntitlement): MockEntitlement {
  return { ...entitlement, extra: { ...entitlement.extra } };
}
