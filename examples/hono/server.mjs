// A small paid-content Hono app on Node (@hono/node-server): a free index, two paid routes, a metered route, a report-only
// route and the checkout status route, gated by @licenzy-gate/hono (demo only).
import { serve } from '@hono/node-server';
import { accessStatus, createAccessGate, requireAccess, requireUsage, webhookHandler } from '@licenzy-gate/hono';
import { Hono } from 'hono';

const port = Number(process.env.PORT || 3000);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`PORT must be an integer from 0 to 65535, got ${JSON.stringify(process.env.PORT)}`);
  process.exit(2);
}

// One gate for every paid route: one decision cache, one Licenzy client. Reads LICENZY_API_KEY and LICENZY_API_URL from
// the environment and throws LicenzyConfigError (naming the variable) if they are unset. On Workers, where there is no
// process.env, pass them: createAccessGate({ apiKey: env.LICENZY_API_KEY, baseUrl: env.LICENZY_API_URL }).
const gate = createAccessGate();
const paid = requireAccess({ gate });

const app = new Hono();

// ---------------------------------------------------------------------------------------------------------
// DEMO ONLY: THIS "LOGIN" TRUSTS WHATEVER THE CLIENT SENDS. `Authorization: Demo <user_id>` makes anyone
// that user. Replace it with real authentication (hono/jwt, a session middleware) that sets c.get('user')
// (or hono/jwt's c.get('jwtPayload')) only after verifying who the user is: that is where requireAccess() looks.
// ---------------------------------------------------------------------------------------------------------
app.use(async (c, next) => {
  const match = /^Demo ([A-Za-z0-9_.:-]{1,128})$/.exec(c.req.header('authorization') ?? '');
  if (match) c.set('user', { id: match[1] });
  await next();
});

// Licenzy's webhooks (refunds, revocations, purchases) make the gate forget the subject at once, instead of when its
// cached answer expires. Mounted only with LICENZY_WEBHOOK_SECRET (npm start sets it). The handler reads the raw body
// from the Request itself to verify the signature: no body-reading middleware (a validator) runs before it.
if (process.env.LICENZY_WEBHOOK_SECRET) {
  app.post('/webhooks/licenzy', webhookHandler({ gate, scheme: 'standard-webhooks', secret: process.env.LICENZY_WEBHOOK_SECRET }));
}

app.get('/', (c) =>
  c.text(
    [
      'licenzy-gate Hono example',
      '',
      'GET /              this page (free)',
      'GET /pro/report    paid: a report for paying users',
      'GET /pro/download  paid: a download for paying users',
      'POST /api/reports  metered: 1 unit of a usage pack per report (402 when none are left)',
      'GET /beta/charts   report-only: always served; a user who would be refused is reported (a summary line at most once a minute)',
      'GET /api/access-status  after checkout: 200 once access is active, else 202 after waiting up to 5 s',
      '',
      'Log in (demo only) with the header  Authorization: Demo <user_id>',
      'Without it the paid routes answer 401; a user without an entitlement gets 403.',
      '',
    ].join('\n'),
  ),
);

app.get('/pro/report', paid, (c) => {
  const decision = c.get('licenzy');
  // The same JSON in every example: { report, subjectRef, source }.
  return c.json({ report: 'Quarterly numbers, for paying users only', subjectRef: decision.subjectRef, source: decision.source });
});

app.get('/pro/download', paid, (c) => {
  c.header('content-disposition', 'attachment; filename="premium.txt"');
  return c.text(`Premium content for ${c.get('licenzy').subjectRef}\n`);
});

// Metered: each report costs one unit of the user's usage pack, charged before the handler runs. A client that sends an
// Idempotency-Key header and retries is charged once.
app.post('/api/reports', requireUsage({ gate, units: 1 }), (c) => c.json({ report: 'One generated report', unitsLeft: c.get('licenzy').usage.remaining }));

// Report-only (rolling a paywall out): the handler always runs; who would have been refused is reported, and
// c.get('licenzy') says enforced: false when the cache had a decision.
app.get('/beta/charts', requireAccess({ gate, reportOnly: true }), (c) => {
  const decision = c.get('licenzy');
  return c.json({ charts: 'Beta charts, free while we roll the paywall out', wouldRefuse: decision?.enforced === false && !decision.allowed });
});

// The page checkout returns to polls this: it waits server-side (up to 5 s) for Licenzy to process the payment.
app.get('/api/access-status', accessStatus({ gate }));

const server = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, (info) => {
  console.log(`listening on http://127.0.0.1:${info.port}`);
});
server.once('error', (error) => {
  console.error(`could not listen on 127.0.0.1:${port}: ${error.message}`);
  process.exit(1);
});

function shutdown() {
  server.close(() => process.exit(0));
  // Idle keep-alive connections would otherwise hold close() open.
  server.closeIdleConnections();
}
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
