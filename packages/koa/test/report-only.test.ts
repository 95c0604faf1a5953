// Issue 19 §1 over real HTTP on Koa 3 and 2 with @koa/router: the shared report-only cases, mounted here.
import type { Context } from 'koa';
import { afterAll, afterEach, beforeAll, describe } from 'vitest';
import { useLocalLicenzy } from '@licenzy-gate/testing';
import { requireAccess, requireUsage } from '../src/index.js';
import { REPORT_USAGE_UNITS, reportOnlyCases, type MountReportOnly } from '../../core/test/report-only-cases.js';
import { Router, demoApp, koaMajors, listen } from './app.js';

const licenzy = useLocalLicenzy({ hooks: { beforeAll, afterAll, afterEach } });

describe.each(koaMajors)('report-only routes on $name', ({ Koa }) => {
  const mount: MountReportOnly = async (gate, logger, runs) => {
    const app = demoApp(Koa);
    const router = new Router();
    const handler = (ctx: Context) => {
      runs.count++;
      ctx.body = { decision: ctx.state.licenzy ?? null };
    };
    router.get('/ro/:id', requireAccess({ gate, logger, reportOnly: true }), handler);
    router.post('/ro-usage', requireUsage({ gate, logger, units: REPORT_USAGE_UNITS, reportOnly: true }), handler);
    router.get('/enforced/:id', requireAccess({ gate, logger }), handler);
    app.use(router.routes());
    return listen(app);
  };
  reportOnlyCases(() => licenzy, mount);
});
