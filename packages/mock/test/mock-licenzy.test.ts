// Tests the emulator end to end over real HTTP on 127.0.0.1: decisions, metering, faults, logging and lifecycle.
import { Agent, request as httpRequest } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMockLicenzy, DEFAULT_LIVE_KEY, DEFAULT_TEST_KEY, MockLicenzyConfigError, OMIT_FIELD, type MockLicenzy } from '../src/index.js';

let mock: MockLicenzy;
let clock: number;

beforeEach(async () => {
  clock = Date.parse('2026-01-01T00:00:00Z');
  mock = await createMockLicenzy({ now: () => clock });
});
afterEach(async () => {
  await mock.close();
});

const json = { 'content-type': 'application/json' };
const auth = (key: string = DEFAULT_TEST_KEY) => ({ authorization: `Bearer ${key}` });

async function post(path: string, body: unknown, headers: Record<string, string> = {}, init: RequestInit = {}) {
  const res = await fetch(`${mock.url}${path}`, {
    method: 'POST',
    headers: { ...auth(), ...json, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    ...init,
  });
  return { status: res.status, headers: res.headers, body: (await res.json().catch(() => undefined)) as Record<string, unknown> };
}

async function get(path: string, headers: Record<string, string> = auth()) {
  const res = await fetch(`${mock.url}${path}`, { headers });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const check = (subjectRef: string, key?: string) => post('/v1/access/check', { subject_ref: subjectRef }, auth(key));
const consume = (subjectRef: string, units: number, key: string) =>
  post('/v1/usage/consume', { subject_ref: subjectRef, units }, { 'idempotency-key': key });

describe('startup', () => {
  it('listens on 127.0.0.1 with an OS-chosen port and exposes the default keys', () => {
    expect(mock.url).toBe(`http://127.0.0.1:${mock.port}`);
    expect(mock.port).toBeGreaterThan(0);
    expect(mock.testKey).toBe(DEFAULT_TEST_KEY);
    expect(mock.liveKey).toBe(DEFAULT_LIVE_KEY);
  });

  it('rejects bad options with the option name', async () => {
    await expect(createMockLicenzy({ latency: -1 })).rejects.toThrow(MockLicenzyConfigError);
    await expect(createMockLicenzy({ keys: ['sk_nope'] })).rejects.toThrow(/keys\[0\]/);
  });

  it('throws from testKey when only live keys are accepted', async () => {
    const live = await createMockLicenzy({ keys: ['lz_live_only_one'] });
    try {
      expect(live.liveKey).toBe('lz_live_only_one');
      expect(() => live.testKey).toThrow(/no lz_test_ key/);
    } finally {
      await live.close();
    }
  });

  it('rejects with the listen error when the port is taken', async () => {
    await expect(createMockLicenzy({ port: mock.port })).rejects.toThrow(/EADDRINUSE/);
  });
});

describe('auth', () => {
  it('answers 401 missing_bearer_token without a bearer header, and records it as a violation', async () => {
    const res = await fetch(`${mock.url}/v1/access/check`, { method: 'POST', headers: json, body: '{"subject_ref":"u"}' });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: 'missing_bearer_token' });
    expect(mock.violations).toEqual(['POST /v1/access/check: no "Authorization: Bearer <key>" header']);
  });

  it('answers 401 missing_bearer_token for a non-Bearer scheme', async () => {
    const res = await post('/v1/access/check', { subject_ref: 'u' }, { authorization: `Basic ${DEFAULT_TEST_KEY}` });
    expect(res).toMatchObject({ status: 401, body: { error: 'missing_bearer_token' } });
  });

  it('answers 401 invalid_api_key for a key it does not accept, without calling it a violation', async () => {
    const res = await check('u', 'lz_test_example_rejected_key');
    expect(res).toMatchObject({ status: 401, body: { error: 'invalid_api_key' } });
    expect(mock.violations).toEqual([]);
  });

  it('checks auth on GET endpoints too', async () => {
    expect((await get('/v1/customer/access/u', {})).status).toBe(401);
    expect((await get('/v1/entitlements/u', auth('lz_live_wrong'))).body).toEqual({ error: 'invalid_api_key' });
  });
});

