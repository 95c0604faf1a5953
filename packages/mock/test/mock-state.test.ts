// Tests grants, decisions, metering and idempotency of the emulator state, without HTTP.
import { describe, expect, it } from 'vitest';
import { MockLicenzyConfigError } from '../src/mock-config-error.js';
import { availabilityOf, isUsable, MockState } from '../src/mock-state.js';

const NOW = Date.parse('2026-01-01T00:00:00Z');

describe('MockState.grant', () => {
  it('defaults to an active subscription without expiry and keeps extra fields apart', () => {
    const state = new MockState();
    expect(state.grant('test', 'u', { plan: 'pro' }, NOW)).toEqual({
      id: 'ent_test_000001',
      kind: 'subscription',
      status: 'active',
      expiresAt: null,
      usageRemaining: null,
      grantedAt: NOW,
      extra: { plan: 'pro' },
    });
  });

  it('accepts Date, ISO string and epoch expiries', () => {
    const state = new MockState();
    const iso = '2026-02-01T00:00:00.000Z';
    for (const expiresAt of [new Date(iso), iso, Date.parse(iso)]) {
      expect(state.grant('test', 'u', { expiresAt }, NOW).expiresAt).toBe(Date.parse(iso));
    }
  });

  it.each([
    ['subjectRef', '', {}],
    ['entitlement.kind', 'u', { kind: 'lifetime' as never }],
    ['entitlement.status', 'u', { status: '' }],
    ['entitlement.expiresAt', 'u', { expiresAt: 'soon' }],
    ['entitlement.usageRemaining', 'u', { kind: 'usage_pack' as const }],
    ['entitlement.usageRemaining', 'u', { kind: 'usage_pack' as const, usageRemaining: -1 }],
  ])('rejects a bad %s', (option, subject, input) => {
    expect(() => new MockState().grant('test', subject, input, NOW)).toThrow(expect.objectContaining({ option }));
    expect(() => new MockState().grant('test', subject, input, NOW)).toThrow(MockLicenzyConfigError);
  });

  it('returns copies, so callers cannot edit the state', () => {
    const state = new MockState();
    state.grant('test', 'u', { kind: 'usage_pack', usageRemaining: 5 }, NOW).usageRemaining = 0;
    const [copy] = state.entitlements('test', 'u');
    if (copy) copy.usageRemaining = 0;
    expect(state.isAllowed('test', 'u', NOW)).toBe(true);
  });
});

describe('availabilityOf', () => {
  const base = { id: 'e', kind: 'subscription' as const, status: 'active', expiresAt: null, usageRemaining: null, grantedAt: 0, extra: {} };
  it.each([
    [{}, 'subscription_active'],
    [{ kind: 'time_pass' as const }, 'time_pass_active'],
    [{ status: 'past_due' }, 'past_due'],
    [{ status: 'canceled' }, 'inactive_status'],
    [{ expiresAt: NOW }, 'expired'],
    [{ expiresAt: NOW + 1 }, 'subscription_active'],
    [{ kind: 'usage_pack' as const, usageRemaining: 0 }, 'usage_exhausted'],
    [{ kind: 'usage_pack' as const, usageRemaining: 1 }, 'usage_pack_active'],
    [{ status: 'past_due', expiresAt: 0 }, 'past_due'],
  ])('%o is %s', (patch, reason) => {
    const entitlement = { ...base, ...patch };
    expect(availabilityOf(entitlement, NOW)).toBe(reason);
    expect(isUsable(entitlement, NOW)).toBe(reason.endsWith('_active'));
  });
});

describe('MockState decisions', () => {
  it('separates modes and revokes per mode', () => {
    const state = new MockState();
    state.grant('live', 'u', {}, NOW);
    expect(state.isAllowed('test', 'u', NOW)).toBe(false);
    expect(state.isAllowed('live', 'u', NOW)).toBe(true);
    state.revoke('test', 'u');
    expect(state.isAllowed('live', 'u', NOW)).toBe(true);
    state.revoke('live', 'u');
    expect(state.isAllowed('live', 'u', NOW)).toBe(false);
  });
});

describe('MockState.consume', () => {
  it('draws from the pack expiring soonest and is all or nothing', () => {
    const state = new MockState();
    state.grant('test', 'u', { kind: 'usage_pack', usageRemaining: 5 }, NOW);
    state.grant('test', 'u', { kind: 'usage_pack', usageRemaining: 3, expiresAt: NOW + 1000 }, NOW);
    state.grant('test', 'u', { kind: 'usage_pack', usageRemaining: 100, expiresAt: NOW - 1 }, NOW);
    expect(state.consume('test', 'u', 9, NOW)).toEqual({ ok: false, available: 8 });
    expect(state.consume('test', 'u', 4, NOW)).toEqual({ ok: true, consumed: 4, usageRemaining: 4 });
    expect(state.entitlements('test', 'u').map((e) => e.usageRemaining)).toEqual([4, 0, 100]);
  });

  it('ignores packs that are not active', () => {
    const state = new MockState();
    state.grant('test', 'u', { kind: 'usage_pack', usageRemaining: 5, status: 'past_due' }, NOW);
    expect(state.consume('test', 'u', 1, NOW)).toEqual({ ok: false, available: 0 });
  });
});

