// Issue 19 §1 over real HTTP on Fastify 5: the shared report-only cases, mounted on per-route preHandlers, and again
// with the plugin registered `reportOnly: true, global: true` (every route it gates), the enforcing route opting in.
import Fastify, { type FastifyRequest } from 'fastify';
import { afterAll, afterEach, beforeAll, describe } from 'vitest';
import { useLocalLicenzy } from '@licenzy-gate/testing';
import { licenzyGate } from '../src/index.js';
import { REPORT_USAGE_UNITS, reportOnlyCases, type MountReportOnly } from '../../core/test/report-only-cases.js';

const licenzy = useLocalLicenzy({ hooks: { beforeAll, afterAll, afterEach } });

function demoApp() {
  const app = Fastify();
  app.addHook('onRequest', async (request) => {
    const user = request.headers['x-demo-user'];
    if (typeof user === 'string') (request as FastifyRequest & { user?: unknown }).user = { id: user };
  });
  return app;
}

describe('report-only routes on fastify (per route)', () => {
  const mount: MountReportOnly = async (gate, logger, runs) => {
    const app = demoApp();
    await app.register(licenzyGate, { gate, logger });
    const handler = async (request: FastifyRequest) => {
      runs.count++;
      return { decision: request.licenzy };
    };
    app.get('/ro/:id', { preHandler: app.requireAccess({ reportOnly: true }) }, handler);
    app.post('/ro-usage', { preHandler: app.requireUsage({ units: REPORT_USAGE_UNITS, reportOnly: true }) }, handler);
    app.get('/enforced/:id', { preHandler: app.requireAccess() }, handler);
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    return { url, close: () => app.close() };
  };
  reportOnlyCases(() => licenzy, mount);
});

describe('report-only routes on fastify (the registration: global mode)', () => {
  const mount: MountReportOnly = async (gate, logger, runs) => {
    const app = demoApp();
    await app.register(licenzyGate, { gate, logger, global: true, reportOnly: true });
    const handler = async (request: FastifyRequest) => {
      runs.count++;
      return { decision: request.licenzy };
    };
    app.get('/ro/:id', handler);
    // Metered routes are not gated by the global hook; their requireUsage() inherits the registration's reportOnly.
    app.post('/ro-usage', { config: { licenzy: false }, preHandler: app.requireUsage({ units: REPORT_USAGE_UNITS }) }, handler);
    app.get('/enforced/:id', { config: { licenzy: { reportOnly: false } } }, handler);
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    return { url, close: () => app.close() };
  };
  reportOnlyCases(() => licenzy, mount);
});
