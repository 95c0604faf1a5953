// Type tests: the decorators' options and signatures, the hook, the module options and the typed exception.
import type { ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { describe, expectTypeOf, it } from 'vitest';
import {
  LicenzyException,
  LicenzyModule,
  RequireAccess,
  RequireUsage,
  SkipAccess,
  licenzyDecision,
  type LicenzyError,
  type LicenzyErrorCode,
  type LicenzyModuleOptions,
  type NestHttpRequest,
  type NestRefusalHook,
  type NestRequireAccessOptions,
  type RequestDecision,
  type RouteDecorator,
} from '../src/index.js';
import type { RequireAccessOptions, RequireUsageOptions } from '@licenzy-gate/core/adapter';

describe('the route decorators', () => {
  it('take the options requireAccess()/requireUsage() take in every adapter, and decorate a class or a method', () => {
    expectTypeOf<NestRequireAccessOptions>().toEqualTypeOf<RequireAccessOptions<NestHttpRequest, NestRefusalHook>>();
    expectTypeOf(RequireAccess).returns.toEqualTypeOf<RouteDecorator>();
    expectTypeOf(SkipAccess).returns.toEqualTypeOf<RouteDecorator>();
    expectTypeOf<Parameters<typeof RequireUsage<NestHttpRequest>>[0]>().toEqualTypeOf<RequireUsageOptions<NestHttpRequest, NestRefusalHook>>();
    expectTypeOf<RouteDecorator>().toMatchTypeOf<ClassDecorator & MethodDecorator>();
  });

  it("types a resolver's request by the type parameter", () => {
    RequireAccess<Request & { team?: { ownerId: string } }>({ subject: (req) => req.team?.ownerId ?? req.ip });
    // @ts-expect-error an unknown option is a type error as well as a runtime one
    RequireAccess({ fresch: true });
    // @ts-expect-error units are required on a metered route
    RequireUsage({ charge: 'after' });
  });

  it('hands hooks the execution context and the typed error', () => {
    expectTypeOf<Parameters<NestRefusalHook>>().toEqualTypeOf<[context: ExecutionContext, error: LicenzyError]>();
  });
});

describe('the decision and the exception', () => {
  it('licenzyDecision returns the RequestDecision, or undefined on a route without a gate', () => {
    expectTypeOf(licenzyDecision).returns.toEqualTypeOf<RequestDecision | undefined>();
  });

  it('LicenzyException carries the code, the problem and whether it was answered', () => {
    expectTypeOf<LicenzyException['code']>().toEqualTypeOf<LicenzyErrorCode>();
    expectTypeOf<LicenzyException['answered']>().toEqualTypeOf<boolean>();
    expectTypeOf<LicenzyException['problem']['body']['status']>().toEqualTypeOf<number>();
  });
});

describe('LicenzyModule', () => {
  it('forRoot takes gate options and route defaults; forRootAsync a factory of them', () => {
    expectTypeOf(LicenzyModule.forRoot).parameter(0).toEqualTypeOf<LicenzyModuleOptions | undefined>();
    LicenzyModule.forRootAsync({ isGlobal: true, inject: ['CONFIG'], useFactory: (config: { key: string }) => ({ apiKey: config.key, delegateErrors: true }) });
  });
});
