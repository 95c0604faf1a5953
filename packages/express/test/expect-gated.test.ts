// expectGated's probe over real HTTP against a local Licenzy: an app whose paid route answers a path variant
// anonymously fails it, a correctly gated app passes. The ratchet runs on this adapter's listRoutes().
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { NextFunction, Request, Response } from 'express';
import { expectGated, useLocalLicenzy } from '@licenzy-gate/testing';
import { listRoutes, requireAccess } from '../src/index.js';
import { demoAuth, majors } from './serve.js';

const licenzy = useLocalLicenzy({ hooks: { beforeAll, afterAll, afterEach }, gate: { retries: 0 } });
const paid = (_req: Request, res: Response) => void res.json({ report: 'paid' });
const rules = { paid: ['/pro/**'], free: ['GET /health'] };

describe.each(majors)('expectGated with probe ($major)', ({ createApp }) => {
  it('passes on an app gated with app.use(path, requireAccess())', async () => {
    const app = createApp();
    app.use(demoAuth);
    app.use('/pro', requireAccess({ gate: licenzy.gate() }));
    app.get('/pro/report', paid);
    app.get('/health', (_req, res) => void res.end());
    await expectGated(() => listRoutes(app), { ...rules, probe: true, listener: app });
  });

  it('fails when a path variant reaches the paid handler anonymously (a hand-rolled, case-sensitive gate)', async () => {
    const app = createApp();
    app.use(demoAuth);
    const gate = requireAccess({ gate: licenzy.gate() });
    // The leak the probe exists for: `/PRO/report` skips this check, and Express routes it to the paid handler.
    app.use((req: Request, res: Response, next: NextFunction) => (req.path.startsWith('/pro') ? gate(req, res, next) : next()));
    app.get('/pro/report', paid);
    app.get('/health', (_req, res) => void res.end());
    // The wrapper hides the gate from listRoutes (null), so the ratchet alone already fails; the rows below claim the
    // route is gated, as a wrong inventory would, to show the probe catches the leak by itself.
    const claimed = listRoutes(app).map((row) => (row.path === '/pro/report' ? { ...row, gate: 'access' as const, via: 'app' as const } : row));
    const error = await expectGated(claimed, { ...rules, probe: true, listener: app }).then(() => undefined, (thrown: unknown) => thrown as Error);
    expect(error?.message).toMatch(/paid handlers reached without access \(probe\):/);
    expect(error?.message).toContain('GET /PRO/REPORT (whole path in upper case, anonymous) → 200, for GET /pro/report');
    expect(error?.message).toContain('unentitled');
    expect(error?.message).not.toContain('GET /pro/report (as documented');
  });
});
