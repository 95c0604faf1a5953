// Type tests: requireUsage() options and ctx.state.licenzy.usage, accessStatus() and customerAccessFor().
import type { Context, Middleware } from 'koa';
import { describe, expectTypeOf, it } from 'vitest';
import { accessStatus, customerAccessFor, requireUsage, type CustomerAccess, type KoaRequireUsageOptions, type UsageCharge } from '@licenzy-gate/koa';

describe('requireUsage', () => {
  it('requires units and returns Koa middleware', () => {
    expectTypeOf<KoaRequireUsageOptions['units']>().toEqualTypeOf<number | ((ctx: Context) => number)>();
    // @ts-expect-error units is required
    requireUsage({});
    expectTypeOf(requireUsage({ units: 1 })).toEqualTypeOf<Middleware>();
    expectTypeOf(accessStatus()).toEqualTypeOf<Middleware>();
  });

  it('puts the charge on ctx.state.licenzy.usage', () => {
    const handler = (ctx: Context) => expectTypeOf(ctx.state.licenzy?.usage).toEqualTypeOf<UsageCharge | undefined>();
    expectTypeOf(handler).parameter(0).toEqualTypeOf<Context>();
    expectTypeOf(customerAccessFor).returns.toEqualTypeOf<Promise<CustomerAccess>>();
  });
});
