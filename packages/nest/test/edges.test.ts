// The guard's edges: hostile subject resolvers (a throw, a hostile thenable) are 500s with the app's text kept off the
// response; outside HTTP it refuses; report-only routes never refuse; the default subject reads Passport's user.
import { Controller, Get, Module } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { ExecutionContext } from '@nestjs/common';
import { uniqueSubject, useLocalLicenzy } from '@licenzy-gate/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LicenzyDecision, LicenzyGuard, LicenzyModule, LicenzyUsageInterceptor, RequireAccess, RequireUsage, subjectFromRequest, type RequestDecision } from '../src/index.js';
import { parseModuleOptions } from '../src/options.js';
import { platforms, request, startApp, type RunningApp } from './serve.js';

const SECRET = 'resolver secret detail';
const hostileThenable = {
  get then() {
    throw new Error(SECRET);
  },
};

@Controller('edge')
class EdgeController {
  @Get('throws') @RequireAccess({ subject: () => { throw new Error(SECRET); } }) throws() { return 'ran'; }
  @Get('thenable') @RequireAccess({ subject: () => hostileThenable }) thenable() { return 'ran'; }
  @Get('thenable-rejects') @RequireAccess({ subject: () => ({ then: (_: unknown, reject: (e: Error) => void) => reject(new Error(SECRET)) }) }) thenableRejects() { return 'ran'; }
  @Get('report') @RequireAccess({ reportOnly: true }) report(@LicenzyDecision() d: RequestDecision | undefined) { return { ran: true, enforced: d?.enforced ?? null }; }
}

describe.each(platforms)('guard edges on $platform', (platform) => {
  const licenzy = useLocalLicenzy({ hooks: { beforeAll, afterAll, afterEach }, gate: { retries: 0 } });
  let running: RunningApp;

  beforeAll(async () => {
    @Module({ imports: [LicenzyModule.forRoot({ gate: licenzy.gate(), logger: { warn: () => undefined, error: () => undefined } })], controllers: [EdgeController] })
    class EdgeModule {}
    running = await startApp(platform, { imports: [EdgeModule] });
  });
  afterAll(async () => {
    await running?.close();
  });

  for (const path of ['throws', 'thenable', 'thenable-rejects']) {
    it(`answers 500 access_misconfigured to a hostile resolver (${path}), without its text`, async () => {
      const reply = await request(`${running.url}/edge/${path}`, uniqueSubject('hostile'));
      expect(reply.status).toBe(500);
      expect(reply.json).toMatchObject({ code: 'access_misconfigured' });
      expect(reply.text).not.toContain('secret');
    });
  }

  it('lets a report-only route run for a subject without access', async () => {
    const reply = await request(`${running.url}/edge/report`, uniqueSubject('report'));
    expect(reply.status).toBe(200);
    expect(reply.json).toMatchObject({ ran: true });
  });
});

/** A GraphQL resolver's, a microservice handler's or a gateway's context: no HTTP request to decide on. */
function nonHttpContext(type: string): ExecutionContext {
  class Resolver {
    paid() {}
  }
  RequireAccess()(Resolver.prototype, 'paid', Object.getOwnPropertyDescriptor(Resolver.prototype, 'paid') as PropertyDescriptor);
  RequireUsage({ units: 1 })(Resolver.prototype, 'paid', Object.getOwnPropertyDescriptor(Resolver.prototype, 'paid') as PropertyDescriptor);
  const fail = () => {
    throw new Error('not an HTTP context');
  };
  return {
    getType: () => type,
    getHandler: () => Resolver.prototype.paid,
    getClass: () => Resolver,
    getArgs: () => [],
    getArgByIndex: () => undefined,
    switchToHttp: fail,
    switchToRpc: fail,
    switchToWs: fail,
  } as unknown as ExecutionContext;
}

describe('outside HTTP', () => {
  const licenzy = useLocalLicenzy({ hooks: { beforeAll, afterAll, afterEach } });

  it.each(['graphql', 'rpc', 'ws'])('refuses in a %s context, never allows', (type) => {
    const config = parseModuleOptions({ gate: licenzy.gate() });
    expect(new LicenzyGuard(new Reflector(), config).canActivate(nonHttpContext(type))).toBe(false);
    expect(() => new LicenzyUsageInterceptor(new Reflector(), config).intercept(nonHttpContext(type), { handle: () => { throw new Error('the handler ran'); } })).toThrow(/HTTP only/);
  });
});

describe('subjectFromRequest', () => {
  it("reads Passport's request.user.id, then sub and auth claims, then a Fastify request's raw request", () => {
    expect(subjectFromRequest({ user: { id: 'u_1', sub: 'x' } })).toBe('u_1');
    expect(subjectFromRequest({ user: { sub: 'u_2' } })).toBe('u_2');
    expect(subjectFromRequest({ auth: { payload: { sub: 'u_3' } } })).toBe('u_3');
    expect(subjectFromRequest({ raw: { user: { id: 'u_4' } } })).toBe('u_4');
    expect(subjectFromRequest({ headers: { 'x-user': 'client' }, query: { user: 'client' } })).toBeUndefined();
  });
});