describe('MockState.idempotent', () => {
  it('replays kept replies, re-runs dropped ones, and reports conflicts', () => {
    const state = new MockState();
    let runs = 0;
    const run = (fingerprint: string, result: string) => state.idempotent('test', 'k', fingerprint, () => ((runs += 1), result), (r) => r === 'ok');
    expect(run('a', 'fail')).toBe('fail');
    expect(run('a', 'ok')).toBe('ok');
    expect(run('a', 'other')).toBe('ok');
    expect(run('b', 'ok')).toBe('conflict');
    expect(runs).toBe(2);
    expect(state.idempotent('live', 'k', 'b', () => 'live', () => true)).toBe('live');
  });

  it('forgets everything on reset, including id sequences', () => {
    const state = new MockState();
    state.grant('test', 'u', {}, NOW);
    state.idempotent('test', 'k', 'a', () => 1, () => true);
    expect(state.nextAttemptId('test')).toBe('att_test_000001');
    state.reset();
    expect(state.isAllowed('test', 'u', NOW)).toBe(false);
    expect(state.idempotent('test', 'k', 'b', () => 2, () => true)).toBe(2);
    expect(state.grant('test', 'u', {}, NOW).id).toBe('ent_test_000001');
    expect(state.nextAttemptId('live')).toBe('att_live_000001');
  });
});

describe('MockState.refund and dispute', () => {
  it('refunds per kind: a pass expires now (an earlier expiry is kept), a pack drops to 0, a subscription is past_due', () => {
    const state = new MockState();
    state.grant('test', 'u', { kind: 'time_pass', expiresAt: NOW + 60_000 }, NOW);
    state.grant('test', 'u', { kind: 'time_pass', expiresAt: NOW - 1 }, NOW);
    state.grant('test', 'u', { kind: 'usage_pack', usageRemaining: 7 }, NOW);
    state.grant('test', 'u', {}, NOW);
    state.grant('live', 'u', {}, NOW);
    const after = state.refund('test', 'u', NOW);
    expect(after.map((e) => [e.kind, e.status, e.expiresAt, e.usageRemaining])).toEqual([
      ['time_pass', 'active', NOW, null],
      ['time_pass', 'active', NOW - 1, null],
      ['usage_pack', 'active', null, 0],
      ['subscription', 'past_due', null, null],
    ]);
    expect(after.map((e) => availabilityOf(e, NOW))).toEqual(['expired', 'expired', 'usage_exhausted', 'past_due']);
    expect(state.isAllowed('test', 'u', NOW)).toBe(false);
    // The other mode is untouched.
    expect(state.isAllowed('live', 'u', NOW)).toBe(true);
  });

  it('marks every entitlement past_due on a dispute, and does nothing for unknown subjects', () => {
    const state = new MockState();
    state.grant('test', 'u', {}, NOW);
    state.grant('test', 'u', { kind: 'usage_pack', usageRemaining: 3 }, NOW);
    expect(state.dispute('test', 'u').map((e) => e.status)).toEqual(['past_due', 'past_due']);
    expect(state.isAllowed('test', 'u', NOW)).toBe(false);
    expect(state.dispute('test', 'nobody')).toEqual([]);
    expect(state.refund('test', 'nobody', NOW)).toEqual([]);
    expect(() => state.refund('test', '', NOW)).toThrow(MockLicenzyConfigError);
  });

  it('lists subjects per mode in first-grant order', () => {
    const state = new MockState();
    state.grant('test', 'b', {}, NOW);
    state.grant('test', 'a', {}, NOW);
    state.grant('test', 'b', {}, NOW);
    state.grant('live', 'c', {}, NOW);
    expect(state.subjectRefs('test')).toEqual(['b', 'a']);
    expect(state.subjectRefs('live')).toEqual(['c']);
    state.revoke('test', 'b');
    expect(state.subjectRefs('test')).toEqual(['a']);
  });
});

describe('MockState.topUp', () => {
  it('regression (issue 22): "Add units" tops up the spent pack instead of adding a second pack row', () => {
    const state = new MockState();
    const pack = state.grant('test', 'u', { kind: 'usage_pack', usageRemaining: 2 }, NOW);
    expect(state.consume('test', 'u', 2, NOW)).toMatchObject({ ok: true, usageRemaining: 0 });
    expect(state.topUp('test', 'u', 100, NOW)).toEqual({ entitlement: expect.objectContaining({ id: pack.id, usageRemaining: 100 }), created: false });
    expect(state.entitlements('test', 'u')).toHaveLength(1);
    expect(state.isAllowed('test', 'u', NOW)).toBe(true);
  });

  it('tops up the latest usable pack, skips expired or inactive ones, and grants a pack when there is none', () => {
    const state = new MockState();
    state.grant('test', 'u', { kind: 'subscription' }, NOW);
    expect(state.topUp('test', 'u', 5, NOW)).toMatchObject({ created: true, entitlement: { kind: 'usage_pack', usageRemaining: 5 } });
    const expired = state.grant('test', 'v', { kind: 'usage_pack', usageRemaining: 1, expiresAt: NOW - 1 }, NOW);
    const pastDue = state.grant('test', 'v', { kind: 'usage_pack', usageRemaining: 1, status: 'past_due' }, NOW);
    const usable = state.grant('test', 'v', { kind: 'usage_pack', usageRemaining: 3 }, NOW);
    expect(state.topUp('test', 'v', 7, NOW).entitlement).toMatchObject({ id: usable.id, usageRemaining: 10 });
    expect(state.entitlements('test', 'v').map((e) => [e.id, e.usageRemaining])).toEqual([[expired.id, 1], [pastDue.id, 1], [usable.id, 10]]);
    expect(state.topUp('live', 'v', 1, NOW).created).toBe(true); // modes stay apart
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses %s units, naming units', (units) => {
    expect(() => new MockState().topUp('test', 'u', units, NOW)).toThrow(MockLicenzyConfigError);
    expect(() => new MockState().topUp('test', 'u', units, NOW)).toThrow(/units/);
  });
});