describe('POST /v1/access/check', () => {
  it('allows a granted subject and denies an unknown one', async () => {
    mock.grant('user_123');
    expect(await check('user_123')).toMatchObject({ status: 200, body: { subject_ref: 'user_123', allowed: true } });
    expect(await check('user_456')).toMatchObject({ status: 200, body: { subject_ref: 'user_456', allowed: false } });
  });

  it('keeps test and live state fully separate', async () => {
    mock.grant('t');
    mock.grant('l', {}, { mode: 'live' });
    expect((await check('t')).body.allowed).toBe(true);
    expect((await check('t', DEFAULT_LIVE_KEY)).body.allowed).toBe(false);
    expect((await check('l')).body.allowed).toBe(false);
    expect((await check('l', DEFAULT_LIVE_KEY)).body.allowed).toBe(true);
  });

  it('expires entitlements against the injected clock', async () => {
    mock.grant('u', { kind: 'time_pass', expiresAt: clock + 60_000 });
    expect((await check('u')).body.allowed).toBe(true);
    clock += 59_999;
    expect((await check('u')).body.allowed).toBe(true);
    clock += 1;
    expect((await check('u')).body.allowed).toBe(false);
  });

  it('denies a past_due subscription (refund or dispute)', async () => {
    mock.grant('u', { status: 'past_due' });
    expect((await check('u')).body.allowed).toBe(false);
  });

  it('allows while any one of several entitlements is usable', async () => {
    mock.grant('u', { status: 'past_due' });
    mock.grant('u', { kind: 'usage_pack', usageRemaining: 0 });
    expect((await check('u')).body.allowed).toBe(false);
    mock.grant('u', { kind: 'time_pass', expiresAt: new Date(clock + 1000) });
    expect((await check('u')).body.allowed).toBe(true);
  });

  it('denies after revoke, in that mode only', async () => {
    mock.grant('u');
    mock.grant('u', {}, { mode: 'live' });
    mock.revoke('u');
    expect((await check('u')).body.allowed).toBe(false);
    expect((await check('u', DEFAULT_LIVE_KEY)).body.allowed).toBe(true);
  });
});

describe('request validation and contract violations', () => {
  it.each([
    ['mode', { subject_ref: 'u', mode: 'test' }, /"mode" in the body/],
    ['product_code', { subject_ref: 'u', product_code: 'pro' }, /"product_code"/],
    ['an unknown field', { subject_ref: 'u', extra: 1 }, /unexpected field "extra"/],
    ['an empty subject_ref', { subject_ref: '' }, /non-empty string/],
    ['a numeric subject_ref', { subject_ref: 42 }, /non-empty string/],
    ['no subject_ref', {}, /non-empty string/],
  ])('answers 400 invalid_request and records a violation for %s on access/check', async (_name, body, message) => {
    expect(await post('/v1/access/check', body)).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
    expect(mock.violations).toHaveLength(1);
    expect(mock.violations[0]).toMatch(message);
  });

  it('rejects a non-JSON body and a JSON array', async () => {
    expect((await post('/v1/access/check', '{nope')).status).toBe(400);
    expect((await post('/v1/access/check', '[]')).status).toBe(400);
    expect(mock.violations).toEqual([
      'POST /v1/access/check: body is not a JSON object',
      'POST /v1/access/check: body is not a JSON object',
    ]);
  });

  it('rejects a POST without Content-Type: application/json but accepts a charset parameter', async () => {
    const bare = await fetch(`${mock.url}/v1/access/check`, { method: 'POST', headers: auth(), body: '{"subject_ref":"u"}' });
    expect(bare.status).toBe(400);
    expect(mock.violations[0]).toMatch(/Content-Type: application\/json/);
    const charset = await post('/v1/access/check', { subject_ref: 'u' }, { 'content-type': 'application/json; charset=utf-8' });
    expect(charset.status).toBe(200);
  });

  it('records mode in a query string as a violation', async () => {
    expect((await get('/v1/customer/access/u?mode=live')).status).toBe(400);
    expect(mock.violations[0]).toMatch(/"mode" in the query/);
  });

  it('answers 404 for unknown paths and 405 with Allow for wrong methods', async () => {
    expect(await get('/v2/access/check')).toEqual({ status: 404, body: { error: 'not_found' } });
    const wrong = await fetch(`${mock.url}/v1/access/check`, { headers: auth() });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST');
    expect(mock.violations).toHaveLength(2);
  });

  it('answers 413 for bodies over 64 KiB', async () => {
    const res = await post('/v1/access/check', { subject_ref: 'x'.repeat(70_000) });
    expect(res).toMatchObject({ status: 413, body: { error: 'payload_too_large' } });
    expect(mock.requests[0]?.status).toBe(413);
  });
});

