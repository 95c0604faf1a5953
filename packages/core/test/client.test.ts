import { createMockLicenzy, useLocalLicenzy, type LocalLicenzy } from '@licenzy-gate/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  LicenzyAuthError,
  LicenzyConfigError,
  LicenzyResponseError,
  LicenzyUnavailableError,
  createLicenzyClient,
  type LicenzyClientOptions,
} from '../src/index.js';

type Mock = LocalLicenzy['mock'];
const licenzy = useLocalLicenzy({ hooks: { beforeAll, afterAll, afterEach } });
const CHECK = 'POST /v1/access/check';

beforeEach(() => {
  licenzy.mock.reset();
});

/** Retries wait through a recorded, instant sleep: the policy is asserted, not the wall clock. */
function client(options: LicenzyClientOptions = {}) {
  const sleeps: number[] = [];
  const c = createLicenzyClient({
    apiKey: licenzy.mock.testKey,
    baseUrl: licenzy.mock.url,
    sleep: async (ms) => void sleeps.push(ms),
    random: () => 0.5,
    ...options,
  });
  return Object.assign(c, { sleeps });
}

/** Everything an error could expose, for secret scans. */
function dump(error: unknown): string {
  const e = error as Error & { cause?: unknown };
  return [String(e), e.message, e.stack, JSON.stringify(e), e.cause ? dump(e.cause) : ''].join('\n');
}

describe('checkAccess', () => {
  it('sends exactly {"subject_ref"} with bearer auth and JSON content type', async () => {
    const seen: { url: string; init: RequestInit }[] = [];
    const c = client({ fetch: (url, init) => (seen.push({ url, init }), fetch(url, init)) });
    licenzy.mock.grant('user_123');
    expect(await c.checkAccess('user_123')).toEqual({ subjectRef: 'user_123', allowed: true });
    expect(seen).toHaveLength(1);
    const { url, init } = seen[0]!;
    expect(url).toBe(`${licenzy.mock.url}/v1/access/check`);
    expect(init.method).toBe('POST');
    expect(init.body).toBe('{"subject_ref":"user_123"}');
    expect(init.redirect).toBe('manual');
    expect(init.headers).toMatchObject({ authorization: `Bearer ${licenzy.mock.testKey}`, 'content-type': 'application/json' });
    const logged = licenzy.mock.requests.at(-1)!;
    expect(logged.body).toEqual({ subject_ref: 'user_123' });
    expect(logged.headers['content-type']).toBe('application/json');
    expect(licenzy.mock.violations).toEqual([]);
  });

  it('answers denied for a subject without entitlement', async () => {
    expect(await client().checkAccess('nobody')).toEqual({ subjectRef: 'nobody', allowed: false });
  });

  it('derives mode from the key; test and live state are separate', async () => {
    licenzy.mock.grant('u', undefined, { mode: 'live' });
    const test = client();
    const live = client({ apiKey: licenzy.mock.liveKey });
    expect(test.mode).toBe('test');
    expect(live.mode).toBe('live');
    expect((await test.checkAccess('u')).allowed).toBe(false);
    expect((await live.checkAccess('u')).allowed).toBe(true);
  });

  it('reuses one keep-alive connection across calls', async () => {
    const before = licenzy.mock.connections;
    const c = client();
    for (let i = 0; i < 5; i++) await c.checkAccess(`u${i}`);
    expect(licenzy.mock.count(CHECK)).toBe(5);
    expect(licenzy.mock.connections - before).toBeLessThanOrEqual(1); // 0 when an earlier test left a pooled connection open
  });
});

