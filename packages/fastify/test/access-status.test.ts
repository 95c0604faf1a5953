// app.accessStatus() and app.customerAccessFor() of the Fastify plugin over real HTTP: the post-checkout moment (the
// status route's shared behaviour is statusConformanceCases of @licenzy-gate/testing, run through a Fastify harness).
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fetchJson, harnessTarget, statusConformanceCases, uniqueSubject, useLocalLicenzy } from '@licenzy-gate/testing';
import { licenzyGate, type AccessGate, type LicenzyError } from '../src/index.js';

const subjectFor = (name: string) => uniqueSubject(`fastify_status_${name}`);

const licenzy = useLocalLicenzy({ hooks: { beforeAll, afterAll, afterEach } });

const quiet = { warn: () => undefined, error: () => undefined };
const mockGate = () => licenzy.gate({ retries: 0, circuitBreaker: false, freshInterval: 0, logger: quiet });

/** fetchJson as `user` (the demo auth header). */
function request(url: string, user?: string, init: RequestInit = {}) {
  const headers = new Headers(init.headers);
  if (user !== undefined) headers.set('x-demo-user', user);
  return fetchJson(url, { ...init, headers });
}

describe('app.accessStatus', () => {
  const running: FastifyInstance[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((app) => app.close()));
  });

  const statusTarget = () => harnessTarget(licenzy.mock, {
    async mountStatus(gate, status) {
      const app = Fastify();
      app.addHook('onRequest', async (request) => {
        const user = request.headers['x-demo-user'];
        if (typeof user === 'string') (request as FastifyRequest & { user?: unknown }).user = { id: user };
      });
      await app.register(licenzyGate, { gate, logger: quiet });
      app.get('/pro', { preHandler: app.requireAccess() }, async () => 'pro');
      app.route({ method: ['GET', 'POST'], url: '/status', handler: app.accessStatus(status) });
      const url = await app.listen({ port: 0, host: '127.0.0.1' });
      return { url, close: () => app.close() };
    },
  });
  for (const testCase of statusConformanceCases) it(testCase.name, () => testCase.fn(statusTarget()));

  async function start(mount: (app: FastifyInstance) => void, gate: AccessGate = mockGate()): Promise<string> {
    const app = Fastify();
    running.push(app);
    app.addHook('onRequest', async (request) => {
      const user = request.headers['x-demo-user'];
      if (typeof user === 'string') (request as FastifyRequest & { user?: unknown }).user = { id: user };
    });
    await app.register(licenzyGate, { gate, logger: quiet });
    mount(app);
    return app.listen({ port: 0, host: '127.0.0.1' });
  }

  it('serves the status route in a global-gate context when the route opts out of the gate', async () => {
    const app = Fastify();
    running.push(app);
    app.addHook('onRequest', async (request) => {
      const user = request.headers['x-demo-user'];
      if (typeof user === 'string') (request as FastifyRequest & { user?: unknown }).user = { id: user };
    });
    await app.register(licenzyGate, { gate: mockGate(), logger: quiet, global: true });
    app.get('/pro', async () => 'pro');
    app.get('/status', { config: { licenzy: false } }, app.accessStatus({ wait: 100 }));
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    const subject = subjectFor('global');
    expect((await request(`${url}/pro`, subject)).status).toBe(403);
    expect((await request(`${url}/status`, subject)).status).toBe(202);
  });

  it("loads the request subject's entitlement summary on demand with app.customerAccessFor()", async () => {
    const subject = subjectFor('summary');
    licenzy.mock.grant(subject, { kind: 'usage_pack', usageRemaining: 42, plan_tier: 'gold' });
    const url = await start((app) => {
      app.get('/account', { preHandler: app.requireAccess() }, async (request) => {
        const summary = await app.customerAccessFor(request);
        return { hasAccess: summary.hasAccess, left: summary.entitlements[0]?.usage_remaining, tier: summary.entitlements[0]?.plan_tier };
      });
      app.get('/anonymous', async (request, reply) => {
        try {
          return await app.customerAccessFor(request);
        } catch (error) {
          return reply.code((error as LicenzyError).status).send({ code: (error as LicenzyError).code });
        }
      });
    });
    expect((await request(`${url}/account`, subject)).json).toEqual({ hasAccess: true, left: 42, tier: 'gold' });
    expect((await request(`${url}/anonymous`)).json).toEqual({ code: 'ERR_LICENZY_SUBJECT_REQUIRED' });
  });
});