describe('GET /v1/customer/access/:subject_ref', () => {
  it('summarizes entitlements with availability reasons and extra fields', async () => {
    mock.grant('user 1/ü', { kind: 'usage_pack', usageRemaining: 900, expiresAt: '2026-04-30T23:59:59Z', product_code: 'credits' });
    mock.grant('user 1/ü', { kind: 'time_pass', expiresAt: clock - 1 });
    const res = await get(`/v1/customer/access/${encodeURIComponent('user 1/ü')}`);
    expect(res).toEqual({
      status: 200,
      body: {
        subject_ref: 'user 1/ü',
        has_access: true,
        status: 'active',
        entitlements: [
          {
            kind: 'usage_pack',
            status: 'active',
            available: true,
            usage_remaining: 900,
            availability_reason: 'usage_pack_active',
            expires_at: '2026-04-30T23:59:59.000Z',
            product_code: 'credits',
          },
          {
            kind: 'time_pass',
            status: 'active',
            available: false,
            usage_remaining: null,
            availability_reason: 'expired',
            expires_at: '2025-12-31T23:59:59.999Z',
          },
        ],
      },
    });
  });

  it('reports past_due, usage_exhausted and inactive', async () => {
    mock.grant('disputed', { status: 'past_due' });
    mock.grant('empty', { kind: 'usage_pack', usageRemaining: 0 });
    const disputed = await get('/v1/customer/access/disputed');
    expect(disputed.body).toMatchObject({ has_access: false, status: 'past_due', entitlements: [{ availability_reason: 'past_due' }] });
    const empty = await get('/v1/customer/access/empty');
    expect(empty.body).toMatchObject({ has_access: false, status: 'inactive', entitlements: [{ availability_reason: 'usage_exhausted' }] });
    expect((await get('/v1/customer/access/nobody')).body).toEqual({ subject_ref: 'nobody', has_access: false, status: 'inactive', entitlements: [] });
  });

  it('rejects malformed percent-encoding', async () => {
    expect((await get('/v1/customer/access/%E0%A4%A')).status).toBe(400);
  });
});

describe('GET /v1/entitlements/:subject_ref', () => {
  it('lists rows with id and granted_at', async () => {
    mock.grant('u', { kind: 'subscription' });
    const res = await get('/v1/entitlements/u');
    expect(res.body).toEqual({
      subject_ref: 'u',
      entitlements: [
        {
          id: 'ent_test_000001',
          kind: 'subscription',
          status: 'active',
          available: true,
          usage_remaining: null,
          availability_reason: 'subscription_active',
          expires_at: null,
          granted_at: '2026-01-01T00:00:00.000Z',
        },
      ],
    });
  });
});

