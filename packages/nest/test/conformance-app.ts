// The Nest apps the shared conformance suites run against: the routes `ConformanceTarget` lists, and the fresh apps the
// harness suites mount (`mountMetered`, `mountStatus`), on either platform.
import { All, Catch, Controller, Get, HttpCode, HttpException, Module, Post, Req, Res, type ArgumentsHost, type ExceptionFilter, type Type } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import type { LicenzyGate } from '@licenzy-gate/core';
import type { LocalLicenzy, MeteredRoute, MountedApp, StatusRouteOptions } from '@licenzy-gate/testing';
import { LicenzyDecision, LicenzyException, LicenzyModule, RequireAccess, RequireUsage, accessStatus, licenzyDecision, type NestHttpRequest, type RequestDecision } from '../src/index.js';
import { startApp, type Platform, type RunningApp } from './serve.js';

/** Answers an error handed to the app's filters (`delegateErrors`): the refusal suite reads `delegated`, the metered one `caught`. */
@Catch(LicenzyException)
export class DelegatedFilter implements ExceptionFilter {
  catch(exception: LicenzyException, host: ArgumentsHost) {
    const response = host.switchToHttp().getResponse<{ status?: (s: number) => { json(b: unknown): void }; code?: (s: number) => { send(b: unknown): void } }>();
    const body = { delegated: exception.code, caught: exception.code };
    if (typeof response.code === 'function') response.code(exception.getStatus()).send(body);
    else response.status?.(exception.getStatus()).json(body);
  }
}

/** Counts handler runs per path, as `ConformanceTarget.handlerCalls` reads them. */
export const handlerCalls = new Map<string, number>();
const answer = (path: string, decision: RequestDecision | undefined) => {
  handlerCalls.set(path, (handlerCalls.get(path) ?? 0) + 1);
  return { subjectRef: decision?.subjectRef, source: decision?.source };
};
const secret = () => new Error('resolver secret detail');
const upgrade = () => {
  throw new HttpException({ upgrade: '/pricing' }, 402);
};
const header = (name: string) => (request: NestHttpRequest) => request.headers[name];

@Controller()
class FreeController {
  @Get('free')
  free() {
    return 'free';
  }
}

@Controller('pro')
@RequireAccess()
class ProController {
  @Get() pro(@LicenzyDecision() d: RequestDecision) { return answer('/pro', d); }
  @Get('other') other(@LicenzyDecision() d: RequestDecision) { return answer('/pro/other', d); }
  @Get('fresh') @RequireAccess({ fresh: true }) fresh(@LicenzyDecision() d: RequestDecision) { return answer('/pro/fresh', d); }
  @Get('open') @RequireAccess({ onUnavailable: 'allow' }) open(@LicenzyDecision() d: RequestDecision) { return answer('/pro/open', d); }
}

@Controller('resolver')
class ResolverController {
  @Get('async') @RequireAccess({ subject: async (request) => header('x-demo-user')(request) }) async(@LicenzyDecision() d: RequestDecision) { return answer('/resolver/async', d); }
  @Get('numeric') @RequireAccess({ subject: () => 4242 }) numeric(@LicenzyDecision() d: RequestDecision) { return answer('/resolver/numeric', d); }
  @Get('object') @RequireAccess({ subject: () => ({ id: 'u' }) }) object(@LicenzyDecision() d: RequestDecision) { return answer('/resolver/object', d); }
  @Get('throws') @RequireAccess({ subject: () => { throw secret(); } }) throws(@LicenzyDecision() d: RequestDecision) { return answer('/resolver/throws', d); }
  @Get('rejects') @RequireAccess({ subject: () => Promise.reject(secret()) }) rejects(@LicenzyDecision() d: RequestDecision) { return answer('/resolver/rejects', d); }
}

@Controller('refusal')
class RefusalController {
  @Get('hook') @RequireAccess({ onDenied: upgrade }) hook(@LicenzyDecision() d: RequestDecision) { return answer('/refusal/hook', d); }
  @Get('delegate') @RequireAccess({ onDenied: upgrade, delegateErrors: true }) delegate(@LicenzyDecision() d: RequestDecision) { return answer('/refusal/delegate', d); }
}

@Controller('metered')
class MeteredController {
  @Post() @HttpCode(200) @RequireUsage({ units: 1 }) metered(@LicenzyDecision() d: RequestDecision) { return answer('/metered', d); }
  @Post('by-header') @HttpCode(200) @RequireUsage({ units: (request) => Number(request.headers['x-units']) }) byHeader(@LicenzyDecision() d: RequestDecision) { return answer('/metered/by-header', d); }
  @Post('bad-units') @HttpCode(200) @RequireUsage({ units: () => 0 }) badUnits(@LicenzyDecision() d: RequestDecision) { return answer('/metered/bad-units', d); }
}

