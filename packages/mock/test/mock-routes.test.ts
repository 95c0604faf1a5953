// Tests routing, validation order and answers of the emulated endpoints, without HTTP.
import { describe, expect, it } from 'vitest';
import type { MockMode } from '../src/mock-options.js';
import { modeOfCall, planCall, type IncomingCall, type RouteContext } from '../src/mock-routes.js';
import { MockState } from '../src/mock-state.js';

const TEST_KEY = 'lz_test_routes';
const keys = new Map<string, MockMode>([[TEST_KEY, 'test'], ['lz_live_routes', 'live']]);

function setup() {
  const violations: string[] = [];
  const context: RouteContext = { state: new MockState(), keys, now: () => 0, violation: (m) => violations.push(m) };
  return { context, violations };
}

function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}, query = ''): IncomingCall {
  return {
    method,
    path,
    query: new URLSearchParams(query),
    headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json', ...headers },
    bodyText: body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body),
  };
}

describe('planCall', () => {
  it('checks the path before auth', () => {
    const { context, violations } = setup();
    const plan = planCall(call('GET', '/nope', undefined, { authorization: '' }), context);
    expect(plan.answer()).toEqual({ status: 404, body: { error: 'not_found' } });
    expect(violations).toEqual(['GET /nope: no such endpoint in the Licenzy contract']);
  });

  it('does not treat nested or empty subject segments as the route', () => {
    const { context } = setup();
    expect(planCall(call('GET', '/v1/customer/access/a/b'), context).answer().status).toBe(404);
    expect(planCall(call('GET', '/v1/customer/access/'), context).answer().status).toBe(404);
  });

  it('reports every problem but answers the first', () => {
    const { context, violations } = setup();
    const plan = planCall(call('POST', '/v1/usage/consume', { subject_ref: '', units: -1, meter: 'm' }, { 'content-type': 'text/plain' }), context);
    expect(plan.answer()).toEqual({ status: 400, body: { error: 'invalid_request' } });
    expect(violations).toHaveLength(5);
    expect(violations.every((v) => v.startsWith('POST /v1/usage/consume: '))).toBe(true);
  });

  it('records violations while planning but changes state only when answering', () => {
    const { context } = setup();
    context.state.grant('test', 'u', { kind: 'usage_pack', usageRemaining: 3 }, 0);
    const plan = planCall(call('POST', '/v1/usage/consume', { subject_ref: 'u', units: 2 }, { 'idempotency-key': 'k' }), context);
    expect(plan).toMatchObject({ mode: 'test', subjectRef: 'u' });
    expect(context.state.entitlements('test', 'u')[0]?.usageRemaining).toBe(3);
    expect(plan.answer()).toEqual({ status: 200, body: { ok: true, consumed: 2, usage_remaining: 1 } });
  });

  it('decodes the subject segment', () => {
    const { context } = setup();
    const plan = planCall(call('GET', `/v1/entitlements/${encodeURIComponent('a/b c')}`), context);
    expect(plan.subjectRef).toBe('a/b c');
    expect(plan.answer().body).toEqual({ subject_ref: 'a/b c', entitlements: [] });
  });

  it('accepts a case-insensitive Bearer scheme', () => {
    const { context } = setup();
    const plan = planCall(call('POST', '/v1/access/check', { subject_ref: 'u' }, { authorization: `bearer ${TEST_KEY}` }), context);
    expect(plan.answer()).toEqual({ status: 200, body: { subject_ref: 'u', allowed: false } });
  });

  it('ignores Content-Type on GET', () => {
    const { context, violations } = setup();
    expect(planCall(call('GET', '/v1/entitlements/u', undefined, { 'content-type': '' }), context).answer().status).toBe(200);
    expect(violations).toEqual([]);
  });
});

describe('modeOfCall', () => {
  it('reads the mode of an accepted key only', () => {
    expect(modeOfCall(call('GET', '/'), keys)).toBe('test');
    expect(modeOfCall(call('GET', '/', undefined, { authorization: 'Bearer lz_live_routes' }), keys)).toBe('live');
    expect(modeOfCall(call('GET', '/', undefined, { authorization: 'Bearer lz_live_unknown' }), keys)).toBeUndefined();
  });
});
