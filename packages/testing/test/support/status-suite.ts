// The status route (accessStatus) behaviour every adapter shares, written once: each adapter's test file supplies a
// harness that mounts it in its framework, and runs this suite over real HTTP against the mock Licenzy.
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { createAccessGate, type LicenzyGate } from '@licenzy-gate/core';
import { createMockLicenzy, fetchJson, uniqueSubject, type MockLicenzy } from '@licenzy-gate/testing';

/**
 * How an adapter's tests mount the status route, behind the demo auth (`x-demo-user`): `accessStatus({ gate, wait,
 * retryAfter })` at `/status` for every method, and `requireAccess({ gate })` at `GET /pro` answering 200.
 */
export interface StatusHarness {
  start(gate: LicenzyGate, status: { wait: number; retryAfter?: number }): Promise<{ url: string; close(): Promise<void> }>;
}

/** Registers the shared status-route tests for one adapter (call inside a `describe`). */
export function statusRouteSuite(harness: StatusHarness, prefix: string): void {
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

  const subjectFor = (name: string) => uniqueSubject(`${prefix}_status_${name}`);
  const quiet = { warn: () => undefined, error: () => undefined };
  const mockGate = () => createAccessGate({ apiKey: mock.testKey, baseUrl: mock.url, retries: 0, circuitBreaker: false, freshInterval: 0, logger: quiet });
  const start = async (status: { wait: number; retryAfter?: number }, gate = mockGate()) => {
    const app = await harness.start(gate, status);
    open.push(app);
    return app.url;
  };
  const request = (url: string, user?: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    if (user !== undefined) headers.set('x-demo-user', user);
    return fetchJson(url, { ...init, headers });
  };

  it('answers 200 {"allowed":true} at once for a subject with access', async () => {
    const subject = subjectFor('paid');
    mock.grant(subject);
    const url = await start({ wait: 5_000 });
    const reply = await request(`${url}/status`, subject);
    expect([reply.status, reply.json]).toEqual([200, { allowed: true }]);
    expect(reply.headers.get('cache-control')).toBe('no-store');
  });

  it('waits server-side and answers 200 as soon as the webhook invalidates the subject', async () => {
    const subject = subjectFor('buyer');
    const gate = mockGate();
    const url = await start({ wait: 10_000 }, gate);
    expect((await request(`${url}/pro`, subject)).status).toBe(403);
    const polling = request(`${url}/status`, subject);
    // Licenzy processes Stripe's webhook; our receiver invalidates the subject. The wait ends at once, not after 10 s.
    await expect.poll(() => mock.count('POST /v1/access/check'), { interval: 5 }).toBeGreaterThanOrEqual(2);
    mock.grant(subject);
    gate.invalidate(subject, { reason: 'webhook' });
    const started = performance.now();
    const reply = await polling;
    expect(performance.now() - started).toBeLessThan(2_000);
    expect([reply.status, reply.json]).toEqual([200, { allowed: true }]);
    expect((await request(`${url}/pro`, subject)).status).toBe(200);
  });

  it('answers 202 with Retry-After after the wait, and never grants from the query or body', async () => {
    const subject = subjectFor('pending');
    const url = await start({ wait: 300, retryAfter: 2 });
    const reply = await request(`${url}/status?allowed=true&paid=1&subject_ref=${subject}`, subject, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ allowed: true }),
    });
    expect([reply.status, reply.json]).toEqual([202, { allowed: false, retryAfter: 2 }]);
    expect(reply.headers.get('retry-after')).toBe('2');
  });

  it('answers 401 without a subject, 503 while Licenzy fails', async () => {
    const url = await start({ wait: 300 });
    expect((await request(`${url}/status`)).status).toBe(401);
    mock.fault({ type: 'status', status: 503 }, { path: '/v1/access/check' });
    const down = await request(`${url}/status`, subjectFor('down'));
    expect([down.status, down.json?.code]).toEqual([503, 'access_unavailable']);
    expect(down.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });
}
