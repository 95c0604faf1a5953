// Issue 23 over real HTTP on Fastify: charge 'after' on streamed, aborted and failed handlers (item 8), consume answers
// that do not add up (item 9), zero-argument routes across resetDefaultGate() (item 3).
import { PassThrough } from 'node:stream';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { afterAll, afterEach, beforeAll, describe } from 'vitest';
import { captureLogger, useLocalLicenzy } from '@licenzy-gate/testing';
import { licenzyGate, type AccessGate } from '../src/index.js';
import {
  defaultGateRotationCases, malformedConsumeCases, meteredDeliveryCases, streamChunks, delay, type MountMetered, type RunningApp,
} from '../../core/test/adapter-regressions.js';

const licenzy = useLocalLicenzy({ hooks: { beforeAll, afterAll, afterEach } });
const rotated = useLocalLicenzy({ hooks: { beforeAll, afterAll, afterEach } });
const gateFor = () => licenzy.gate({ retries: 0, circuitBreaker: false, freshInterval: 0, logger: captureLogger() });

/** A Fastify app with demo auth (`x-demo-user` → `request.user.id`), the plugin registered with `gate` (or none). */
async function demoApp(gate: AccessGate | undefined): Promise<FastifyInstance> {
  const app = Fastify();
  app.addHook('onRequest', async (request) => {
    const user = request.headers['x-demo-user'];
    if (typeof user === 'string') (request as FastifyRequest & { user?: unknown }).user = { id: user };
  });
  if (gate === undefined) await app.register(licenzyGate);
  else await app.register(licenzyGate, { gate });
  return app;
}

async function start(app: FastifyInstance): Promise<RunningApp> {
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { url, close: () => app.close() };
}

describe('issue 23 on fastify', () => {
  const mount: MountMetered = async (gate, routes) => {
    const app = await demoApp(gate);
    for (const route of routes) {
      app.get(route.path, { preHandler: app.requireUsage({ units: route.units, charge: route.charge }) }, async (_request, reply) => {
        route.runs.count++;
        if (route.handler === 'fail') throw new Error('the handler failed before sending anything');
        if (route.handler === 'slow') await delay(300);
        if (route.handler !== 'stream') return { ok: true };
        const body = new PassThrough();
        void streamChunks((chunk) => body.write(chunk), () => body.end());
        return reply.type('text/plain').send(body);
      });
    }
    return start(app);
  };

  describe("charge: 'after' on delivered responses (item 8)", () => meteredDeliveryCases(() => licenzy, mount, gateFor));
  describe('consume answers that do not add up (item 9)', () => malformedConsumeCases(() => licenzy, mount, gateFor));
  describe('zero-argument routes and resetDefaultGate() (item 3)', () =>
    defaultGateRotationCases(() => licenzy, () => rotated, async () => {
      const app = await demoApp(undefined);
      app.get('/pro', { preHandler: app.requireAccess() }, async () => ({ ok: true }));
      return start(app);
    }));
});
