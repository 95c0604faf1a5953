// accessStatus() and customerAccessFor() on Express 5 and 4 over real HTTP: the post-checkout moment (the status route's
// shared behaviour is statusConformanceCases of @licenzy-gate/testing, run through an Express harness).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { harnessTarget, statusConformanceCases, useLocalLicenzy, uniqueSubject } from '@licenzy-gate/testing';
import { accessStatus, customerAccessFor, requireAccess, type LicenzyError } from '../src/index.js';
import type { Request, Response, NextFunction } from 'express';
import { captureLogger, demoAuth, listen, majors, request, type Running } from './serve.js';

const subjectFor = (name: string) => uniqueSubject(`express_status_${name}`);

const licenzy = useLocalLicenzy({ hooks: { beforeAll, afterAll, afterEach } });

const mockGate = () => licenzy.gate({ retries: 0, circuitBreaker: false, freshInterval: 0, logger: captureLogger() });

describe.each(majors)('accessStatus on $major', ({ createApp }) => {
  const statusTarget = () => harnessTarget(licenzy.mock, {
    async mountStatus(gate, status) {
      const app = createApp();
      app.use(demoAuth);
      app.get('/pro', requireAccess({ gate }), (_req, res) => void res.send('pro'));
      app.all('/status', accessStatus({ gate, ...status }));
      return listen(app);
    },
  });
  for (const testCase of statusConformanceCases) it(testCase.name, () => testCase.fn(statusTarget()));

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
    licenzy.mock.grant(subject, { kind: 'usage_pack', usageRemaining: 42, plan_tier: 'gold' });
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
    const summaryLoads = () => Object.entries(licenzy.mock.counts()).filter(([endpoint]) => endpoint.startsWith('GET /v1/customer/access')).reduce((n, [, c]) => n + c, 0);
    const before = summaryLoads();
    const baseline = licenzy.mock.counts();
    expect((await request(`${server.url}/pro`, subject)).status).toBe(200);
    expect(licenzy.mock.counts()).toEqual({ ...baseline, 'POST /v1/access/check': (baseline['POST /v1/access/check'] ?? 0) + 1 });
    expect((await request(`${server.url}/account`, subject)).json).toEqual({ hasAccess: true, left: 42, tier: 'gold' });
    expect((await request(`${server.url}/account`, subject)).status).toBe(200);
    expect(summaryLoads() - before).toBe(1);
    expect((await request(`${server.url}/anonymous`)).json).toEqual({ code: 'ERR_LICENZY_SUBJECT_REQUIRED' });
  });
});