describe('retries', () => {
  it.each([500, 502, 503, 504, 429])('retries HTTP %i and succeeds within the retry count', async (status) => {
    licenzy.mock.grant('u');
    licenzy.mock.fault({ type: 'status', status }, { times: 2, path: '/v1/access/check' });
    const c = client({ retries: 2 });
    expect(await c.checkAccess('u')).toEqual({ subjectRef: 'u', allowed: true });
    expect(licenzy.mock.count(CHECK)).toBe(3);
    expect(c.sleeps).toHaveLength(2);
  });

  it('stops after `retries` and reports the outage with the upstream status', async () => {
    licenzy.mock.fault({ type: 'status', status: 503 }, { path: '/v1/access/check' });
    const error = await client({ retries: 2 }).checkAccess('u').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LicenzyUnavailableError);
    expect(error).toMatchObject({ reason: 'status', upstreamStatus: 503, status: 503 });
    expect(licenzy.mock.count(CHECK)).toBe(3);
  });

  it('backs off exponentially with jitter, capped', async () => {
    licenzy.mock.fault({ type: 'status', status: 500 }, { path: '/v1/access/check' });
    const c = client({ retries: 4, retryBackoff: 100, random: () => 0.999 });
    await expect(c.checkAccess('u')).rejects.toBeInstanceOf(LicenzyUnavailableError);
    expect(c.sleeps.map(Math.round)).toEqual([100, 200, 400, 799]);
  });

  it('honours Retry-After up to maxRetryAfter', async () => {
    licenzy.mock.grant('u');
    licenzy.mock.fault({ type: 'status', status: 429, headers: { 'retry-after': '1' } }, { times: 1 });
    const c = client({ maxRetryAfter: 2_000 });
    expect((await c.checkAccess('u')).allowed).toBe(true);
    expect(c.sleeps).toEqual([1_000]);
  });

  it('does not wait out a Retry-After beyond the cap: fails at once and passes the hint on', async () => {
    licenzy.mock.fault({ type: 'status', status: 503, headers: { 'retry-after': '30' } }, { times: 1 });
    const c = client({ maxRetryAfter: 2_000 });
    const error = await c.checkAccess('u').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_LICENZY_UNAVAILABLE', retryAfter: 30, headers: { 'retry-after': '30' } });
    expect(licenzy.mock.count(CHECK)).toBe(1);
    expect(c.sleeps).toEqual([]);
  });

  it.each([401, 403])('never retries HTTP %i and reports it as a configuration error, not a denial', async (status) => {
    licenzy.mock.fault({ type: 'status', status, body: { error: 'invalid_api_key' } }, { times: 1 });
    const error = await client().checkAccess('u').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LicenzyAuthError);
    expect(error).toMatchObject({ upstreamCode: 'invalid_api_key', status: 500 });
    expect(licenzy.mock.count(CHECK)).toBe(1);
  });

  it('reports a key Licenzy does not know as an auth error', async () => {
    const error = await client({ apiKey: 'lz_test_example_unknown_key' }).checkAccess('u').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_LICENZY_AUTH', upstreamCode: 'invalid_api_key' });
  });

  it('retries a connection reset', async () => {
    licenzy.mock.grant('u');
    licenzy.mock.fault({ type: 'reset' }, { times: 1 });
    expect((await client().checkAccess('u')).allowed).toBe(true);
    expect(licenzy.mock.count(CHECK)).toBe(2);
  });

  it('times out a hung attempt and bounds all attempts by totalTimeout', async () => {
    licenzy.mock.fault({ type: 'hang' });
    const started = performance.now();
    const error = await client({ timeout: 40, retries: 10, totalTimeout: 100, sleep: undefined, retryBackoff: 1 })
      .checkAccess('u')
      .catch((e: unknown) => e);
    const elapsed = performance.now() - started;
    expect(error).toBeInstanceOf(LicenzyUnavailableError);
    expect((error as LicenzyUnavailableError).reason).toMatch(/timeout|budget/);
    expect(licenzy.mock.count(CHECK)).toBeLessThanOrEqual(3);
    expect(elapsed).toBeLessThan(100 + 150); // budget plus scheduling slack
  });

  it('times out a slow-dripping body (the attempt timeout covers the body)', async () => {
    licenzy.mock.grant('u');
    licenzy.mock.fault({ type: 'drip', intervalMs: 30, chunkBytes: 1 }, { times: 1 });
    const error = await client({ timeout: 60, retries: 0 }).checkAccess('u').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_LICENZY_UNAVAILABLE', reason: 'timeout' });
  });

  it('a consume retry reuses its idempotency key', async () => {
    licenzy.mock.grant('u', { kind: 'usage_pack', usageRemaining: 10 });
    licenzy.mock.fault({ type: 'status', status: 503 }, { times: 1, path: '/v1/usage/consume' });
    const result = await client().consumeUsage('u', 3, { idempotencyKey: 'order_42' });
    expect(result).toEqual({ ok: true, consumed: 3, usageRemaining: 7 });
    const keys = licenzy.mock.requests.filter((r) => r.path === '/v1/usage/consume').map((r) => r.headers['idempotency-key']);
    expect(keys).toEqual(['order_42', 'order_42']);
  });
});

