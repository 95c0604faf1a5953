// Issue 19 §1 over real HTTP on Express 5 and 4: the shared report-only cases, mounted here.
import type { Request, Response } from 'express';
import { afterAll, afterEach, beforeAll, describe } from 'vitest';
import { useLocalLicenzy } from '@licenzy-gate/testing';
import { requireAccess, requireUsage } from '../src/index.js';
import { REPORT_USAGE_UNITS, reportOnlyCases, type MountReportOnly } from '../../core/test/report-only-cases.js';
import { demoAuth, listen, majors } from './serve.js';

const licenzy = useLocalLicenzy({ hooks: { beforeAll, afterAll, afterEach } });

describe.each(majors)('report-only routes on $major', ({ createApp }) => {
  const mount: MountReportOnly = async (gate, logger, runs) => {
    const app = createApp();
    app.use(demoAuth);
    const handler = (req: Request, res: Response) => {
      runs.count++;
      res.json({ decision: req.licenzy ?? null });
    };
    app.get('/ro/:id', requireAccess({ gate, logger, reportOnly: true }), handler);
    app.post('/ro-usage', requireUsage({ gate, logger, units: REPORT_USAGE_UNITS, reportOnly: true }), handler);
    app.get('/enforced/:id', requireAccess({ gate, logger }), handler);
    return listen(app);
  };
  reportOnlyCases(() => licenzy, mount);
});
