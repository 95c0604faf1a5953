// requireUsage() on Koa 3 and 2 over real HTTP against the mock Licenzy: the shared metered-route suite
// (meteredConformanceCases of @licenzy-gate/testing) through a Koa harness, and what only Koa has.
import type { Context, Next } from 'koa';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { harnessTarget, meteredConformanceCases, type MeteredRoute, useLocalLicenzy, type ConformanceTarget } from '@licenzy-gate/testing';
import { LicenzyError, createAccessGate, requireAccess, requireUsage, type LicenzyGate } from '@licenzy-gate/koa';
import { capturingLogger, demoApp, koaMajors, listen, Router, type KoaClass } from './app.js';

/** A minimal JSON body parser (tests only), so the key can be bound to the body as with koa-bodyparser. */
async function jsonBody(ctx: Context, next: Next): Promise<void> {
  if (ctx.is('application/json')) {
    let text = '';
    for await (const chunk of ctx.req) text += String(chunk);
    (ctx.request as { body?: unknown }).body = JSON.parse(text);
  }
  await next();
}

/** Answers an error handed to Koa (`delegateErrors`) with its status and `{ caught: code }`. */
async function caught(ctx: Context, next: Next): Promise<void> {
  try {
    await next();
  } catch (error) {
    ctx.status = (error as LicenzyError).status;
    ctx.body = { caught: (error as LicenzyError).code };
  }
}

function middlewareFor(gate: LicenzyGate, route: MeteredRoute) {
  const { units } = route;
  const usage = requireUsage({
    gate,
    units: typeof units === 'number' ? units : (ctx: Context) => units(new URLSearchParams(ctx.querystring)),
    ...(route.charge ? { charge: route.charge } : {}),
    ...(route.onUnavailable ? { onUnavailable: route.onUnavailable } : {}),
    ...(route.delegateErrors ? { delegateErrors: true } : {}),
    ...(route.pricingHook ? { onExhausted: (ctx: Context) => {
      ctx.status = 402;
      ctx.body = { buy: '/pricing' };
    } } : {}),
  });
  const handler = (ctx: Context) => {
    if (route.runs) route.runs.count++;
    if (route.handler === 'fail') {
      ctx.status = 500;
      ctx.body = 'broken';
      return;
    }
    ctx.body = route.handler === 'decision' ? ctx.state.licenzy : { usage: ctx.state.licenzy?.usage ?? null, subjectRef: ctx.state.licenzy?.subjectRef };
  };
  return route.access ? [requireAccess({ gate }), usage, handler] : [usage, handler];
}

/** Mounts metered routes for meteredConformanceCases. */
type MeteredHarness = { start: NonNullable<ConformanceTarget['mountMetered']> };

/** Mounts the suite's routes on a Koa app of one major. */
function koaHarness(KoaCtor: KoaClass): MeteredHarness {
  return {
    async start(gate, routes) {
      const app = demoApp(KoaCtor);
      const router = new Router();
      for (const route of routes) router[route.method === 'GET' ? 'get' : 'post'](route.path, ...middlewareFor(gate, route));
      app.use(caught);
      app.use(jsonBody);
      app.use(router.routes());
      return listen(app);
    },
  };
}

const licenzy = useLocalLicenzy({ hooks: { beforeAll, afterAll, afterEach } });

const mockGate = (extra: Parameters<typeof createAccessGate>[0] = {}) =>
  licenzy.gate({ retries: 0, circuitBreaker: false, freshInterval: 0, logger: capturingLogger(), ...extra });

describe.each(koaMajors)('requireUsage on $name', ({ Koa: KoaCtor }) => {
  for (const testCase of meteredConformanceCases) it(testCase.name, () => testCase.fn(harnessTarget(licenzy.mock, { mountMetered: koaHarness(KoaCtor).start })));

  it('refuses a bad static units value at setup, naming the option', () => {
    expect(() => requireUsage({ gate: mockGate(), units: 0 })).toThrow(/`units`/);
  });
});
