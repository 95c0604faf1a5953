// The metered-route (requireUsage) behaviour every adapter shares, written once: each adapter's test file supplies a
// harness that mounts routes in its framework, and runs this suite over real HTTP against the mock Licenzy.
import { channel } from 'node:diagnostics_channel';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CHANNELS, createAccessGate, type LicenzyGate, type UsageEvent } from '@licenzy-gate/core';
import { createMockLicenzy, fetchJson, uniqueSubject, type MockLicenzy } from '@licenzy-gate/testing';

/** One route the harness mounts, all on the gate passed to `start`, behind the demo auth (`x-demo-user`). */
export interface MeteredRoute {
  method: 'GET' | 'POST';
  path: string;
  /** `requireUsage`'s `units`: a number, or computed from the request's query string. */
  units: number | ((query: URLSearchParams) => number);
  charge?: 'before' | 'after';
  onUnavailable?: 'allow';
  delegateErrors?: boolean;
  /** An `onExhausted` hook that answers 402 `{ "buy": "/pricing" }`. */
  pricingHook?: boolean;
  /** `requireAccess()` in front of `requireUsage()`, on the same gate. */
  access?: boolean;
  /**
   * The handler: `echo` answers `{ usage, subjectRef }` from the framework's decision property (the default),
   * `decision` answers that whole decision, `fail` answers 500.
   */
  handler?: 'echo' | 'decision' | 'fail';
  /** Counts the handler's runs. */
  runs?: { count: number };
}

/**
 * How an adapter's tests mount metered routes. The app must also parse JSON bodies (so the idempotency key can be
 * bound to the body), and answer an error handed to the framework (`delegateErrors`) with its `status` and
 * `{ "caught": error.code }`. Resolves with the app's base URL and a way to close it.
 */
export interface MeteredHarness {
  start(gate: LicenzyGate, routes: MeteredRoute[]): Promise<{ url: string; close(): Promise<void> }>;
}

const CONSUME = 'POST /v1/usage/consume';

/** Resolves with the next `licenzy-gate:usage` event of `type` for `subject`. */
export function nextUsageEvent(subject: string, type: UsageEvent['type']): Promise<UsageEvent> {
  return new Promise((resolve) => {
    const listener = (message: unknown) => {
      const event = message as UsageEvent;
      if (event.subjectRef !== subject || event.type !== type) return;
      channel(CHANNELS.usage).unsubscribe(listener);
      resolve(event);
    };
    channel(CHANNELS.usage).subscribe(listener);
  });
}

