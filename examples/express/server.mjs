// A small paid-content Express app: a free index and two paid routes gated by @licenzy-gate/express (demo only).
import { accessStatus, createAccessGate, requireAccess, requireUsage, webhookHandler } from '@licenzy-gate/express';
import express from 'express';

// Several instances behind a load balancer (`npm start -- --instances 3`): with REDIS_URL set, every instance shares
// one decision tier on Redis, and an invalidation on one (a webhook, a refund) reaches all of them. Optional: it needs
// `npm install @licenzy-gate/redis`, so it is only loaded when asked for.
let shared;
if (process.env.REDIS_URL) {
  const { createRedisTier } = await import('@licenzy-gate/redis');
  shared = createRedisTier({ url: process.env.REDIS_URL });
}

// One gate for every paid route: one decision cache, one Licenzy client. createAccessGate is core's,
// re-exported by the adapter. It reads LICENZY_API_KEY and LICENZY_API_URL from the environment and
// throws LicenzyConfigError (naming the option) if they are missing or malformed.
const gate = createAccessGate({ shared });
const paid = requireAccess({ gate });

const app = express();
app.disable('x-powered-by');

// ---------------------------------------------------------------------------------------------------------
// DEMO ONLY: THIS "LOGIN" TRUSTS WHATEVER THE CLIENT SENDS. `Authorization: Demo <user_id>` makes anyone
// that user. Replace it with real authentication (Passport, express-jwt, express-oauth2-jwt-bearer, your
// session middleware) that sets req.user only after verifying who the user is: requireAccess() reads
// req.user.id by default, so whatever lands there decides whose entitlement is checked.
// ---------------------------------------------------------------------------------------------------------
app.use((req, _res, next) => {
  const match = /^Demo ([A-Za-z0-9_.:-]{1,128})$/.exec(req.get('authorization') ?? '');
  if (match) req.user = { id: match[1] };
  next();
});

// Licenzy's webhooks (refunds, revocations, purchases) make the gate forget the subject, on every instance when the
// tier is on. Mounted before any body parser: the handler verifies the signature over the raw bytes.
if (process.env.LICENZY_WEBHOOK_SECRET) {
  app.post('/webhooks/licenzy', webhookHandler({ gate, scheme: 'standard-webhooks', secret: process.env.LICENZY_WEBHOOK_SECRET }));
}

app.get('/', (_req, res) => {
  res.type('text/plain').send(
    [
      'licenzy-gate Express example',
      '',
      'GET /              this page (free)',
      'GET /pro/report    paid: a report for paying users',
      'GET /pro/download  paid: a download for paying users',
      'POST /api/reports  metered: 1 unit of a usage pack per report (402 when none are left)',
      'GET /api/access-status  after checkout: 200 once access is active, else 202 after waiting up to 5 s',
      '',
      'Log in (demo only) with the header  Authorization: Demo <user_id>',
      'Without it the paid routes answer 401; a user without an entitlement gets 403.',
      '',
    ].join('\n'),
  );
});

app.get('/pro/report', paid, (req, res) => {
  // The same JSON in all three examples: { report, subjectRef, source }.
  res.json({ report: 'Quarterly numbers, for paying users only', subjectRef: req.licenzy.subjectRef, source: req.licenzy.source });
});

app.get('/pro/download', paid, (req, res) => {
  res.attachment('premium.txt').type('text/plain').send(`Premium content for ${req.licenzy.subjectRef}\n`);
});

// Metered: each report costs one unit of the user's usage pack, charged before the handler runs. A client that
// sends an Idempotency-Key header and retries is charged once.
app.post('/api/reports', requireUsage({ gate, units: 1 }), (req, res) => {
  res.json({ report: 'One generated report', unitsLeft: req.licenzy.usage.remaining });
});

// The page checkout returns to polls this: it waits server-side (up to 5 s) for Licenzy to process the payment.
app.get('/api/access-status', accessStatus({ gate }));

const port = Number(process.env.PORT || 3000);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`PORT must be an integer from 0 to 65535, got ${JSON.stringify(process.env.PORT)}`);
  process.exit(2);
}

const server = app.listen(port, '127.0.0.1', (error) => {
  // Express 5 passes a listen error here (e.g. EADDRINUSE); Express 4 never does.
  if (error) {
    console.error(`could not listen on 127.0.0.1:${port}: ${error.message}`);
    process.exit(1);
  }
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});

function shutdown() {
  server.close(() => {
    if (shared === undefined) process.exit(0);
    else void shared.close().finally(() => process.exit(0));
  });
  // Idle keep-alive connections would otherwise hold close() open.
  server.closeIdleConnections();
}
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
