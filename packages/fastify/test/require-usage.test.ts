// app.requireUsage() of the Fastify plugin over real HTTP against the mock Licenzy: the shared metered-route suite
// (meteredConformanceCases of @licenzy-gate/testing) through a Fastify harness, and what only Fastify has.
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { harnessTarget, meteredConformanceCases, useLocalLicenzy, type ConformanceTarget } from '@licenzy-gate/testing';
import { licenzyGate, type LicenzyError, type LicenzyGate } from '../src/index.js';

const quiet = { warn: () => undefined, error: () => undefined };

/** A Fastify app with demo auth and the plugin on `gate`, listening on a real port. */
async function demoApp(gate: LicenzyGate, mount: (app: FastifyInstance) => void): Promise<{ url: string; close(): Promise<void> }> {
  const app = Fastify();
  app.addHook('onRequest', async (request) => {
    const user = request.headers['x-demo-user'];
    if (typeof user === 'string') (request as FastifyRequest & { user?: unknown }).user = { id: user };
  });
  await app.register(licenzyGate, { gate, logger: quiet });
  mount(app);
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { url, close: () => app.close() };
}

/** Mounts metered routes for meteredConformanceCases. */
type MeteredHarness = { start: NonNullable<ConformanceTarget['mountMetered']> };

/** Mounts the suite's routes as `app.requireUsage()` pre-handlers on the plugin's gate. */
const fastifyHarness: MeteredHarness = {
  start: (gate, routes) =>
    demoApp(gate, (app) => {
      app.setErrorHandler((error: LicenzyError, _request, reply) => reply.code(error.status).send({ caught: error.code }));
      for (const route of routes) {
        const { units } = route;
        const usage = app.requireUsage({
          units: typeof units === 'number' ? units : (request: FastifyRequest) => units(new URLSearchParams(request.url.split('?')[1] ?? '')),
          ...(route.charge ? { charge: route.charge } : {}),
          ...(route.onUnavailable ? { onUnavailable: route.onUnavailable } : {}),
          ...(route.delegateErrors ? { delegateErrors: true } : {}),
          ...(route.pricingHook ? { onExhausted: (_request: FastifyRequest, reply: FastifyReply) => reply.code(402).send({ buy: '/pricing' }) } : {}),
        });
        app.route({
          method: route.method,
          url: route.path,
          preHandler: route.access ? [app.requireAccess(), usage] : usage,
          handler: async (request, reply) => {
            if (route.runs) route.runs.count++;
            if (route.handler === 'fail') return reply.code(500).send('broken');
            if (route.handler === 'decision') return request.licenzy;
            return { usage: request.licenzy?.usage ?? null, subjectRef: request.licenzy?.subjectRef };
          },
        });
      }
    }),
};

describe('app.requireUsage: the shared metered-route suite', () => {
  for (const testCase of meteredConformanceCases) it(testCase.name, () => testCase.fn(harnessTarget(licenzy.mock, { mountMetered: fastifyHarness.start })));
});

const licenzy = useLocalLicenzy({ hooks: { beforeAll, afterAll, afterEach } });

describe('app.requireUsage', () => {
  const running: Array<{ close(): Promise<void> }> = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((app) => app.close()));
  });
  const mockGate = () => licenzy.gate({ retries: 0, circuitBreaker: false, freshInterval: 0, logger: quiet });
  const start = async (mount: (app: FastifyInstance) => void) => {
    const app = await demoApp(mockGate(), mount);
    running.push(app);
    return app.url;
  };

  it('refuses a bad static units value at setup, naming the option', async () => {
    let thrown: unknown;
    await start((app) => {
      try {
        app.requireUsage({ units: 0 });
      } catch (error) {
        thrown = error;
      }
    });
    expect(String(thrown)).toMatch(/`units`/);
  });
});
