// Runs every shared conformance suite against fetch handlers served over real HTTP on Node.
import { afterAll, afterEach, beforeAll, describe, it } from 'vitest';
import { captureLogger, conformanceSuites, useLocalLicenzy, type ConformanceTarget, type MeteredRoute } from '@licenzy-gate/testing';
import { accessStatus, decisionOf, withAccess, withUsage, type AccessGate, type FetchRefusalHook, type LicenzyGate } from '../src/index.js';
import { demoSubject, router, serveFetch, type Handler } from './serve.js';

describe('conformance of @licenzy-gate/fetch', () => {
  const licenzy = useLocalLicenzy({ hooks: { beforeAll, afterAll, afterEach }, gate: { retries: 0, circuitBreaker: false, freshInterval: 0 } });
  let gate: AccessGate;
  let app: { url: string; close(): Promise<void> };
  const handlerCalls = new Map<string, number>();

  const echo = (path: string) => (request: Request) => {
    handlerCalls.set(path, (handlerCalls.get(path) ?? 0) + 1);
    return Response.json({ subjectRef: decisionOf(request)?.subjectRef, source: decisionOf(request)?.source });
  };

  beforeAll(async () => {
    gate = licenzy.gate();
    const logger = captureLogger();
    const subject = demoSubject;
    const common = { gate, subject, logger };
    const secret = () => new Error('resolver secret detail');
    const upgrade: FetchRefusalHook = () => Response.json({ upgrade: '/pricing' }, { status: 402 });
    const routes: Record<string, Handler> = {
      'GET /free': () => new Response('free'),
      'GET /misconfigured': withAccess(echo('/misconfigured'), { apiKey: 'lz_test_example_rejected_key', baseUrl: licenzy.mock.url, retries: 0, subject, logger }),
      'GET /pro/fresh': withAccess(echo('/pro/fresh'), { ...common, fresh: true }),
      'GET /pro/open': withAccess(echo('/pro/open'), { ...common, onUnavailable: 'allow' }),
      'GET /resolver/async': withAccess(echo('/resolver/async'), { ...common, subject: async (request) => demoSubject(request) }),
      'GET /resolver/numeric': withAccess(echo('/resolver/numeric'), { ...common, subject: () => 4242 }),
      'GET /resolver/object': withAccess(echo('/resolver/object'), { ...common, subject: () => ({ id: 'u' }) }),
      'GET /resolver/throws': withAccess(echo('/resolver/throws'), { ...common, subject: () => { throw secret(); } }),
      'GET /resolver/rejects': withAccess(echo('/resolver/rejects'), { ...common, subject: () => Promise.reject(secret()) }),
      'GET /refusal/hook': withAccess(echo('/refusal/hook'), { ...common, onDenied: upgrade }),
      'GET /refusal/delegate': withAccess(echo('/refusal/delegate'), { ...common, onDenied: upgrade, delegateErrors: true }),
      'POST /metered': withUsage(echo('/metered'), { ...common, units: 1 }),
      'POST /metered/by-header': withUsage(echo('/metered/by-header'), { ...common, units: (request) => Number(request.headers.get('x-units')) }),
      'POST /metered/bad-units': withUsage(echo('/metered/bad-units'), { ...common, units: () => 0 }),
    };
    for (const path of ['/pro', '/pro/other']) routes[`GET ${path}`] = withAccess(echo(path), common);
    app = await serveFetch(router(routes));
  });

  afterAll(async () => {
    await app?.close();
  });

  function mountMetered(meteringGate: LicenzyGate, metered: MeteredRoute[]) {
    const routes: Record<string, Handler> = {};
    for (const route of metered) {
      const { units } = route;
      const handler = (request: Request) => {
        if (route.runs) route.runs.count++;
        if (route.handler === 'fail') return new Response(null, { status: 500 });
        if (route.handler === 'decision') return Response.json(decisionOf(request));
        return Response.json({ usage: decisionOf(request)?.usage ?? null, subjectRef: decisionOf(request)?.subjectRef });
      };
      const usage = withUsage(handler, {
        gate: meteringGate,
        subject: demoSubject,
        units: typeof units === 'number' ? units : (request) => units(new URL(request.url).searchParams),
        ...(route.charge ? { charge: route.charge } : {}),
        ...(route.onUnavailable ? { onUnavailable: route.onUnavailable } : {}),
        ...(route.delegateErrors ? { delegateErrors: true } : {}),
        ...(route.pricingHook ? { onExhausted: () => Response.json({ buy: '/pricing' }, { status: 402 }) } : {}),
      });
      routes[`${route.method} ${route.path}`] = route.access ? withAccess(usage, { gate: meteringGate, subject: demoSubject }) : usage;
    }
    return serveFetch(router(routes));
  }

  const target = (): ConformanceTarget => ({
    url: app.url,
    mock: licenzy.mock,
    invalidate: (subjectRef) => void gate.invalidate(subjectRef),
    handlerCalls: (path) => handlerCalls.get(path) ?? 0,
    mountMetered,
    mountStatus: (statusGate, { wait, retryAfter }) =>
      serveFetch(
        router({
          '* /status': accessStatus({ gate: statusGate, subject: demoSubject, wait, ...(retryAfter !== undefined ? { retryAfter } : {}) }),
          'GET /pro': withAccess(() => Response.json({ ok: true }), { gate: statusGate, subject: demoSubject }),
        }),
      ),
  });

  for (const [suite, cases] of Object.entries(conformanceSuites)) {
    describe(suite, () => {
      for (const testCase of cases) it(testCase.name, () => testCase.fn(target()));
    });
  }
});
