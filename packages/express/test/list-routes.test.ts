// listRoutes over Express 4 and 5 apps that mount gates every way the README shows, with ungated routes hidden
// in nested routers, sub-apps and path-mounted middleware.
import { describe, expect, it } from 'vitest';
import type { Request, Response } from 'express';
import { createAccessGate, listRoutes, requireAccess, requireUsage } from '../src/index.js';
import { majors } from './serve.js';

const ok = (_req: Request, res: Response) => void res.end();
const pass = (_req: Request, _res: Response, next: () => void) => next();
// Never called: listing reads the app, it sends nothing.
const gate = createAccessGate({ apiKey: 'lz_test_inventory', baseUrl: 'http://127.0.0.1:9' });

/** `METHOD path → gate via` per row, so a failure shows the whole table. */
const table = (rows: ReturnType<typeof listRoutes>) => rows.map((row) => `${row.method} ${row.path} → ${String(row.gate)}${row.via ? ` via ${row.via}` : ''}`);

describe.each(majors)('listRoutes ($major)', ({ createApp, version }) => {
  const express = createApp as unknown as typeof import('express');

  it('sees app, router and route gates; a gate after a route does not gate it', () => {
    const app = createApp();
    app.get('/early', ok);
    app.use(pass); // auth, body parsers: not a gate, not a route
    app.use('/pro', requireAccess({ gate }));
    app.get('/pro/report', ok);
    app.get('/free', ok);
    app.post('/api/reports', requireAccess({ gate }), requireUsage({ gate, units: 1 }), ok);
    app.route('/book').get(ok).post(requireAccess({ gate }), ok);
    const admin = express.Router();
    admin.get('/open', ok); // before the router's gate
    admin.use(requireAccess({ gate }));
    admin.get('/stats', ok);
    const nested = express.Router();
    nested.get('/deep', ok);
    admin.use('/nested', nested);
    app.use('/admin', admin);
    const hidden = express.Router();
    const deeper = express.Router();
    deeper.get('/leak', ok);
    hidden.use('/deeper', deeper);
    app.use('/hidden', hidden);
    app.all('/any', ok);
    app.use(requireAccess({ gate }));
    app.get('/late', ok); // after a root gate: gated by the app
    expect(table(listRoutes(app))).toEqual([
      'GET /early → null',
      'GET /pro/report → access via app',
      'GET /free → null',
      'POST /api/reports → access via route',
      'GET /book → null',
      'POST /book → access via route',
      'GET /admin/open → null',
      'GET /admin/stats → access via router',
      'GET /admin/nested/deep → access via router',
      'GET /hidden/deeper/leak → null',
      '* /any → null',
      'GET /late → access via app',
    ]);
  });

  it('reads the kind and reportOnly from the mark', () => {
    const app = createApp();
    app.get('/metered', requireUsage({ gate, units: 1 }), ok);
    app.get('/beta', requireAccess({ gate, reportOnly: true }), ok);
    app.get('/rollout', requireAccess({ gate, reportOnly: (req) => req.path.length > 3 }), ok);
    // An enforcing gate is reported over a report-only one on the same route.
    app.get('/both', requireAccess({ gate, reportOnly: true }), requireAccess({ gate }), ok);
    expect(listRoutes(app)).toEqual([
      { method: 'GET', path: '/metered', gate: 'usage', reportOnly: false, via: 'route' },
      { method: 'GET', path: '/beta', gate: 'access', reportOnly: true, via: 'route' },
      { method: 'GET', path: '/rollout', gate: 'access', reportOnly: 'per-request', via: 'route' },
      { method: 'GET', path: '/both', gate: 'access', reportOnly: false, via: 'route' },
    ]);
  });

  it('recovers parameterised mount paths and compares them; a regex mount is unknown, never gated', () => {
    const app = createApp();
    const team = express.Router({ mergeParams: true });
    team.get('/files', ok);
    app.use('/teams/:team', requireAccess({ gate }), team);
    app.use(/^\/legacy/, requireAccess({ gate }));
    app.get('/legacy/report', ok);
    app.get(version === '5' ? '/teams/:team/*rest' : '/teams/:team/*', ok);
    const rows = listRoutes(app);
    expect(table(rows)).toEqual([
      'GET /teams/:team/files → access via app',
      'GET /legacy/report → unknown via app',
      `GET /teams/:team/${version === '5' ? '*rest' : '*'} → access via app`,
    ]);
    expect(rows[1]?.note).toMatch(/mounted on/);
  });

  it('a gate on one prefix does not cover another, and a pattern route it may or may not cover is unknown', () => {
    const app = createApp();
    app.use('/pro', requireAccess({ gate }));
    app.get('/product', ok);
    app.get('/:section/report', ok);
    expect(table(listRoutes(app))).toEqual(['GET /product → null', 'GET /:section/report → unknown via app']);
  });

  it('lists a sub-app as one unknown mount row unless a gate before it covers it', () => {
    const app = createApp();
    const sub = createApp();
    sub.get('/inside', ok);
    app.use('/sub', sub);
    app.use('/paid-sub', requireAccess({ gate }), createApp());
    app.use('/static', pass);
    expect(table(listRoutes(app))).toEqual(['* /sub/* → unknown via mount', '* /paid-sub/* → access via app', '* /static/* → unknown via mount']);
  });

  it('lists a bare router too', () => {
    const router = express.Router();
    router.use(requireAccess({ gate }));
    router.get('/x', ok);
    expect(table(listRoutes(router))).toEqual(['GET /x → access via router']);
  });
});

it('refuses what is not an Express app', () => {
  expect(() => listRoutes({})).toThrow(/Express app/);
});
