// accessStatus() and customerAccessFor() on Express 5 and 4 over real HTTP: the post-checkout moment.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createMockLicenzy, type MockLicenzy, uniqueSubject } from '@licenzy-gate/testing';
import { accessStatus, createAccessGate, customerAccessFor, requireAccess, type LicenzyError } from '../src/index.js';
import type { Request, Response, NextFunction } from 'express';
import { captureLogger, demoAuth, listen, majors, request, type CreateApp, type Running } from './serve.js';

const subjectFor = (name: string) => uniqueSubject(`express_status_${name}`);

let mock: MockLicenzy;
beforeAll(async () => {
  mock = await createMockLicenzy();
});
afterAll(async () => {
  await mock?.close();
});
afterEach(() => {
  mock.clearFaults();
});

const mockGate = () => createAccessGate({ apiKey: mock.testKey, baseUrl: mock.url, retries: 0, circuitBreaker: false, freshInterval: 0, logger: captureLogger() });

describe.each(majors)('accessStatus on $major', ({ createApp }) => {
  const running: Running[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((app) => app.close()));
  });

  async function start(mount: (app: ReturnType<CreateApp>) => void): Promise<string> {
    const app = createApp();
    app.use(demoAuth);
    mount(app);
    const server = await listen(app);
    running.push(server);
    return server.url;
  }

  it('answers 200 {"allowed":true} at once for a subject with access', async () => {
    const subject = subjectFor('paid');
    mock.grant(subject);
    const url = await start((app) => app.get('/status', accessStatus({ gate: mockGate(), wait: 5_000 })));
    const reply = await request(`${url}/status`, subject);
    expect([reply.status, reply.json]).toEqual([200, { allowed: true }]);
    expect(reply.headers.get('cache-control')).toBe('no-store');
  });

  it('waits server-side and answers 200 as soon as the webhook invalidates the subject', async () => {
    const subject = subjectFor('buyer');
    const gate = mockGate();
    const url = await start((app) => {
      app.get('/pro', requireAccess({ gate }), (_req, res) => void res.send('pro'));
      app.get('/status', accessStatus({ gate, wait: 10_000 }));
    });
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
    const url = await start((app) => app.all('/status', accessStatus({ gate: mockGate(), wait: 300, retryAfter: 2 })));
    const reply = await request(`${url}/status?allowed=true&paid=1&subject_ref=${subject}`, subject, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ allowed: true }),
    });
    expect([reply.status, reply.json]).toEqual([202, { allowed: false, retryAfter: 2 }]);
    expect(reply.headers.get('retry-after')).toBe('2');
  });

  it('answers 401 without a subject, 503 while Licenzy fails', async () => {
    const url = await start((app) => app.get('/status', accessStatus({ gate: mockGate(), wait: 300 })));
    expect((await request(`${url}/status`)).status).toBe(401);
    mock.fault({ type: 'status', status: 503 }, { path: '/v1/access/check' });
    const down = await request(`${url}/status`, subjectFor('down'));
    expect([down.status, down.json?.code]).toEqual([503, 'access_unavailable']);
  });

  it('refuses a wait longer than 30 s at setup', () => {
    expect(() => accessStatus({ gate: mockGate(), wait: 60_000 })).toThrow(/`wait`/);
  });
});

describe.each(majors)('customerAccessFor on $major', ({ createApp }) => {
  const running: Running[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((app) => app.close()));
  });

  it("loads the request subject's entitlement summary on demand, cached, and never on requireAccess()'s path", async () => {
    const subject = subjectFor('summary');
    mock.grant(subject, { kind: 'usage_pack', usageRemaining: 42, plan_tier: 'gold' });
    const gate = mockGate();
    const app = createApp();
    app.use(demoAuth);
    app.get('/pro', requireAccess({ gate }), (_req, res) => void res.send('ok'));
    app.get('/account', requireAccess({ gate }), async (req: Request, res: Response, next: NextFunction) => {
      try {
        const summary = await customerAccessFor(req, { gate });
        res.json({ hasAccess: summary.hasAccess, left: summary.entitlements[0]?.usage_remaining, tier: summary.entitlements[0]?.plan_tier });
      } catch (error) {
        next(error);
      }
    });
    app.get('/anonymous', async (req: Request, res: Response) => {
      await customerAccessFor(req, { gate }).catch((error: LicenzyError) => void res.status(error.status).json({ code: error.code }));
    });
    const server = await listen(app);
    running.push(server);
    const summaryLoads = () => Object.entries(mock.counts()).filter(([endpoint]) => endpoint.startsWith('GET /v1/customer/access')).reduce((n, [, c]) => n + c, 0);
    const before = summaryLoads();
    const baseline = mock.counts();
    expect((await request(`${server.url}/pro`, subject)).status).toBe(200);
    expect(mock.counts()).toEqual({ ...baseline, 'POST /v1/access/check': (baseline['POST /v1/access/check'] ?? 0) + 1 });
    expect((await request(`${server.url}/account`, subject)).json).toEqual({ hasAccess: true, left: 42, tier: 'gold' });
    expect((await request(`${server.url}/account`, subject)).status).toBe(200);
    expect(summaryLoads() - before).toBe(1);
    expect((await request(`${server.url}/anonymous`)).json).toEqual({ code: 'ERR_LICENZY_SUBJECT_REQUIRED' });
  });
});