describe('POST /v1/usage/consume', () => {
  beforeEach(() => {
    mock.grant('u', { kind: 'usage_pack', usageRemaining: 10 });
  });

  it('consumes units and reports what is left', async () => {
    expect(await consume('u', 3, 'evt-1')).toMatchObject({ status: 200, body: { ok: true, consumed: 3, usage_remaining: 7 } });
    expect(mock.entitlements('u')[0]?.usageRemaining).toBe(7);
  });

  it('answers 409 insufficient_usage without consuming anything', async () => {
    expect(await consume('u', 11, 'evt-1')).toMatchObject({ status: 409, body: { error: 'insufficient_usage' } });
    expect(mock.entitlements('u')[0]?.usageRemaining).toBe(10);
    expect(mock.violations).toEqual([]);
  });

  it('replays the original answer for a repeated key and body', async () => {
    const first = await consume('u', 4, 'evt-1');
    const again = await consume('u', 4, 'evt-1');
    expect(again).toEqual({ ...first, headers: again.headers });
    expect(again.body).toEqual({ ok: true, consumed: 4, usage_remaining: 6 });
    expect(mock.entitlements('u')[0]?.usageRemaining).toBe(6);
  });

  it('rejects a reused key with a different body as 409 idempotency_key_conflict', async () => {
    await consume('u', 4, 'evt-1');
    expect(await consume('u', 5, 'evt-1')).toMatchObject({ status: 409, body: { error: 'idempotency_key_conflict' } });
    expect(mock.violations).toEqual(['POST /v1/usage/consume: Idempotency-Key reused with a different body']);
    expect(mock.entitlements('u')[0]?.usageRemaining).toBe(6);
  });

  it('re-evaluates a key whose first attempt ran out of units', async () => {
    expect((await consume('u', 15, 'evt-1')).status).toBe(409);
    mock.grant('u', { kind: 'usage_pack', usageRemaining: 10 });
    expect(await consume('u', 15, 'evt-1')).toMatchObject({ status: 200, body: { usage_remaining: 5 } });
  });

  it('never over-consumes under concurrent requests', async () => {
    const results = await Promise.all(Array.from({ length: 25 }, (_, i) => consume('u', 1, `evt-${i}`)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(10);
    expect(results.filter((r) => r.status === 409)).toHaveLength(15);
    expect(mock.entitlements('u')[0]?.usageRemaining).toBe(0);
  });

  it('requires an Idempotency-Key and rejects meter, mode and bad units', async () => {
    expect(await post('/v1/usage/consume', { subject_ref: 'u', units: 1 })).toMatchObject({ status: 400, body: { error: 'missing_idempotency_key' } });
    expect((await post('/v1/usage/consume', { subject_ref: 'u', units: 1, meter: 'api' }, { 'idempotency-key': 'k' })).status).toBe(400);
    expect((await post('/v1/usage/consume', { subject_ref: 'u', units: 1, mode: 'test' }, { 'idempotency-key': 'k' })).status).toBe(400);
    expect((await post('/v1/usage/consume', { subject_ref: 'u', units: 0 }, { 'idempotency-key': 'k' })).status).toBe(400);
    expect((await post('/v1/usage/consume', { subject_ref: 'u', units: 1.5 }, { 'idempotency-key': 'k' })).status).toBe(400);
    expect(mock.violations.map((v) => v.replace('POST /v1/usage/consume: ', ''))).toEqual([
      'no Idempotency-Key header',
      'sent "meter" (usage/consume takes only subject_ref and units)',
      'sent "mode" in the body (the key decides the mode)',
      'units must be a positive integer',
      'units must be a positive integer',
    ]);
    expect(mock.entitlements('u')[0]?.usageRemaining).toBe(10);
  });

  it('keeps idempotency keys per mode', async () => {
    mock.grant('u', { kind: 'usage_pack', usageRemaining: 10 }, { mode: 'live' });
    await consume('u', 2, 'evt-1');
    const live = await post('/v1/usage/consume', { subject_ref: 'u', units: 3 }, { ...auth(DEFAULT_LIVE_KEY), 'idempotency-key': 'evt-1' });
    expect(live.body).toEqual({ ok: true, consumed: 3, usage_remaining: 7 });
  });
});

describe('POST /v1/checkout/session', () => {
  it('creates an attempt idempotently, with the mode of the key', async () => {
    const body = { subject_ref: 'u', product_code: 'pro' };
    const first = await post('/v1/checkout/session', body, { 'idempotency-key': 'co-1' });
    expect(first).toMatchObject({
      status: 200,
      body: { attempt_id: 'att_test_000001', status: 'created', checkout_url: 'https://checkout.licenzy.invalid/att_test_000001', mode: 'test' },
    });
    expect((await post('/v1/checkout/session', body, { 'idempotency-key': 'co-1' })).body).toEqual(first.body);
    expect((await post('/v1/checkout/session', { ...body, product_code: 'max' }, { 'idempotency-key': 'co-1' })).status).toBe(409);
    expect((await post('/v1/checkout/session', body)).body).toEqual({ error: 'missing_idempotency_key' });
  });
});

describe('faults', () => {
  it('answers a status fault before auth, with headers and a default error body', async () => {
    mock.fault({ type: 'status', status: 503, headers: { 'retry-after': '1' } }, { times: 1 });
    const res = await post('/v1/access/check', { subject_ref: 'u' }, { authorization: 'Bearer lz_test_wrong' });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(res.body).toEqual({ error: 'service_unavailable' });
    expect((await check('u', 'lz_test_wrong')).status).toBe(401);
  });

  it('sends a custom status body JSON-encoded', async () => {
    mock.fault({ type: 'status', status: 401, body: { error: 'invalid_api_key' } }, { times: 1 });
    expect(await check('u')).toMatchObject({ status: 401, body: { error: 'invalid_api_key' } });
  });

  it('uses faults FIFO and exactly `times` times', async () => {
    mock.grant('u');
    mock.fault({ type: 'status', status: 500 }, { times: 2 });
    const later = mock.fault({ type: 'status', status: 429 }, { times: 1 });
    const statuses = [];
    for (let i = 0; i < 4; i += 1) statuses.push((await check('u')).status);
    expect(statuses).toEqual([500, 500, 429, 200]);
    expect(later.remaining).toBe(0);
  });

  it('only matches its path', async () => {
    mock.fault({ type: 'status', status: 502 }, { path: '/v1/customer/access/*' });
    mock.fault({ type: 'status', status: 504 }, { path: '/v1/usage/consume' });
    expect((await check('u')).status).toBe(200);
    expect((await get('/v1/customer/access/u')).status).toBe(502);
    expect((await consume('u', 1, 'k')).status).toBe(504);
  });

  it('can be removed, and cleared', async () => {
    const outage = mock.fault({ type: 'status', status: 503 });
    outage.remove();
    expect((await check('u')).status).toBe(200);
    mock.fault({ type: 'status', status: 503 });
    mock.clearFaults();
    expect((await check('u')).status).toBe(200);
  });

  it('still records violations of a faulted request, without touching state', async () => {
    mock.grant('u', { kind: 'usage_pack', usageRemaining: 5 });
    mock.fault({ type: 'status', status: 500 }, { times: 1 });
    expect((await post('/v1/usage/consume', { subject_ref: 'u', units: 1, meter: 'x' }, { 'idempotency-key': 'k' })).status).toBe(500);
    expect(mock.violations).toHaveLength(1);
    expect(mock.entitlements('u')[0]?.usageRemaining).toBe(5);
  });

  it('reset: the client sees a connection error', async () => {
    mock.fault({ type: 'reset' }, { times: 1 });
    await expect(check('u')).rejects.toThrow();
    expect(mock.requests[0]).toMatchObject({ path: '/v1/access/check', status: undefined });
    expect((await check('u')).status).toBe(200);
  });

  it('hang: the client times out with AbortSignal.timeout', async () => {
    mock.fault({ type: 'hang' }, { times: 1 });
    await expect(post('/v1/access/check', { subject_ref: 'u' }, {}, { signal: AbortSignal.timeout(50) })).rejects.toThrow(/aborted|timeout/i);
    expect(mock.requests[0]?.status).toBeUndefined();
  });

  it('delay: waits, then answers normally', async () => {
    mock.grant('u');
    mock.fault({ type: 'delay', ms: 30 }, { times: 1 });
    const started = performance.now();
    expect((await check('u')).body).toEqual({ subject_ref: 'u', allowed: true });
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
  });

  it('raw: sends the body verbatim', async () => {
    mock.fault({ type: 'raw', body: '{"allowed":' }, { times: 1 });
    const res = await fetch(`${mock.url}/v1/access/check`, { method: 'POST', headers: { ...auth(), ...json }, body: '{"subject_ref":"u"}' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.text()).toBe('{"allowed":');
    mock.fault({ type: 'raw', status: 202, body: 'hi', contentType: 'text/plain' }, { times: 1 });
    const text = await fetch(`${mock.url}/v1/access/check`, { method: 'POST', headers: { ...auth(), ...json }, body: '{"subject_ref":"u"}' });
    expect([text.status, text.headers.get('content-type'), await text.text()]).toEqual([202, 'text/plain', 'hi']);
  });

  it('drip: sends the normal answer in chunks', async () => {
    mock.grant('u');
    mock.fault({ type: 'drip', intervalMs: 1, chunkBytes: 8 }, { times: 1 });
    expect(await check('u')).toMatchObject({ status: 200, body: { subject_ref: 'u', allowed: true } });
    expect(mock.requests[0]?.status).toBe(200);
  });

  it('drip: a slow body can be abandoned by the client', async () => {
    mock.fault({ type: 'drip', body: '{"subject_ref":"u","allowed":true}', intervalMs: 20 }, { times: 1 });
    const res = await fetch(`${mock.url}/v1/access/check`, {
      method: 'POST',
      headers: { ...auth(), ...json },
      body: '{"subject_ref":"u"}',
      signal: AbortSignal.timeout(60),
    });
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toThrow();
  });

  it('oversized: a 200 JSON body of exactly the requested size', async () => {
    mock.fault({ type: 'oversized', bytes: 200_000 }, { times: 1 });
    const res = await fetch(`${mock.url}/v1/access/check`, { method: 'POST', headers: { ...auth(), ...json }, body: '{"subject_ref":"u"}' });
    const text = await res.text();
    expect(text).toHaveLength(200_000);
    expect(JSON.parse(text)).toMatchObject({ subject_ref: 'u', allowed: true });
  });

  it('subject and allowed: alter a normal answer', async () => {
    mock.fault({ type: 'subject', subjectRef: 'someone_else' }, { times: 1 });
    mock.fault({ type: 'allowed', value: 'true' }, { times: 1 });
    mock.fault({ type: 'allowed', value: OMIT_FIELD }, { times: 1 });
    expect((await check('u')).body).toEqual({ subject_ref: 'someone_else', allowed: false });
    expect((await check('u')).body).toEqual({ subject_ref: 'u', allowed: 'true' });
    expect((await check('u')).body).toEqual({ subject_ref: 'u' });
  });

  it('allowed: leaves error answers alone', async () => {
    mock.fault({ type: 'allowed', value: true }, { times: 1 });
    expect((await check('u', 'lz_test_wrong')).body).toEqual({ error: 'invalid_api_key' });
  });

  it('redirect: answers 302 with Location', async () => {
    mock.fault({ type: 'redirect', location: 'http://127.0.0.1:1/elsewhere' }, { times: 1 });
    const res = await post('/v1/access/check', { subject_ref: 'u' }, {}, { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('http://127.0.0.1:1/elsewhere');
  });

  it('rejects malformed faults with the field name', () => {
    expect(() => mock.fault({ type: 'status', status: 99 })).toThrow(/fault\.status/);
    expect(() => mock.fault({ type: 'hang' }, { times: 0 })).toThrow(/times/);
  });
});

describe('latency', () => {
  it('adds the configured latency before every answer', async () => {
    mock.setLatency(30);
    const started = performance.now();
    await check('u');
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
    expect(() => mock.setLatency(Number.NaN)).toThrow(MockLicenzyConfigError);
  });
});

describe('request log', () => {
  it('logs method, path, redacted headers, parsed body, mode, status and time', async () => {
    await check('u');
    await get('/v1/customer/access/u', auth(DEFAULT_LIVE_KEY));
    expect(mock.requests).toHaveLength(2);
    expect(mock.requests[0]).toMatchObject({
      method: 'POST',
      path: '/v1/access/check',
      body: { subject_ref: 'u' },
      mode: 'test',
      status: 200,
      at: clock,
    });
    expect(mock.requests[0]?.headers.authorization).toBe('Bearer lz_test_…redacted');
    expect(mock.requests[1]).toMatchObject({ method: 'GET', body: undefined, mode: 'live' });
    expect(mock.requests[1]?.headers.authorization).toBe('Bearer lz_live_…redacted');
  });

  it('never stores a full key, even a rejected one', async () => {
    await check('u');
    await check('u', DEFAULT_LIVE_KEY);
    await check('u', 'lz_test_rejected_secret_value');
    const logged = JSON.stringify(mock.requests);
    for (const key of [DEFAULT_TEST_KEY, DEFAULT_LIVE_KEY, 'lz_test_rejected_secret_value']) expect(logged).not.toContain(key);
  });

  it('counts per endpoint, per path and in total, and clears', async () => {
    await check('a');
    await check('b');
    await get('/v1/customer/access/a');
    await fetch(`${mock.url}/v1/access/check`, { headers: auth() });
    expect(mock.counts()).toEqual({ 'POST /v1/access/check': 2, 'GET /v1/customer/access/a': 1, 'GET /v1/access/check': 1 });
    expect(mock.count('POST /v1/access/check')).toBe(2);
    expect(mock.count('/v1/access/check')).toBe(3);
    expect(mock.count()).toBe(4);
    mock.clearLog();
    expect([mock.count(), mock.requests.length, mock.violations.length]).toEqual([0, 0, 0]);
  });

  it('caps the log at maxLoggedRequests while counts stay exact', async () => {
    const small = await createMockLicenzy({ maxLoggedRequests: 2 });
    try {
      for (const subject of ['a', 'b', 'c']) {
        await fetch(`${small.url}/v1/access/check`, { method: 'POST', headers: { ...auth(), ...json }, body: JSON.stringify({ subject_ref: subject }) });
      }
      expect(small.requests.map((r) => r.body)).toEqual([{ subject_ref: 'b' }, { subject_ref: 'c' }]);
      expect(small.count()).toBe(3);
    } finally {
      await small.close();
    }
  });
});

describe('reset', () => {
  it('clears entitlements, idempotency keys, faults, log and violations', async () => {
    mock.grant('u', { kind: 'usage_pack', usageRemaining: 5 });
    await consume('u', 1, 'k');
    await post('/v1/access/check', { subject_ref: 'u', mode: 'test' });
    mock.fault({ type: 'status', status: 503 });
    mock.reset();
    expect([mock.requests.length, mock.violations.length, mock.count()]).toEqual([0, 0, 0]);
    expect((await check('u')).body.allowed).toBe(false);
    mock.grant('u', { kind: 'usage_pack', usageRemaining: 5 });
    expect((await consume('u', 2, 'k')).body).toEqual({ ok: true, consumed: 2, usage_remaining: 3 });
  });
});

describe('connections', () => {
  const viaAgent = (agent: Agent) =>
    new Promise<void>((resolve, reject) => {
      httpRequest(`${mock.url}/v1/entitlements/u`, { agent, headers: auth() }, (res) => {
        res.resume();
        res.on('end', resolve);
      }).on('error', reject).end();
    });

  it('keeps connections alive for a keep-alive client', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    for (let i = 0; i < 3; i += 1) await viaAgent(agent);
    agent.destroy();
    expect(mock.connections).toBe(1);
  });

  // Global fetch (undici) frees a socket one macrotask after the body resolves; a fetch issued in the same
  // tick opens a second connection, which says nothing about the server.
  it('lets sequential fetches share one connection', async () => {
    await check('a');
    await new Promise((resolve) => setImmediate(resolve));
    await check('b');
    await new Promise((resolve) => setImmediate(resolve));
    await get('/v1/customer/access/a');
    expect(mock.connections).toBe(1);
  });

  it('counts a new connection per non-keep-alive client request', async () => {
    const agent = new Agent({ keepAlive: false });
    for (let i = 0; i < 2; i += 1) await viaAgent(agent);
    expect(mock.connections).toBe(2);
  });
});

describe('close', () => {
  it('finishes promptly with a hung request open, and is idempotent', async () => {
    mock.fault({ type: 'hang' });
    const pending = check('u').catch((err: unknown) => err);
    while (mock.count() === 0) await new Promise((resolve) => setImmediate(resolve));
    const started = performance.now();
    await mock.close();
    expect(performance.now() - started).toBeLessThan(1000);
    expect(await pending).toBeInstanceOf(Error);
    await mock.close();
  });

  it('cuts a delay fault short', async () => {
    mock.fault({ type: 'delay', ms: 60_000 });
    const pending = check('u').catch((err: unknown) => err);
    while (mock.count() === 0) await new Promise((resolve) => setImmediate(resolve));
    await mock.close();
    expect(await pending).toBeInstanceOf(Error);
  });
});