/** Registers the shared metered-route tests for one adapter (call inside a `describe`). */
export function meteredRouteSuite(harness: MeteredHarness, prefix: string): void {
  let mock: MockLicenzy;
  const open: Array<{ close(): Promise<void> }> = [];
  beforeAll(async () => {
    mock = await createMockLicenzy();
  });
  afterAll(async () => {
    await mock?.close();
  });
  afterEach(async () => {
    mock.clearFaults();
    await Promise.all(open.splice(0).map((app) => app.close()));
  });

  const subjectFor = (name: string) => uniqueSubject(`${prefix}_usage_${name}`);
  const quiet = { warn: () => undefined, error: () => undefined };
  const mockGate = (extra: Parameters<typeof createAccessGate>[0] = {}) =>
    createAccessGate({ apiKey: mock.testKey, baseUrl: mock.url, retries: 0, circuitBreaker: false, freshInterval: 0, logger: quiet, ...extra });
  const remaining = (subject: string) => mock.entitlements(subject).reduce((sum, e) => sum + (e.usageRemaining ?? 0), 0);
  const start = async (routes: MeteredRoute[], gate = mockGate()) => {
    const app = await harness.start(gate, routes);
    open.push(app);
    return app.url;
  };
  const request = (url: string, user?: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    if (user !== undefined) headers.set('x-demo-user', user);
    return fetchJson(url, { ...init, headers });
  };

  // Exact charges under concurrency and key conflicts (409): usageConformanceCases (each conformance.test.ts).

  it('puts { units, consumed, remaining, source } on the decision as `usage`', async () => {
    const subject = subjectFor('shape');
    mock.grant(subject, { kind: 'usage_pack', usageRemaining: 10 });
    const url = await start([{ method: 'GET', path: '/api/export', units: 3 }]);
    const reply = await request(`${url}/api/export`, subject);
    expect(reply.json).toEqual({ subjectRef: subject, usage: { units: 3, consumed: 3, remaining: 7, source: 'licenzy' } });
  });

  it('charges a client retry with the same Idempotency-Key once', async () => {
    const subject = subjectFor('retry');
    mock.grant(subject, { kind: 'usage_pack', usageRemaining: 10 });
    const runs = { count: 0 };
    const url = await start([{ method: 'POST', path: '/api/report', units: 2, runs }]);
    const send = (key: string, body: unknown) =>
      request(`${url}/api/report`, subject, { method: 'POST', headers: { 'idempotency-key': key, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await send('click-1', { q: 'a' })).status).toBe(200);
    expect((await send('click-1', { q: 'a' })).status).toBe(200);
    expect(remaining(subject)).toBe(8);
    expect(runs.count).toBe(2);
    // The same client key on a different body is a different event: charged.
    expect((await send('click-1', { q: 'b' })).status).toBe(200);
    expect(remaining(subject)).toBe(6);
  });

  it("never lets a client key name another user's event: each user is charged for their own", async () => {
    const alice = subjectFor('alice');
    const bob = subjectFor('bob');
    mock.grant(alice, { kind: 'usage_pack', usageRemaining: 5 });
    mock.grant(bob, { kind: 'usage_pack', usageRemaining: 5 });
    const url = await start([{ method: 'POST', path: '/api/report', units: 1 }]);
    const headers = { 'idempotency-key': 'shared-key' };
    expect((await request(`${url}/api/report`, alice, { method: 'POST', headers })).status).toBe(200);
    expect((await request(`${url}/api/report`, bob, { method: 'POST', headers })).status).toBe(200);
    expect([remaining(alice), remaining(bob)]).toEqual([4, 4]);
    // …nor skip a charge on another URL.
    expect((await request(`${url}/api/report?page=2`, alice, { method: 'POST', headers })).status).toBe(200);
    expect(remaining(alice)).toBe(3);
  });

  it("charges once when Licenzy answers 503 and the gate's retry succeeds", async () => {
    const subject = subjectFor('503');
    mock.grant(subject, { kind: 'usage_pack', usageRemaining: 10 });
    mock.fault({ type: 'status', status: 503 }, { times: 1, path: '/v1/usage/consume' });
    const url = await start([{ method: 'POST', path: '/api/report', units: 1 }], mockGate({ retries: 1, retryBackoff: 0 }));
    const before = mock.count(CONSUME);
    expect((await request(`${url}/api/report`, subject, { method: 'POST' })).status).toBe(200);
    expect(mock.count(CONSUME) - before).toBe(2);
    expect(remaining(subject)).toBe(9);
  });

  it('charges once when the first answer is lost (timeout) and the retry reuses the key', async () => {
    const subject = subjectFor('lost');
    mock.grant(subject, { kind: 'usage_pack', usageRemaining: 10 });
    // The first attempt is charged at the mock but answered too late; the retry must replay, not charge again.
    mock.fault({ type: 'delay', ms: 400 }, { times: 1, path: '/v1/usage/consume' });
    const url = await start([{ method: 'POST', path: '/api/report', units: 1 }], mockGate({ retries: 1, retryBackoff: 0, timeout: 150 }));
    expect((await request(`${url}/api/report`, subject, { method: 'POST' })).status).toBe(200);
    await expect.poll(() => mock.activeFaults().length).toBe(0);
    expect(remaining(subject)).toBe(9);
  });

  it.each([
    ['a 2xx without consumed', { type: 'raw', body: '{"ok":true}' }, 503],
    ['ok as a string', { type: 'raw', body: '{"ok":"true","consumed":1}' }, 503],
    ['a repeated member', { type: 'raw', body: '{"ok":false,"ok":true,"consumed":1,"usage_remaining":9}' }, 503],
    ['not JSON', { type: 'raw', body: 'charged' }, 503],
    ['a 409 with another code', { type: 'status', status: 409, body: { error: 'something_else' } }, 409],
    ['a 404', { type: 'status', status: 404 }, 503],
    ['our key rejected', { type: 'status', status: 401, body: { error: 'invalid_api_key' } }, 500],
  ] as const)("never runs the handler for free, even with onUnavailable: 'allow', when consume answers %s", async (_name, fault, status) => {
    const subject = subjectFor('nonsense');
    mock.grant(subject, { kind: 'usage_pack', usageRemaining: 10 });
    mock.fault(fault as Parameters<MockLicenzy['fault']>[0], { path: '/v1/usage/consume' });
    const runs = { count: 0 };
    const url = await start([{ method: 'POST', path: '/api/report', units: 1, onUnavailable: 'allow', runs }]);
    const reply = await request(`${url}/api/report`, subject, { method: 'POST' });
    expect(reply.status).toBe(status);
    expect(runs.count).toBe(0);
  });

  it('answers 503 with Retry-After when consume hangs, bounded by the timeout, and never runs the handler', async () => {
    const subject = subjectFor('hang');
    mock.grant(subject, { kind: 'usage_pack', usageRemaining: 10 });
    mock.fault({ type: 'hang' }, { path: '/v1/usage/consume' });
    const runs = { count: 0 };
    const url = await start([{ method: 'POST', path: '/api/report', units: 1, runs }], mockGate({ timeout: 200, totalTimeout: 300 }));
    const started = performance.now();
    const reply = await request(`${url}/api/report`, subject, { method: 'POST' });
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(reply.status).toBe(503);
    expect(reply.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(reply.json).toMatchObject({ code: 'access_unavailable' });
    expect(runs.count).toBe(0);
  });

  it.each([
    ['zero', () => 0],
    ['negative', () => -1],
    ['fractional', () => 1.5],
    ['NaN from a bad query', (query: URLSearchParams) => Number(query.get('n'))],
    ['a throw', () => {
      throw new Error('units failed');
    }],
  ])('answers 500 access_misconfigured, never free, when units() gives %s', async (_name, units) => {
    const subject = subjectFor('units');
    mock.grant(subject, { kind: 'usage_pack', usageRemaining: 10 });
    const runs = { count: 0 };
    const url = await start([{ method: 'GET', path: '/api/export', units, runs }]);
    const before = mock.count(CONSUME);
    const reply = await request(`${url}/api/export?n=abc`, subject);
    expect(reply.status).toBe(500);
    expect(reply.json).toMatchObject({ code: 'access_misconfigured' });
    expect(reply.text).not.toContain('units failed');
    expect(runs.count).toBe(0);
    expect(mock.count(CONSUME)).toBe(before);
  });

  it('answers 401 without a subject and 400 for a malformed Idempotency-Key, charging nothing', async () => {
    const subject = subjectFor('refusals');
    mock.grant(subject, { kind: 'usage_pack', usageRemaining: 10 });
    const url = await start([{ method: 'POST', path: '/api/report', units: 1 }]);
    expect((await request(`${url}/api/report`, undefined, { method: 'POST' })).status).toBe(401);
    const bad = await request(`${url}/api/report`, subject, { method: 'POST', headers: { 'idempotency-key': 'x'.repeat(300) } });
    expect([bad.status, bad.json?.code]).toEqual([400, 'idempotency_key_invalid']);
    expect(remaining(subject)).toBe(10);
  });

  it('lets onExhausted answer, and delegateErrors hand the typed error to the error handler', async () => {
    const subject = subjectFor('hooks');
    mock.grant(subject, { kind: 'usage_pack', usageRemaining: 0 });
    const url = await start([
      { method: 'GET', path: '/hook', units: 1, pricingHook: true },
      { method: 'GET', path: '/delegate', units: 1, delegateErrors: true },
    ]);
    expect((await request(`${url}/hook`, subject)).json).toEqual({ buy: '/pricing' });
    expect((await request(`${url}/delegate`, subject)).json).toEqual({ caught: 'ERR_LICENZY_USAGE_EXHAUSTED' });
  });

  it("serves uncharged during an outage only with onUnavailable: 'allow'", async () => {
    const subject = subjectFor('open');
    mock.grant(subject, { kind: 'usage_pack', usageRemaining: 10 });
    mock.fault({ type: 'status', status: 503 }, { path: '/v1/usage/consume' });
    const url = await start([
      { method: 'GET', path: '/strict', units: 1 },
      { method: 'GET', path: '/lenient', units: 1, onUnavailable: 'allow' },
    ]);
    expect((await request(`${url}/strict`, subject)).status).toBe(503);
    const lenient = await request(`${url}/lenient`, subject);
    expect(lenient.status).toBe(200);
    expect(lenient.json).toMatchObject({ usage: { consumed: 0, source: 'fail-open' } });
  });

  it('keeps the requireAccess() decision and adds usage to it', async () => {
    const subject = subjectFor('both');
    mock.grant(subject, { kind: 'usage_pack', usageRemaining: 4 });
    const url = await start([{ method: 'GET', path: '/both', units: 1, access: true, handler: 'decision' }]);
    expect((await request(`${url}/both`, subject)).json).toMatchObject({ subjectRef: subject, allowed: true, source: 'licenzy', usage: { consumed: 1, remaining: 3 } });
  });

  it('publishes handler_failed when a charged request ends in a 5xx', async () => {
    const subject = subjectFor('failed');
    mock.grant(subject, { kind: 'usage_pack', usageRemaining: 4 });
    const url = await start([{ method: 'GET', path: '/broken', units: 2, handler: 'fail' }]);
    const event = nextUsageEvent(subject, 'handler_failed');
    expect((await request(`${url}/broken`, subject)).status).toBe(500);
    expect(await event).toMatchObject({ subjectRef: subject, units: 2, status: 500, route: 'GET /broken', idempotencyKey: expect.stringMatching(/^lzg_/) });
    expect(remaining(subject)).toBe(2);
  });

  describe("charge: 'after'", () => {
    it('charges only once the response is 2xx/3xx', async () => {
      const subject = subjectFor('after');
      mock.grant(subject, { kind: 'usage_pack', usageRemaining: 5 });
      const url = await start([
        { method: 'GET', path: '/ok', units: 2, charge: 'after' },
        { method: 'GET', path: '/fails', units: 2, charge: 'after', handler: 'fail' },
      ]);
      const charged = nextUsageEvent(subject, 'charged');
      const ok = await request(`${url}/ok`, subject);
      expect(ok.json).toMatchObject({ usage: { units: 2, consumed: 0, remaining: 5, source: 'after' } });
      await charged;
      expect(remaining(subject)).toBe(3);
      const before = mock.count(CONSUME);
      expect((await request(`${url}/fails`, subject)).status).toBe(500);
      expect(mock.count(CONSUME)).toBe(before);
      expect(remaining(subject)).toBe(3);
    });

    it('answers 402 before the handler when too few units are left', async () => {
      const subject = subjectFor('after_empty');
      mock.grant(subject, { kind: 'usage_pack', usageRemaining: 1 });
      const runs = { count: 0 };
      const url = await start([{ method: 'GET', path: '/ok', units: 2, charge: 'after', runs }]);
      expect((await request(`${url}/ok`, subject)).status).toBe(402);
      expect((await request(`${url}/ok`, subjectFor('no_pack'))).status).toBe(402);
      expect(runs.count).toBe(0);
    });
  });
}
