// Type tests of report-only on Fastify (issue 19 §1): on the registration, per route and on metered routes.
import type { FastifyRequest } from 'fastify';
import { describe, expectTypeOf, it } from 'vitest';
import type { LicenzyGateOptions, RequestDecision, RouteLicenzyOptions, RouteUsageOptions } from '../src/index.js';

describe('reportOnly on Fastify', () => {
  it('is a boolean or a function of the request on the registration, per route and on metered routes', () => {
    type Setting = boolean | ((req: FastifyRequest) => boolean) | undefined;
    expectTypeOf<LicenzyGateOptions['reportOnly']>().toEqualTypeOf<Setting>();
    expectTypeOf<RouteLicenzyOptions['reportOnly']>().toEqualTypeOf<Setting>();
    expectTypeOf<RouteUsageOptions['reportOnly']>().toEqualTypeOf<Setting>();
  });

  it('request.licenzy carries enforced', () => {
    expectTypeOf<FastifyRequest['licenzy']>().toEqualTypeOf<RequestDecision | null>();
    expectTypeOf<RequestDecision['enforced']>().toEqualTypeOf<false | undefined>();
  });
});