describe('malformed answers are errors, never allowed', () => {
  const faults = [
    ['invalid JSON', { type: 'raw', body: '{"subject_ref":"u","allowed":' }],
    ['allowed as "true"', { type: 'allowed', value: 'true' }],
    ['allowed as 1', { type: 'allowed', value: 1 }],
    ['allowed as null', { type: 'allowed', value: null }],
    ['allowed missing', { type: 'allowed', value: '__omit__' }],
    ['an array body', { type: 'raw', body: '[{"subject_ref":"u","allowed":true}]' }],
    ['an empty body', { type: 'raw', body: '' }],
    ['a mismatched subject_ref', { type: 'subject', subjectRef: 'someone_else' }],
    ['an oversized body', { type: 'oversized', bytes: 200_000 }],
    ['a 404', { type: 'status', status: 404 }],
  ] as const;

  it.each(faults)('%s → LicenzyResponseError', async (_label, fault) => {
    licenzy.mock.grant('u');
    licenzy.mock.fault(fault as Parameters<Mock['fault']>[0], { times: 1 });
    const error = await client().checkAccess('u').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LicenzyResponseError);
    expect(licenzy.mock.count(CHECK)).toBe(1); // not retried: Licenzy answered, wrongly
  });

  it('does not follow a redirect (the key would travel with it)', async () => {
    const elsewhere = await createMockLicenzy();
    try {
      licenzy.mock.grant('u');
      licenzy.mock.fault({ type: 'redirect', location: `${elsewhere.url}/v1/access/check`, status: 307 }, { times: 1 });
      const error = await client().checkAccess('u').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LicenzyResponseError);
      expect(elsewhere.count()).toBe(0);
    } finally {
      await elsewhere.close();
    }
  });
});

describe('other endpoints', () => {
  it('getCustomerAccess percent-encodes the subject and parses leniently', async () => {
    const subject = '../a?b#c/ü';
    licenzy.mock.grant(subject, { kind: 'time_pass', expiresAt: '2999-01-01T00:00:00Z', note: 'kept' });
    const access = await client().getCustomerAccess(subject);
    expect(access).toMatchObject({ subjectRef: subject, hasAccess: true });
    expect(access.entitlements[0]).toMatchObject({ kind: 'time_pass', note: 'kept' });
    expect(licenzy.mock.requests.at(-1)!.path).toBe(`/v1/customer/access/${encodeURIComponent(subject)}`);
  });

  it('getEntitlements hits the encoded path and returns the body', async () => {
    licenzy.mock.grant('a/b');
    const body = await client().getEntitlements('a/b');
    expect(body.subject_ref).toBe('a/b');
    expect(licenzy.mock.requests.at(-1)!.path).toBe('/v1/entitlements/a%2Fb');
  });

  it('consumeUsage answers insufficient_usage as a result, not an error', async () => {
    licenzy.mock.grant('u', { kind: 'usage_pack', usageRemaining: 2 });
    expect(await client().consumeUsage('u', 5, { idempotencyKey: 'evt_1' })).toEqual({ ok: false, reason: 'insufficient_usage' });
  });

  it('consumeUsage demands an idempotency key and positive integer units', async () => {
    const c = client();
    await expect(c.consumeUsage('u', 1, { idempotencyKey: '' })).rejects.toThrow(/`idempotencyKey`/);
    await expect(c.consumeUsage('u', 0, { idempotencyKey: 'k' })).rejects.toThrow(/`units`/);
    expect(licenzy.mock.count()).toBe(0);
  });
});

