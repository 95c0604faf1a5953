// Type tests: app.requireUsage(), request.licenzy.usage, app.accessStatus(), app.customerAccessFor().
import Fastify, { type FastifyRequest, type preHandlerAsyncHookHandler } from 'fastify';
import { describe, expectTypeOf, it } from 'vitest';
import { type CustomerAccess, type RouteUsageOptions, type UsageCharge } from '../src/index.js';

describe('app.requireUsage', () => {
  it('requires units and is a preHandler', () => {
    const app = Fastify();
    expectTypeOf<RouteUsageOptions['units']>().toEqualTypeOf<number | ((request: FastifyRequest) => number)>();
    expectTypeOf(app.requireUsage).returns.toEqualTypeOf<preHandlerAsyncHookHandler>();
    // @ts-expect-error units is required
    app.requireUsage({});
  });

  it('puts the charge on request.licenzy.usage; status and summary helpers', () => {
    const app = Fastify();
    app.get('/r', { preHandler: app.requireUsage({ units: 1 }) }, async (request) => {
      expectTypeOf(request.licenzy?.usage).toEqualTypeOf<UsageCharge | undefined>();
      expectTypeOf(app.customerAccessFor(request)).toEqualTypeOf<Promise<CustomerAccess>>();
      return null;
    });
    app.get('/status', app.accessStatus({ wait: 1_000 }));
  });
});
