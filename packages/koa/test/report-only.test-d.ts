// Type tests of report-only on Koa (issue 19 §1): the option takes Koa's ctx; ctx.state.licenzy may be not enforced.
import type { Context } from 'koa';
import { describe, expectTypeOf, it } from 'vitest';
import { requireAccess, requireUsage, type KoaRequireAccessOptions, type KoaRequireUsageOptions, type RequestDecision } from '../src/index.js';

describe('reportOnly on Koa', () => {
  it('is a boolean or a function of ctx', () => {
    expectTypeOf<KoaRequireAccessOptions['reportOnly']>().toEqualTypeOf<boolean | ((req: Context) => boolean) | undefined>();
    expectTypeOf<KoaRequireUsageOptions['reportOnly']>().toEqualTypeOf<boolean | ((req: Context) => boolean) | undefined>();
    requireAccess({ reportOnly: (ctx) => ctx.path.startsWith('/beta') });
    requireUsage({ units: 1, reportOnly: true });
  });

  it('ctx.state.licenzy carries enforced', () => {
    expectTypeOf<NonNullable<Context['state']['licenzy']>>().toEqualTypeOf<RequestDecision>();
    expectTypeOf<RequestDecision['enforced']>().toEqualTypeOf<false | undefined>();
  });
});
