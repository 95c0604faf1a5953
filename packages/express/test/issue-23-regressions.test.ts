// Issue 23 over real HTTP on Express 5 and 4: charge 'after' on streamed, aborted and failed handlers (item 8), consume
// answers that do not add up (item 9), zero-argument routes across resetDefaultGate() (item 3).
import type { Request, Response } from 'express';
import { afterAll, afterEach, beforeAll, describe } from 'vitest';
import { useLocalLicenzy } from '@licenzy-gate/testing';
import { requireAccess, requireUsage } from '../src/index.js';
import {
  defaultGateRotationCases, malformedConsumeCases, meteredDeliveryCases, streamChunks, delay, type MountMetered,
} from '../../core/test/adapter-regressions.js';
import { captureLogger, demoAuth, listen, majors } from './serve.js';

const licenzy = useLocalLicenzy({ hooks: { beforeAll, afterAll, afterEach } });
const rotated = useLocalLicenzy({ hooks: { beforeAll, afterAll, afterEach } });
const gateFor = () => licenzy.gate({ retries: 0, circuitBreaker: false, freshInterval: 0, logger: captureLogger() });

describe.each(majors)('issue 23 on $major', ({ createApp }) => {
  const mount: MountMetered = async (gate, routes) => {
    const app = createApp();
    app.use(demoAuth);
    for (const route of routes) {
      app.get(route.path, requireUsage({ gate, units: route.units, charge: route.charge }), (_req: Request, res: Response) => {
        route.runs.count++;
        if (route.handler === 'fail') throw new Error('the handler failed before sending anything');
        if (route.handler === 'slow') return void delay(300).then(() => res.json({ ok: true }));
        if (route.handler === 'json') return void res.json({ ok: true });
        res.status(200).type('text/plain');
        void streamChunks((chunk) => res.write(chunk), () => res.end());
      });
    }
    return listen(app);
  };

  describe("charge: 'after' on delivered responses (item 8)", () => meteredDeliveryCases(() => licenzy, mount, gateFor));
  describe('consume answers that do not add up (item 9)', () => malformedConsumeCases(() => licenzy, mount, gateFor));
  describe('zero-argument routes and resetDefaultGate() (item 3)', () =>
    defaultGateRotationCases(() => licenzy, () => rotated, async () => {
      const app = createApp();
      app.use(demoAuth);
      app.get('/pro', requireAccess(), (_req: Request, res: Response) => void res.json({ ok: true }));
      return listen(app);
    }));
});
