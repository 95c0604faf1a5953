// LicenzyGuard over real HTTP on both platforms: 200/401/403/503 with the shared problem bodies, controller- and
// handler-level decorators, the global guard with @SkipAccess, and the refusal modes (answered, delegated, hooks).
import { Catch, Controller, Get, HttpException, Module, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { uniqueSubject, useLocalLicenzy } from '@licenzy-gate/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LicenzyDecision, LicenzyException, LicenzyGuard, LicenzyModule, RequireAccess, SkipAccess, type LicenzyGate, type RequestDecision } from '../src/index.js';
import { platforms, request, startApp, type RunningApp } from './serve.js';

const echo = (decision: RequestDecision | undefined) => ({ subjectRef: decision?.subjectRef, source: decision?.source });

@Controller('pro')
@RequireAccess()
class ProController {
  @Get()
  pro(@LicenzyDecision() decision: RequestDecision) {
    return echo(decision);
  }
  @Get('fresh')
  @RequireAccess({ fresh: true })
  fresh(@LicenzyDecision() decision: RequestDecision) {
    return echo(decision);
  }
  @Get('open')
  @RequireAccess({ onUnavailable: 'allow' })
  open(@LicenzyDecision() decision: RequestDecision) {
    return echo(decision);
  }
}

@Controller('handler')
class HandlerController {
  @Get('free')
  free() {
    return 'free';
  }
  @Get('paid')
  @RequireAccess()
  paid(@LicenzyDecision() decision: RequestDecision) {
    return echo(decision);
  }
  @Get('hook')
  @RequireAccess({ onDenied: () => { throw new HttpException({ upgrade: '/pricing' }, 402); } })
  hook() {
    return 'hook';
  }
  @Get('soft')
  @RequireAccess({ onDenied: () => true })
  soft(@LicenzyDecision() decision: RequestDecision) {
    return { teaser: true, allowed: decision?.allowed };
  }
  @Get('delegate')
  @RequireAccess({ delegateErrors: true, onDenied: () => { throw new Error('the hook must not run'); } })
  delegate() {
    return 'delegate';
  }
}

@Catch(LicenzyException)
class DelegatedFilter implements ExceptionFilter {
  catch(exception: LicenzyException, host: ArgumentsHost) {
    const response = host.switchToHttp().getResponse<{ status?: (s: number) => { json(b: unknown): void }; code?: (s: number) => { send(b: unknown): void } }>();
    const body = { delegated: exception.code, status: exception.getStatus(), answered: exception.answered };
    if (typeof response.code === 'function') response.code(exception.getStatus()).send(body);
    else response.status?.(exception.getStatus()).json(body);
  }
}

describe.each(platforms)('LicenzyGuard on $platform', (platform) => {
  const licenzy = useLocalLicenzy({ hooks: { beforeAll, afterAll, afterEach }, gate: { retries: 0, circuitBreaker: false, freshInterval: 0 } });
  let running: RunningApp;
  let gate: LicenzyGate;

  beforeAll(async () => {
    gate = licenzy.gate();
    @Module({ imports: [LicenzyModule.forRoot({ gate })], controllers: [ProController, HandlerController], providers: [{ provide: APP_FILTER, useClass: DelegatedFilter }] })
    class AppModule {}
    running = await startApp(platform, { imports: [AppModule] });
  });
  afterAll(async () => {
    await running?.close();
  });

  it('answers 200 with the decision for a paying subject (controller-level decorator)', async () => {
    const subject = uniqueSubject('paid');
    licenzy.mock.grant(subject);
    const reply = await request(`${running.url}/pro`, subject);
    expect(reply.status).toBe(200);
    expect(reply.json).toEqual({ subjectRef: subject, source: 'licenzy' });
    expect((await request(`${running.url}/pro`, subject)).json).toEqual({ subjectRef: subject, source: 'cache' });
  });

  it('answers 401 subject_required without a subject, 403 access_denied without an entitlement', async () => {
    const anonymous = await request(`${running.url}/pro`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(anonymous.json).toMatchObject({ status: 401, code: 'subject_required' });
    const denied = await request(`${running.url}/handler/paid`, uniqueSubject('free'));
    expect(denied.status).toBe(403);
    expect(denied.json).toMatchObject({ status: 403, code: 'access_denied' });
    expect(denied.headers.get('cache-control')).toBe('no-store');
  });

  it('answers 503 access_unavailable with Retry-After while Licenzy fails, and fails open where the route says so', async () => {
    const subject = uniqueSubject('outage');
    licenzy.mock.grant(subject);
    licenzy.mock.fault({ type: 'status', status: 503 });
    const reply = await request(`${running.url}/pro`, subject);
    expect(reply.status).toBe(503);
    expect(reply.json).toMatchObject({ code: 'access_unavailable' });
    expect(reply.headers.get('retry-after')).not.toBeNull();
    licenzy.mock.fault({ type: 'reset' });
    expect((await request(`${running.url}/pro/open`, subject)).json).toEqual({ subjectRef: subject, source: 'fail-open' });
  });

  it('lets the handler-level decorator win and leaves undecorated handlers open', async () => {
    expect((await request(`${running.url}/handler/free`)).text).toBe('free');
    const subject = uniqueSubject('fresh');
    licenzy.mock.grant(subject);
    await request(`${running.url}/pro`, subject);
    licenzy.mock.revoke(subject);
    expect((await request(`${running.url}/pro`, subject)).status).toBe(200); // cached
    expect((await request(`${running.url}/pro/fresh`, subject)).status).toBe(403); // fresh: asks Licenzy
  });

  it('runs hooks: a thrown HttpException answers, `true` lets the request through', async () => {
    const subject = uniqueSubject('hook');
    const hook = await request(`${running.url}/handler/hook`, subject);
    expect([hook.status, hook.json]).toEqual([402, { upgrade: '/pricing' }]);
    expect((await request(`${running.url}/handler/soft`, subject)).json).toEqual({ teaser: true, allowed: false });
  });

  it('throws a LicenzyException for the app\'s filters with delegateErrors (the hook does not run)', async () => {
    const reply = await request(`${running.url}/handler/delegate`, uniqueSubject('delegate'));
    expect([reply.status, reply.json]).toEqual([403, { delegated: 'ERR_LICENZY_ACCESS_DENIED', status: 403, answered: false }]);
  });
});

@Controller()
class GlobalController {
  @Get('paid')
  paid(@LicenzyDecision() decision: RequestDecision) {
    return echo(decision);
  }
  @Get('pricing')
  @SkipAccess()
  pricing() {
    return { plans: 1 };
  }
}

@Controller('public')
@SkipAccess()
class PublicController {
  @Get()
  open() {
    return 'public';
  }
  @Get('paid')
  @RequireAccess()
  paid(@LicenzyDecision() decision: RequestDecision) {
    return echo(decision);
  }
}

describe.each(platforms)('LicenzyGuard as APP_GUARD on $platform', (platform) => {
  const licenzy = useLocalLicenzy({ hooks: { beforeAll, afterAll, afterEach }, gate: { retries: 0 } });
  let running: RunningApp;

  beforeAll(async () => {
    @Module({
      imports: [LicenzyModule.forRoot({ gate: licenzy.gate(), isGlobal: true })],
      controllers: [GlobalController, PublicController],
      providers: [{ provide: APP_GUARD, useClass: LicenzyGuard }],
    })
    class AppModule {}
    running = await startApp(platform, { imports: [AppModule] });
  });
  afterAll(async () => {
    await running?.close();
  });

  it('gates every handler, opts out with @SkipAccess, and a handler-level @RequireAccess wins over a skipped controller', async () => {
    const subject = uniqueSubject('global');
    licenzy.mock.grant(subject);
    expect((await request(`${running.url}/paid`)).status).toBe(401);
    expect((await request(`${running.url}/paid`, subject)).json).toEqual({ subjectRef: subject, source: 'licenzy' });
    expect((await request(`${running.url}/pricing`)).json).toEqual({ plans: 1 });
    expect((await request(`${running.url}/public`)).text).toBe('public');
    expect((await request(`${running.url}/public/paid`)).status).toBe(401);
    const calls = licenzy.mock.count('check');
    expect((await request(`${running.url}/public/paid`, subject)).json).toEqual({ subjectRef: subject, source: 'cache' });
    expect(licenzy.mock.count('check')).toBe(calls);
  });
});
