// Issue 23 over real HTTP on Koa 3 and 2: charge 'after' on streamed, aborted and failed handlers (item 8), consume
// answers that do not add up (item 9), zero-argument routes across resetDefaultGate() (item 3).
import { PassThrough } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe } from 'vitest';
import { captureLogger, useLocalLicenzy } from '@licenzy-gate/testing';
import { requireAccess, requireUsage } from '../src/index.js';
import {
  defaultGateRotationCases, malformedConsumeCases, meteredDeliveryCases, streamChunks, delay, type MountMetered,
} from '../../core/test/adapter-regressions.js';
import { Router, demoApp, koaMajors, listen } from './app.js';

const licenzy = useLocalLicenzy({ hooks: { beforeAll, afterAll, afterEach } });
const rotated = useLocalLicenzy({ hooks: { beforeAll, afterAll, afterEach } });
const gateFor = () => licenzy.gate({ retries: 0, circuitBreaker: false, freshInterval: 0, logger: captureLogger() });

describe.each(koaMajors)('issue 23 on $name', ({ Koa }) => {
  const mount: MountMetered = async (gate, routes) => {
    const app = demoApp(Koa);
    const router = new Router();
    for (const route of routes) {
      router.get(route.path, requireUsage({ gate, units: route.units, charge: route.charge }), async (ctx) => {
        route.runs.count++;
        if (route.handler === 'fail') throw new Error('the handler failed before sending anything');
        if (route.handler === 'slow') await delay(300);
        if (route.handler !== 'stream') {
          ctx.body = { ok: true };
          return;
        }
        const body = new PassThrough();
        ctx.type = 'text/plain';
        ctx.body = body;
        void streamChunks((chunk) => body.write(chunk), () => body.end());
      });
    }
    app.use(router.routes());
    return listen(app);
  };

  describe("charge: 'after' on delivered responses (item 8)", () => meteredDeliveryCases(() => licenzy, mount, gateFor));
  describe('consume answers that do not add up (item 9)', () => malformedConsumeCases(() => licenzy, mount, gateFor));
  describe('zero-argument routes and resetDefaultGate() (item 3)', () =>
    defaultGateRotationCases(() => licenzy, () => rotated, async () => {
      const app = demoApp(Koa);
      const router = new Router();
      router.get('/pro', requireAccess(), (ctx) => {
        ctx.body = { ok: true };
      });
      app.use(router.routes());
      return listen(app);
    }));
});
