// Type tests: c.get('licenzy') typed through Hono's Variables, options and hooks typed with the Context.
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { expectTypeOf, test } from 'vitest';
import { accessStatus, requireAccess, requireUsage, webhookHandler, type AccessGate, type LicenzyEnv, type RequestDecision } from '../src/index.js';

declare const gate: AccessGate;

test('the decision is typed on c.get(licenzy) after the middleware', () => {
  const app = new Hono();
  app.get('/pro', requireAccess({ gate }), (c) => {
    expectTypeOf(c.get('licenzy')).toEqualTypeOf<RequestDecision | undefined>();
    return c.json({ subject: c.get('licenzy')?.subjectRef });
  });
  const typed = new Hono<LicenzyEnv>();
  typed.use('/pro/*', requireAccess({ gate }));
  typed.get('/pro/x', (c) => c.text(String(c.get('licenzy')?.usage?.remaining)));
  expectTypeOf(requireAccess()).toEqualTypeOf<MiddlewareHandler<LicenzyEnv>>();
  expectTypeOf(requireUsage({ gate, units: 1 })).toEqualTypeOf<MiddlewareHandler<LicenzyEnv>>();
});

test('resolvers and hooks receive the Hono Context; hooks return a Response', () => {
  requireAccess({ subject: (c) => { expectTypeOf(c).toEqualTypeOf<Context>(); return c.get('jwtPayload' as never); } });
  requireAccess({ onDenied: (c, error) => { expectTypeOf(error.code).toBeString(); return c.redirect('/pricing'); } });
  requireUsage({ gate, units: (c) => Number(c.req.query('pages')), onExhausted: (c) => c.json({ buy: '/pricing' }, 402) });
  // @ts-expect-error units is required
  requireUsage({ gate });
  // @ts-expect-error a hook must answer with a Response
  requireAccess({ onDenied: () => 'nope' });
  accessStatus({ gate, wait: 5_000 });
  webhookHandler({ gate, scheme: 'standard-webhooks', secret: 'whsec_x' });
});