describe('configuration and secrets', () => {
  it.each([
    ['timeout', { timeout: 0 }],
    ['retries', { retries: -1 }],
    ['totalTimeout', { totalTimeout: 'soon' }],
    ['maxResponseBytes', { maxResponseBytes: 1.5 }],
    ['fetch', { fetch: 'undici' }],
  ])('names the bad option %s', (option, bad) => {
    expect(() => createLicenzyClient({ apiKey: licenzy.mock.testKey, baseUrl: licenzy.mock.url, ...(bad as object) })).toThrow(
      expect.objectContaining({ option }) as LicenzyConfigError,
    );
  });

  it('reads LICENZY_API_KEY and LICENZY_API_URL by default', () => {
    const saved = { key: process.env.LICENZY_API_KEY, url: process.env.LICENZY_API_URL };
    process.env.LICENZY_API_KEY = 'lz_live_example_from_env';
    process.env.LICENZY_API_URL = licenzy.mock.url;
    try {
      expect(createLicenzyClient().mode).toBe('live');
    } finally {
      if (saved.key === undefined) delete process.env.LICENZY_API_KEY;
      else process.env.LICENZY_API_KEY = saved.key;
      if (saved.url === undefined) delete process.env.LICENZY_API_URL;
      else process.env.LICENZY_API_URL = saved.url;
    }
  });

  it('no error from any failure mode contains the key', async () => {
    const errors: unknown[] = [];
    const c = client({ timeout: 50, retries: 0 });
    for (const fault of [
      { type: 'status', status: 500, body: { error: `echo Bearer ${licenzy.mock.testKey}` } },
      { type: 'status', status: 401, body: { error: licenzy.mock.testKey } },
      { type: 'reset' },
      { type: 'hang' },
      { type: 'raw', body: `{"oops": "${licenzy.mock.testKey}"` },
      { type: 'subject', subjectRef: licenzy.mock.testKey },
    ] as const) {
      licenzy.mock.clearFaults();
      licenzy.mock.fault(fault as Parameters<Mock['fault']>[0]);
      errors.push(await c.checkAccess('u').catch((e: unknown) => e));
    }
    errors.push(await createLicenzyClient({ apiKey: licenzy.mock.testKey, baseUrl: 'http://127.0.0.1:1', retries: 0 }).checkAccess('u').catch((e: unknown) => e));
    expect(errors.every((e) => e instanceof Error)).toBe(true);
    for (const error of errors) expect(dump(error)).not.toContain(licenzy.mock.testKey);
  });
});

