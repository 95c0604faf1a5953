// listRoutes over Koa 2 and 3 apps with @koa/router: prefixed and nested routers, gates on the app, the router and
// the route, and a router mounted before the app's gate (ungated).
import { describe, expect, it } from 'vitest';
import type { Context } from 'koa';
import { createAccessGate, listRoutes, requireAccess, requireUsage } from '../src/index.js';
import { Router, demoApp, koaMajors } from './app.js';

const ok = (ctx: Context) => void (ctx.body = 'ok');
// Never called: listing reads the app, it sends nothing.
const gate = createAccessGate({ apiKey: 'lz_test_inventory', baseUrl: 'http://127.0.0.1:9' });
const table = (rows: ReturnType<typeof listRoutes>) => rows.map((row) => `${row.method} ${row.path} → ${String(row.gate)}${row.via ? ` via ${row.via}` : ''}`);

describe.each(koaMajors)('listRoutes ($name)', ({ Koa }) => {
  it('a router mounted before app.use(requireAccess()) is not gated by it; one mounted after is', () => {
    const app = demoApp(Koa);
    const early = new Router();
    early.get('/early', ok);
    app.use(early.routes());
    app.use(requireAccess({ gate }));
    const late = new Router({ prefix: '/pro' });
    late.get('/report', ok);
    app.use(late.routes()).use(late.allowedMethods());
    expect(table(listRoutes(app))).toEqual(['GET /early → null', 'GET /pro/report → access via app']);
  });

  it('sees router.use() gates by path and order, route gates, nested and prefixed routers', () => {
    const app = demoApp(Koa);
    const router = new Router({ prefix: '/api' });
    router.get('/open', ok); // before the router's gate
    router.use('/pro', requireAccess({ gate }));
    router.get('/pro/report', ok);
    router.get('/product', ok); // '/pro' does not cover '/product'
    router.get('/:section/x', ok); // may or may not be '/pro/x'
    router.post('/reports', requireUsage({ gate, units: 1 }), ok);
    const nested = new Router();
    nested.get('/leak', ok);
    nested.use(requireAccess({ gate }));
    nested.get('/paid', ok);
    router.use('/nested', nested.routes());
    router.all('/any', ok);
    app.use(router.routes());
    expect(table(listRoutes(app))).toEqual([
      'GET /api/open → null',
      'GET /api/pro/report → access via router',
      'GET /api/product → null',
      'GET /api/:section/x → unknown via router',
      'POST /api/reports → usage via route',
      'GET /api/nested/leak → null',
      'GET /api/nested/paid → access via router',
      '* /api/any → null',
    ]);
  });

  it('reads reportOnly from the mark: true, or per request for a function', () => {
    const app = demoApp(Koa);
    app.use(requireAccess({ gate, reportOnly: true }));
    const router = new Router();
    router.get('/beta', ok);
    router.get('/metered', requireUsage({ gate, units: 1, reportOnly: () => true }), ok);
    app.use(router.routes());
    expect(listRoutes(app).map((row) => [row.path, row.gate, row.reportOnly])).toEqual([
      ['/beta', 'access', true],
      ['/metered', 'access', true],
    ]);
    expect(listRoutes(router).map((row) => [row.path, row.gate, row.reportOnly])).toEqual([
      ['/beta', null, false],
      ['/metered', 'usage', 'per-request'],
    ]);
  });

  it('a gate on a regular expression is unknown, never gated', () => {
    const router = new Router();
    router.use(/^\/legacy/, requireAccess({ gate }));
    router.get('/legacy/x', ok);
    const [row] = listRoutes(router);
    expect(row).toMatchObject({ method: 'GET', path: '/legacy/x', gate: 'unknown', via: 'router' });
  });

  it('a router-wide gate covers every later route of the router', () => {
    const router = new Router({ prefix: '/pro' });
    router.use(requireAccess({ gate }));
    router.get('/', ok);
    router.get('/a/:id', ok);
    expect(table(listRoutes(router))).toEqual(['GET /pro → access via router', 'GET /pro/a/:id → access via router']);
  });
});

it('refuses what is neither a Koa app nor a router', () => {
  expect(() => listRoutes({})).toThrow(/Koa app/);
});
