// accessStatus() and customerAccessFor() on Koa 3 and 2 over real HTTP: the post-checkout moment (the status route's
// shared behaviour is statusConformanceCases of @licenzy-gate/testing, run through a Koa harness).
import type { Context } from 'koa';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fetchJson, harnessTarget, statusConformanceCases, uniqueSubject, useLocalLicenzy } from '@licenzy-gate/testing';
import { accessStatus, customerAccessFor, requireAccess, type LicenzyError } from '@licenzy-gate/koa';
import { capturingLogger, demoApp, koaMajors, listen, Router, type Running } from './app.js';

const subjectFor = (name: string) => uniqueSubject(`koa_status_${name}`);

const licenzy = useLocalLicenzy({ hooks: { beforeAll, afterAll, afterEach } });

const mockGate = () => licenzy.gate({ retries: 0, circuitBreaker: false, freshInterval: 0, logger: capturingLogger() });

/** fetchJson as `user` (the demo auth header). */
function request(url: string, user?: string, init: RequestInit = {}) {
  const headers = new Headers(init.headers);
  if (user !== undefined) headers.set('x-demo-user', user);
  return fetchJson(url, { ...init, headers });
}

describe.each(koaMajors)('accessStatus on $name', ({ Koa: KoaCtor }) => {
  const running: Running[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((app) => app.close()));
  });

  const statusTarget = () => harnessTarget(licenzy.mock, {
    async mountStatus(gate, status) {
      const app = demoApp(KoaCtor);
      const router = new Router();
      router.get('/pro', requireAccess({ gate }), (ctx) => {
        ctx.body = 'pro';
      });
      router.all('/status', accessStatus({ gate, ...status }));
      app.use(router.routes());
      return listen(app);
    },
  });
  for (const testCase of statusConformanceCases) it(testCase.name, () => testCase.fn(statusTarget()));

  async function start(mount: (router: Router) => void): Promise<string> {
    const app = demoApp(KoaCtor);
    const router = new Router();
    mount(router);
    app.use(router.routes());
    const server = await listen(app);
    running.push(server);
    return server.url;
  }

  it("loads the request subject's entitlement summary on demand with customerAccessFor()", async () => {
    const subject = subjectFor('summary');
    licenzy.mock.grant(subject, { kind: 'usage_pack', usageRemaining: 42, plan_tier: 'gold' });
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
