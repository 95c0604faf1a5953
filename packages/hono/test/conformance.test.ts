// Runs every shared conformance suite, and the mounting variants, against a Hono app over real HTTP on Node.
import { afterAll, afterEach, beforeAll, describe, it } from 'vitest';
import { Hono, type Context } from 'hono';
import { captureLogger, conformanceSuites, mountingVariantsCase, useLocalLicenzy, type ConformanceTarget, type MeteredRoute } from '@licenzy-gate/testing';
import { accessStatus, requireAccess, requireUsage, type AccessGate, type LicenzyEnv, type LicenzyGate } from '../src/index.js';
import { demoAuth, serveHono } from './serve.js';

type App = Hono<LicenzyEnv>;
const onError = (app: App) => app.onError((error, c) => c.json({ delegated: (error as { code?: string }).code, caught: (error as { code?: string }).code }, ((error as { status?: number }).status ?? 500) as 400));

describe('conformance of @licenzy-gate/hono', () => {
  const licenzy = useLocalLicenzy({ hooks: { beforeAll, afterAll, afterEach }, gate: { retries: 0, circuitBreaker: false, freshInterval: 0 } });
  let gate: AccessGate;
  let app: { url: string; close(): Promise<void> };
  const handlerCalls = new Map<string, number>();
  const echo = (path: string) => (c: Context<LicenzyEnv>) => {
    handlerCalls.set(path, (handlerCalls.get(path) ?? 0) + 1);
    // A plain Response: Hono's own c.json()/c.text() iterate inherited keys, so the polluted-prototype case breaks them.
    return Response.json({ subjectRef: c.get('licenzy')?.subjectRef, source: c.get('licenzy')?.source });
  };

  beforeAll(async () => {
    gate = licenzy.gate();
    const logger = captureLogger();
    const secret = () => new Error('resolver secret detail');
    const server: App = new Hono<LicenzyEnv>();
    onError(server);
    server.use(demoAuth);
    server.get('/free', (c) => c.text('free'));
    const pro = requireAccess({ gate, logger });
    server.get('/pro', pro, echo('/pro'));
    server.get('/pro/other', pro, echo('/pro/other'));
    server.get('/pro/fresh', requireAccess({ gate, fresh: true, logger }), echo('/pro/fresh'));
    server.get('/pro/open', requireAccess({ gate, onUnavailable: 'allow', logger }), echo('/pro/open'));
    server.get('/misconfigured', requireAccess({ apiKey: 'lz_test_example_rejected_key', baseUrl: licenzy.mock.url, retries: 0, logger }), echo('/misconfigured'));
    server.get('/resolver/async', requireAccess({ gate, logger, subject: async (c) => c.req.header('x-demo-user') }), echo('/resolver/async'));
    server.get('/resolver/numeric', requireAccess({ gate, logger, subject: () => 4242 }), echo('/resolver/numeric'));
    server.get('/resolver/object', requireAccess({ gate, logger, subject: () => ({ id: 'u' }) }), echo('/resolver/object'));
    server.get('/resolver/throws', requireAccess({ gate, logger, subject: () => { throw secret(); } }), echo('/resolver/throws'));
    server.get('/resolver/rejects', requireAccess({ gate, logger, subject: () => Promise.reject(secret()) }), echo('/resolver/rejects'));
    const upgrade = (c: Context) => c.json({ upgrade: '/pricing' }, 402);
    server.get('/refusal/hook', requireAccess({ gate, logger, onDenied: upgrade }), echo('/refusal/hook'));
    server.get('/refusal/delegate', requireAccess({ gate, logger, onDenied: upgrade, delegateErrors: true }), echo('/refusal/delegate'));
    server.post('/metered', requireUsage({ gate, logger, units: 1 }), echo('/metered'));
    server.post('/metered/by-header', requireUsage({ gate, logger, units: (c) => Number(c.req.header('x-units')) }), echo('/metered/by-header'));
    server.post('/metered/bad-units', requireUsage({ gate, logger, units: () => 0 }), echo('/metered/bad-units'));
    app = await serveHono(server as never);
  });

  afterAll(async () => {
    await app?.close();
  });

  function mountMetered(meteringGate: LicenzyGate, metered: MeteredRoute[]) {
    const server: App = new Hono<LicenzyEnv>();
    onError(server);
    server.use(demoAuth);
    for (const route of metered) {
      const { units } = route;
      const usage = requireUsage({
        gate: meteringGate,
        units: typeof units === 'number' ? units : (c) => units(new URL(c.req.url).searchParams),
        ...(route.charge ? { charge: route.charge } : {}),
        ...(route.onUnavailable ? { onUnavailable: route.onUnavailable } : {}),
        ...(route.delegateErrors ? { delegateErrors: true } : {}),
        ...(route.pricingHook ? { onExhausted: (c: Context) => c.json({ buy: '/pricing' }, 402) } : {}),
      });
      const handler = (c: Context<LicenzyEnv>) => {
        if (route.runs) route.runs.count++;
        if (route.handler === 'fail') return c.body(null, 500);
        if (route.handler === 'decision') return c.json(c.get('licenzy'));
        return c.json({ usage: c.get('licenzy')?.usage ?? null, subjectRef: c.get('licenzy')?.subjectRef });
      };
      const method = route.method === 'GET' ? 'get' : 'post';
      if (route.access) server[method](route.path, requireAccess({ gate: meteringGate }), usage, handler);
      else server[method](route.path, usage, handler);
    }
    return serveHono(server as never);
  }

  const target = (): ConformanceTarget => ({
    url: app.url,
    mock: licenzy.mock,
    invalidate: (subjectRef) => void gate.invalidate(subjectRef),
    handlerCalls: (path) => handlerCalls.get(path) ?? 0,
    mountMetered,
    mountStatus: (statusGate, { wait, retryAfter }) => {
      const server: App = new Hono<LicenzyEnv>();
      server.use(demoAuth);
      server.all('/status', accessStatus({ gate: statusGate, wait, ...(retryAfter !== undefined ? { retryAfter } : {}) }));
      server.get('/pro', requireAccess({ gate: statusGate }), (c) => c.json({ ok: true }));
      return serveHono(server as never);
    },
  });

  for (const [suite, cases] of Object.entries(conformanceSuites)) {
    describe(suite, () => {
      for (const testCase of cases) it(testCase.name, () => testCase.fn(target()));
    });
  }

  // The documented mounting patterns: route-level, app.use('/pro/*'), a sub-app under app.route(), basePath.
  const marker = 'paid-body-7f3a';
  const patterns: Array<{ name: string; path: string; mount(app: App, count: () => void): void }> = [
    { name: 'route-level', path: '/reports/a.pdf', mount: (a, count) => a.get('/reports/:file', requireAccess({ gate }), (c) => (count(), c.text(marker))) },
    { name: "app.use('/pro/*')", path: '/pro/downloads/a.pdf', mount: (a, count) => { a.use('/pro/*', requireAccess({ gate })); a.get('/pro/downloads/:file', (c) => (count(), c.text(marker))); } },
    {
      name: 'app.route() sub-app',
      path: '/paid/files/a.pdf',
      mount: (a, count) => {
        const paid = new Hono<LicenzyEnv>();
        paid.use(requireAccess({ gate }));
        paid.get('/files/:file', (c) => (count(), c.text(marker)));
        a.route('/paid', paid);
      },
    },
  ];
  describe.each(patterns)('mounting: $name', ({ path, mount }) => {
    it(mountingVariantsCase.name, async () => {
      let calls = 0;
      const server: App = new Hono<LicenzyEnv>();
      server.use(demoAuth);
      mount(server, () => calls++);
      const running = await serveHono(server as never);
      try {
        await mountingVariantsCase.fn({ url: running.url, mock: licenzy.mock, path, marker, handlerCalls: () => calls });
      } finally {
        await running.close();
      }
    });
  });
});
