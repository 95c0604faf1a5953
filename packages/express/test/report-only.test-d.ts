// Type tests of report-only (issue 19 §1): the option on requireAccess/requireUsage, the decision's `enforced` flag,
// the report event's shape.
import type { Request } from 'express';
import { describe, expectTypeOf, it } from 'vitest';
import type { ReportEvent } from '@licenzy-gate/core';
import type { Guard, ReportWhere, UsageGuard } from '@licenzy-gate/core/adapter';
import { requireAccess, requireUsage, type ExpressRequireAccessOptions, type ExpressRequireUsageOptions, type RequestDecision } from '../src/index.js';

describe('reportOnly', () => {
  it('is a boolean or a function of the Express request, on requireAccess and requireUsage', () => {
    expectTypeOf<ExpressRequireAccessOptions['reportOnly']>().toEqualTypeOf<boolean | ((req: Request) => boolean) | undefined>();
    expectTypeOf<ExpressRequireUsageOptions['reportOnly']>().toEqualTypeOf<boolean | ((req: Request) => boolean) | undefined>();
    requireAccess({ reportOnly: true });
    requireAccess({ reportOnly: (req) => req.path.startsWith('/beta') });
    requireUsage({ units: 1, reportOnly: true });
    // @ts-expect-error not a boolean
    requireAccess({ reportOnly: 'yes' });
  });

  it('marks the request decision not enforced with the literal false, absent on enforcing routes', () => {
    expectTypeOf<RequestDecision['enforced']>().toEqualTypeOf<false | undefined>();
  });

  it('is fixed at setup on the guards adapters build with', () => {
    expectTypeOf<Guard<Request, never>['reportOnly']>().toEqualTypeOf<boolean | 'per-request'>();
    expectTypeOf<UsageGuard<Request, never>['reportOnly']>().toEqualTypeOf<boolean | 'per-request'>();
    expectTypeOf<Guard<Request, never>['observe']>().returns.toEqualTypeOf<RequestDecision | undefined>();
    expectTypeOf<ReportWhere>().toEqualTypeOf<{ readonly route: string | undefined; readonly method: string }>();
  });
});

describe('ReportEvent', () => {
  it('carries route, method, code, subjectRef and source', () => {
    expectTypeOf<keyof ReportEvent>().toEqualTypeOf<'route' | 'method' | 'code' | 'subjectRef' | 'source'>();
    expectTypeOf<ReportEvent['route']>().toEqualTypeOf<string>();
    expectTypeOf<ReportEvent['subjectRef']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<ReportEvent['source']>().toEqualTypeOf<'cache' | 'licenzy' | 'stale' | 'request' | 'usage'>();
  });
});
