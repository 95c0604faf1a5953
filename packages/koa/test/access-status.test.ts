// accessStatus() and customerAccessFor() on Koa 3 and 2 over real HTTP: the post-checkout moment.
import type { Context } from 'koa';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createMockLicenzy, type MockLicenzy, uniqueSubject } from '@licenzy-gate/testing';
import { accessStatus, createAccessGate, customerAccessFor, requireAccess, type LicenzyError } from '@licenzy-gate/koa';
import { capturingLogger, demoApp, koaMajors, listen, Router, type Running } from './app.js';

const subjectFor = (name: string) => uniqueSubject(`koa_status_${name}`);

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

const mockGate = () => createAccessGate({ apiKey: mock.testKey, baseUrl: mock.url, retries: 0, circuitBreaker: false, freshInterval: 0, logger: capturingLogger() });

async function request(url: string, user?: string, init: RequestInit = {}) {
  const headers = new Headers(init.headers);
  if (user !== undefined) headers.set('x-demo-user', user);
  const response = await fetch(url, { ...init, headers });
  const text = await response.text();
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

describe.each(koaMajors)('accessStatus on $name', ({ Koa: KoaCtor }) => {
  const running: Running[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((app) => app.close()));
  });

  async function start(mount: (router: Router) => void): Promise<string> {
    const app = demoApp(KoaCtor);
    const router = new Router();
    mount(router);
    app.use(router.routes());
    const server = await listen(app);
    running.push(server);
    return server.url;
  }

  it('answers 200 {"allowed":true} at once for a subject with access', async () => {
    const subject = subjectFor('paid');
    mock.grant(subject);
    const url = await start((router) => router.get('/status', accessStatus({ gate: mockGate(), wait: 5_000 })));
    const reply = await request(`${url}/status`, subject);
    expect([reply.status, reply.json]).toEqual([200, { allowed: true }]);
    expect(reply.headers.get('cache-control')).toBe('no-store');
  });

  it('waits server-side and answers 200 as soon as the webhook invalidates the subject', async () => {
    const subject = subjectFor('buyer');
    const gate = mockGate();
    const url = await start((router) => {
      router.get('/pro', requireAccess({ gate }), (ctx) => {
        ctx.body = 'pro';
      });
      router.get('/status', accessStatus({ gate, wait: 10_000 }));
    });
    expect((await request(`${url}/pro`, subject)).status).toBe(403);
    const polling = request(`${url}/status`, subject);
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
    const url = await start((router) => router.all('/status', accessStatus({ gate: mockGate(), wait: 300, retryAfter: 2 })));
    const reply = await request(`${url}/status?allowed=true&paid=1&subject_ref=${subject}`, subject, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ allowed: true }),
    });
    expect([reply.status, reply.json]).toEqual([202, { allowed: false, retryAfter: 2 }]);
    expect(reply.headers.get('retry-after')).toBe('2');
  });

  it('answers 401 without a subject, 503 while Licenzy fails', async () => {
    const url = await start((router) => router.get('/status', accessStatus({ gate: mockGate(), wait: 300 })));
    expect((await request(`${url}/status`)).status).toBe(401);
    mock.fault({ type: 'status', status: 503 }, { path: '/v1/access/check' });
    const down = await request(`${url}/status`, subjectFor('down'));
    expect([down.status, down.json?.code]).toEqual([503, 'access_unavailable']);
    expect(down.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it("loads the request subject's entitlement summary on demand with customerAccessFor()", async () => {
    const subject = subjectFor('summary');
    mock.grant(subject, { kind: 'usage_pack', usageRemaining: 42, plan_tier: 'gold' });
    const gate = mockGate();
    const url = await start((router) => {
      router.get('/account', requireAccess({ gate }), async (ctx: Context) => {
        const summary = await customerAccessFor(ctx, { gate });
        ctx.body = { hasAccess: summary.hasAccess, left: summary.entitlements[0]?.usage_remaining, tier: summary.entitlements[0]?.plan_tier };
      });
      router.get('/anonymous', async (ctx: Context) => {
        await customerAccessFor(ctx, { gate }).catch((error: LicenzyError) => {
          ctx.status = error.status;
          ctx.body = { code: error.code };
        });
      });
    });
    expect((await request(`${url}/account`, subject)).json).toEqual({ hasAccess: true, left: 42, tier: 'gold' });
    expect((await request(`${url}/anonymous`)).json).toEqual({ code: 'ERR_LICENZY_SUBJECT_REQUIRED' });
  });
});
