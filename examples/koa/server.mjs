// A small paid-content Koa app: a free index and two paid routes gated by @licenzy-gate/koa (demo only).
import Router from '@koa/router';
import { accessStatus, createAccessGate, requireAccess, requireUsage, webhookHandler } from '@licenzy-gate/koa';
import Koa from 'koa';

// One gate for every paid route: one decision cache, one Licenzy client. Reads LICENZY_API_KEY and
// LICENZY_API_URL from the environment and throws LicenzyConfigError (naming the variable) if they are unset.
const gate = createAccessGate();
const paid = requireAccess({ gate });

const app = new Koa();

// ---------------------------------------------------------------------------------------------------------
// DEMO ONLY: THIS "LOGIN" TRUSTS WHATEVER THE CLIENT SENDS. `Authorization: Demo <user_id>` makes anyone
// that user. Replace it with real authentication (koa-passport, koa-jwt, your session middleware) that
// puts the verified user on ctx.state.user — which is where requireAccess() looks by default.
// ---------------------------------------------------------------------------------------------------------
app.use(async (ctx, next) => {
  const match = /^Demo ([A-Za-z0-9_.:-]{1,128})$/.exec(ctx.get('authorization'));
  if (match) ctx.state.user = { id: match[1] };
  await next();
});

const router = new Router();

// Licenzy's webhooks (refunds, revocations, purchases) make the gate forget the subject at once, instead of when its
// cached answer expires. Mounted only with LICENZY_WEBHOOK_SECRET (npm start sets it); no body parser runs before it:
// the handler verifies the signature over the raw bytes.
if (process.env.LICENZY_WEBHOOK_SECRET) {
  router.post('/webhooks/licenzy', webhookHandler({ gate, scheme: 'standard-webhooks', secret: process.env.LICENZY_WEBHOOK_SECRET }));
}

router.get('/', (ctx) => {
  ctx.type = 'text/plain';
  ctx.body = [
    'licenzy-gate Koa example',
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
  ].join('\n');
});

router.get('/pro/report', paid, (ctx) => {
  const decision = ctx.state.licenzy;
  // The same JSON in all three examples: { report, subjectRef, source }.
  ctx.body = { report: 'Quarterly numbers, for paying users only', subjectRef: decision.subjectRef, source: decision.source };
});

router.get('/pro/download', paid, (ctx) => {
  ctx.type = 'text/plain';
  ctx.attachment('premium.txt');
  ctx.body = `Premium content for ${ctx.state.licenzy.subjectRef}\n`;
});

// Metered: each report costs one unit of the user's usage pack, charged before the handler runs. A client that
// sends an Idempotency-Key header and retries is charged once.
router.post('/api/reports', requireUsage({ gate, units: 1 }), (ctx) => {
  ctx.body = { report: 'One generated report', unitsLeft: ctx.state.licenzy.usage.remaining };
});

// The page checkout returns to polls this: it waits server-side (up to 5 s) for Licenzy to process the payment.
router.get('/api/access-status', accessStatus({ gate }));

app.use(router.routes());
app.use(router.allowedMethods());

const port = Number(process.env.PORT || 3000);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`PORT must be an integer from 0 to 65535, got ${JSON.stringify(process.env.PORT)}`);
  process.exit(2);
}

const server = app.listen(port, '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});

function shutdown() {
  server.close(() => process.exit(0));
  // Idle keep-alive connections would otherwise hold close() open.
  server.closeIdleConnections();
}
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
