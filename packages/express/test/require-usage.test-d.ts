// Type tests: requireUsage() options and req.licenzy.usage, accessStatus() and customerAccessFor().
import express, { type Request, type RequestHandler } from 'express';
import { describe, expectTypeOf, it } from 'vitest';
import {
  accessStatus,
  createAccessGate,
  customerAccessFor,
  requireUsage,
  type CustomerAccess,
  type ExpressRequireUsageOptions,
  type LicenzyGate,
  type UsageCharge,
} from '../src/index.js';

describe('requireUsage', () => {
  it('requires units, a number or a function of the request', () => {
    expectTypeOf<ExpressRequireUsageOptions['units']>().toEqualTypeOf<number | ((req: Request) => number)>();
    expectTypeOf<ExpressRequireUsageOptions['charge']>().toEqualTypeOf<'before' | 'after' | undefined>();
    // @ts-expect-error units is required
    requireUsage({});
    // @ts-expect-error fresh belongs to requireAccess()
    requireUsage({ units: 1, fresh: true });
    expectTypeOf(requireUsage({ units: 1 })).toMatchTypeOf<RequestHandler>();
  });

  it('puts the charge on req.licenzy.usage', () => {
    const app = express();
    app.post('/r/:id', requireUsage({ units: (req) => Number(req.query.n) }), (req, res) => {
      expectTypeOf(req.params.id).toEqualTypeOf<string>();
      expectTypeOf(req.licenzy?.usage).toEqualTypeOf<UsageCharge | undefined>();
      expectTypeOf<UsageCharge['remaining']>().toEqualTypeOf<number | undefined>();
      res.end();
    });
  });
});

describe('accessStatus and customerAccessFor', () => {
  it('are a route handler and a per-request loader', () => {
    const app = express();
    app.get('/status', accessStatus({ wait: 1_000, retryAfter: 2 }));
    expectTypeOf(customerAccessFor).returns.toEqualTypeOf<Promise<CustomerAccess>>();
    expectTypeOf(createAccessGate()).toEqualTypeOf<LicenzyGate>();
  });
});
