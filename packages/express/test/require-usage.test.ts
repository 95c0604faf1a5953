// requireUsage() on Express 5 and 4 over real HTTP against the mock Licenzy: the shared metered-route suite
// (meteredConformanceCases of @licenzy-gate/testing) through an Express harness, and what only Express has.
import express from 'express';
import type { NextFunction, Request, Response } from 'express';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { harnessTarget, meteredConformanceCases, nextUsageEvent, useLocalLicenzy, type ConformanceTarget, uniqueSubject } from '@licenzy-gate/testing';
import { LicenzyError, createAccessGate, requireUsage } from '../src/index.js';
import { captureLogger, demoAuth, listen, majors, meteredHandlers, request, type CreateApp, type Running } from './serve.js';

const subjectFor = (name: string) => uniqueSubject(`express_usage_${name}`);

/** Mounts metered routes for meteredConformanceCases. */
type MeteredHarness = { start: NonNullable<ConformanceTarget['mountMetered']> };

/** Mounts the suite's routes on an Express app of one major. */
function expressHarness(createApp: CreateApp): MeteredHarness {
  return {
    async start(gate, routes) {
      const app = createApp();
      app.use(demoAuth, express.json());
      for (const route of routes) app[route.method === 'GET' ? 'get' : 'post'](route.path, ...meteredHandlers(gate, route));
      app.use((error: LicenzyError, _req: Request, res: Response, _next: NextFunction) => void res.status(error.status).json({ caught: error.code }));
      return listen(app);
    },
  };
}

describe.each(majors)('requireUsage on $major: the shared metered-route suite', ({ createApp }) => {
  for (const testCase of meteredConformanceCases) it(testCase.name, () => testCase.fn(harnessTarget(licenzy.mock, { mountMetered: expressHarness(createApp).start })));
});

const licenzy = useLocalLicenzy({ hooks: { beforeAll, afterAll, afterEach } });

const mockGate = (extra: Parameters<typeof createAccessGate>[0] = {}) =>
  licenzy.gate({ retries: 0, circuitBreaker: false, freshInterval: 0, logger: captureLogger(), ...extra });

describe.each(majors)('requireUsage on $major', ({ createApp }) => {
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

  it('refuses a bad static units value at setup, naming the option', () => {
    expect(() => requireUsage({ gate: mockGate(), units: 0 })).toThrow(/`units`/);
  });

  it('publishes handler_failed without a status when the client goes away before the response', async () => {
    const subject = subjectFor('gone');
    licenzy.mock.grant(subject, { kind: 'usage_pack', usageRemaining: 4 });
    let reached: () => void = () => undefined;
    const inHandler = new Promise<void>((resolve) => (reached = resolve));
    const url = await start((app) => app.get('/slow', requireUsage({ gate: mockGate(), units: 1 }), () => reached()));
    const event = nextUsageEvent(subject, 'handler_failed');
    const controller = new AbortController();
    const pending = request(`${url}/slow`, subject, { signal: controller.signal }).catch(() => undefined);
    await inHandler;
    controller.abort();
    await pending;
    const failed = await event;
    expect(failed).toMatchObject({ subjectRef: subject, units: 1, route: 'GET /slow' });
    expect(failed.status).toBeUndefined();
  });
});