/** The app of the route suites (`access`, `resolver`, `refusal`, `usage`) on `gate`; `/misconfigured` on a gate of its own. */
export function startConformanceApp(platform: Platform, licenzy: LocalLicenzy, gate: LicenzyGate): Promise<RunningApp> {
  @Controller('misconfigured')
  class MisconfiguredController {
    @Get() @RequireAccess({ apiKey: 'lz_test_example_rejected_key', baseUrl: licenzy.mock.url, retries: 0 }) misconfigured(@LicenzyDecision() d: RequestDecision) {
      return answer('/misconfigured', d);
    }
  }
  @Module({
    imports: [LicenzyModule.forRoot({ gate })],
    controllers: [FreeController, ProController, ResolverController, RefusalController, MeteredController, MisconfiguredController],
    providers: [{ provide: APP_FILTER, useClass: DelegatedFilter }],
  })
  class ConformanceModule {}
  return startApp(platform, { imports: [ConformanceModule] });
}

/** Defines `name` on `controller`'s prototype and decorates it like a written method (`@Get(path) … name(@Req() req)`). */
function defineRoute(controller: Type, name: string, body: (request: object) => unknown, decorators: MethodDecorator[], parameters: ParameterDecorator[] = [Req()]): void {
  Object.defineProperty(controller.prototype, name, { value: body, writable: true, configurable: true });
  const descriptor = Object.getOwnPropertyDescriptor(controller.prototype, name) as PropertyDescriptor;
  // Decorators apply bottom-up, as written above a method.
  for (const decorator of [...decorators].reverse()) decorator(controller.prototype, name, descriptor);
  parameters.forEach((decorator, index) => decorator(controller.prototype, name, index));
}

function meteredController(routes: MeteredRoute[]): Type {
  class HarnessMeteredController {}
  routes.forEach((route, index) => {
    const { units } = route;
    const usage = RequireUsage({
      units: typeof units === 'number' ? units : (request) => units(new URLSearchParams(request.url.split('?')[1] ?? '')),
      ...(route.charge ? { charge: route.charge } : {}),
      ...(route.onUnavailable ? { onUnavailable: route.onUnavailable } : {}),
      ...(route.delegateErrors ? { delegateErrors: true } : {}),
      ...(route.pricingHook ? { onExhausted: () => { throw new HttpException({ buy: '/pricing' }, 402); } } : {}),
    });
    const handler = (request: object) => {
      if (route.runs) route.runs.count++;
      if (route.handler === 'fail') throw new HttpException('failed', 500);
      const decision = licenzyDecision(request) as (RequestDecision & { usage?: unknown }) | undefined;
      if (route.handler === 'decision') return decision;
      return { usage: decision?.usage ?? null, subjectRef: decision?.subjectRef };
    };
    const method = route.method === 'GET' ? Get(route.path) : Post(route.path);
    defineRoute(HarnessMeteredController, `route${index}`, handler, [method, HttpCode(200), ...(route.access ? [RequireAccess()] : []), usage]);
  });
  Controller()(HarnessMeteredController);
  return HarnessMeteredController;
}

/** `mountMetered`: a fresh app on `platform` serving `routes` on `gate`. */
export function mountMetered(platform: Platform, gate: LicenzyGate, routes: MeteredRoute[]): Promise<MountedApp> {
  @Module({ imports: [LicenzyModule.forRoot({ gate })], controllers: [meteredController(routes)], providers: [{ provide: APP_FILTER, useClass: DelegatedFilter }] })
  class HarnessMeteredModule {}
  return startApp(platform, { imports: [HarnessMeteredModule] });
}

/** `mountStatus`: a fresh app on `platform` serving `accessStatus` at `/status` (every method) and a gated `GET /pro`. */
export function mountStatus(platform: Platform, gate: LicenzyGate, status: StatusRouteOptions): Promise<MountedApp> {
  const route = accessStatus({ gate, ...status });
  @Controller()
  class HarnessStatusController {
    @All('status') status(@Req() request: object, @Res() response: object) { return route(request, response); }
    @Get('pro') @RequireAccess() pro() { return 'pro'; }
  }
  @Module({ imports: [LicenzyModule.forRoot({ gate })], controllers: [HarnessStatusController] })
  class HarnessStatusModule {}
  return startApp(platform, { imports: [HarnessStatusModule] });
}