/** A real HTTP server on 127.0.0.1:0 whose every answer the test writes by hand (raw bytes, any status). */
async function rawLicenzy(answer: (body: string, res: import('node:http').ServerResponse) => void) {
  const { createServer } = await import('node:http');
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => answer(body, res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as import('node:net').AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

describe('regression: duplicate JSON member names never grant', () => {
  const bodies = [
    ['a later "allowed":true', '{"subject_ref":"u","allowed":false,"allowed":true}'],
    ['an escaped duplicate name', '{"subject_ref":"u","allowed":false,"\\u0061llowed":true}'],
    ['a leading subject_ref naming someone else', '{"subject_ref":"someone_else","allowed":true,"subject_ref":"u"}'],
    ['a duplicate deeper in the body', '{"subject_ref":"u","allowed":true,"meta":{"x":1,"x":2}}'],
    ['a duplicate inside an array of objects', '{"subject_ref":"u","allowed":true,"rows":[{"a":1},{"a":1,"a":2}]}'],
  ] as const;

  it.each(bodies)('%s → LicenzyResponseError, over real HTTP', async (_label, text) => {
    const server = await rawLicenzy((_body, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(text));
    try {
      const error = await client({ baseUrl: server.url }).checkAccess('u').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LicenzyResponseError);
      expect((error as Error).message).toMatch(/repeats a member name/);
    } finally {
      await server.close();
    }
  });

  it('still accepts the same names in sibling objects and arrays of strings', async () => {
    const text = '{"subject_ref":"u","allowed":true,"a":{"k":1},"b":{"k":2},"tags":["allowed","allowed"]}';
    const server = await rawLicenzy((_body, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(text));
    try {
      expect(await client({ baseUrl: server.url }).checkAccess('u')).toEqual({ subjectRef: 'u', allowed: true });
    } finally {
      await server.close();
    }
  });
});

describe('regression: the key is never echoed through an upstream error code', () => {
  // A key made only of [a-z_] passed the old "looks like a snake_case code" filter when Licenzy (or a proxy) echoed it.
  const snakeKey = 'lz_test_abcdefghijklmnop_qrstuvwxyz';

  it.each([401, 403])('HTTP %i whose `error` repeats the key → no upstreamCode, no key in message or dump', async (status) => {
    const server = await rawLicenzy((_body, res) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: snakeKey })));
    try {
      const error = await client({ apiKey: snakeKey, baseUrl: server.url }).checkAccess('u').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LicenzyAuthError);
      expect((error as LicenzyAuthError).upstreamCode).toBeUndefined();
      expect(dump(error)).not.toContain('abcdefghijklmnop');
    } finally {
      await server.close();
    }
  });

  it('passes on a documented code', async () => {
    const server = await rawLicenzy((_body, res) => res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"invalid_api_key"}'));
    try {
      const error = await client({ baseUrl: server.url }).checkAccess('u').catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'ERR_LICENZY_AUTH', upstreamCode: 'invalid_api_key' });
    } finally {
      await server.close();
    }
  });
});

describe('regression: timeouts do not trust the transport', () => {
  afterEach(() => vi.useRealTimers());

  it('a fetch that ignores the abort signal once headers arrived still times out at the attempt budget', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    // Headers arrive, then the body never ends and nothing listens to the signal.
    const stubborn = async () => new Response(new ReadableStream({ start: (c) => c.enqueue(new TextEncoder().encode('{"subject_ref":')) }), { status: 200 });
    const pending = client({ fetch: stubborn, timeout: 50, totalTimeout: 120, retries: 0 }).checkAccess('u').catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(50);
    const error = await pending;
    expect(error).toMatchObject({ code: 'ERR_LICENZY_UNAVAILABLE', reason: 'timeout' });
    expect((error as Error).message).toBe('Licenzy did not answer within 50 ms');
  });

  it('a fetch that never settles and ignores the signal still times out', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const never = () => new Promise<Response>(() => undefined);
    const pending = client({ fetch: never, timeout: 30, totalTimeout: 1000, retries: 0 }).checkAccess('u').catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(30);
    expect(await pending).toMatchObject({ code: 'ERR_LICENZY_UNAVAILABLE', reason: 'timeout' });
  });

  it('prints whole milliseconds in timeout messages', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const never = () => new Promise<Response>(() => undefined);
    const pending = client({ fetch: never, timeout: 33.3333, retries: 0 }).checkAccess('u').catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(34);
    expect((await pending as Error).message).toBe('Licenzy did not answer within 34 ms');
  });
});

describe('regression: one AbortSignal shared by many calls adds one listener', () => {
  it('50 concurrent calls on one signal raise no MaxListenersExceededWarning', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => void warnings.push(`${warning.name}: ${warning.message}`);
    process.on('warning', onWarning);
    try {
      licenzy.mock.grant('u');
      const controller = new AbortController();
      const c = client();
      await Promise.all(Array.from({ length: 50 }, () => c.checkAccess('u', { signal: controller.signal })));
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.filter((w) => w.includes('MaxListeners'))).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });
});
