// A small paid-content Fastify app: a free landing route and two paid routes gated by @licenzy-gate/fastify.
import { createAccessGate } from '@licenzy-gate/core';
import licenzyGate, { webhookHandler } from '@licenzy-gate/fastify';
import Fastify from 'fastify';

const port = Number(process.env.PORT ?? 3000);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`PORT must be an integer from 0 to 65535, got "${process.env.PORT}"`);
  process.exit(1);
}

// One gate for every paid route, so they share one decision cache. It reads LICENZY_API_KEY and
// LICENZY_API_URL from the environment and throws (naming the variable's option) if they are missing.
let gate;
try {
  gate = createAccessGate();
} catch (error) {
  console.error(error.message);
  process.exit(1);
}

// Logs (including the gate's fail-open and misconfiguration reports) go to stderr; stdout only says where we listen.
const app = Fastify({ logger: { level: 'warn', stream: process.stderr } });

// ⚠️ DEMO ONLY — NOT AUTHENTICATION. ⚠️
// This hook trusts `Authorization: Demo <user_id>` from the client, so anyone can claim to be anyone.
// Replace it with real server-side auth (@fastify/jwt, a session, …) that sets `request.user` from a
// verified identity; the plugin reads `request.user.id`, then `request.user.sub`.
app.addHook('onRequest', async (request) => {
  const match = /^Demo ([A-Za-z0-9_.:-]{1,128})$/.exec(request.headers.authorization ?? '');
  if (match) request.user = { id: match[1] };
});

await app.register(licenzyGate, { gate });

// Licenzy's webhooks (refunds, revocations, purchases) make the gate forget the subject at once, instead of when its
// cached answer expires. Registered only with LICENZY_WEBHOOK_SECRET (npm start sets it); the plugin reads the raw
// body itself to verify the signature.
if (process.env.LICENZY_WEBHOOK_SECRET) {
  await app.register(webhookHandler({ gate, scheme: 'standard-webhooks', secret: process.env.LICENZY_WEBHOOK_SECRET }), { prefix: '/webhooks/licenzy' });
}

app.get('/', async (_request, reply) => {
  reply.type('text/plain; charset=utf-8');
  return [
    'licenzy-gate Fastify demo',
    '',
    'GET /              this page (free)',
    'GET /pro/report    paid: needs an active Licenzy entitlement',
    'GET /pro/download  paid: same gate, same cache',
    'POST /api/reports  metered: 1 unit of a usage pack per report (402 when none are left)',
    'GET /api/access-status  after checkout: 200 once access is active, else 202 after waiting up to 5 s',
    '',
    'Log in (demo only): -H "Authorization: Demo <user_id>"',
    'Without it: 401. Logged in without paying: 403. Paying: 200.',
    '',
  ].join('\n');
});

// The same JSON in all three examples: { report, subjectRef, source }.
app.get('/pro/report', { preHandler: app.requireAccess() }, async (request) => ({
  report: 'Quarterly numbers, for paying users only',
  subjectRef: request.licenzy.subjectRef,
  source: request.licenzy.source,
}));

// The page a checkout returns to asks Licenzy now instead of trusting a cached "no". Freshness is the route's
// choice, never the client's (a `?paid=1` would let anyone force Licenzy calls); the gate bounds it per subject.
app.get('/pro/download', { preHandler: app.requireAccess({ fresh: true }) }, async (_request, reply) => {
  reply.header('content-disposition', 'attachment; filename="report.csv"').type('text/csv; charset=utf-8');
  return 'quarter,revenue\nQ1,100\nQ2,120\n';
});

// Metered: each report costs one unit of the user's usage pack, charged before the handler runs. A client that
// sends an Idempotency-Key header and retries is charged once.
app.post('/api/reports', { preHandler: app.requireUsage({ units: 1 }) }, async (request) => ({
  report: 'One generated report',
  unitsLeft: request.licenzy.usage.remaining,
}));

// The page checkout returns to polls this: it waits server-side (up to 5 s) for Licenzy to process the payment.
app.get('/api/access-status', app.accessStatus());

await app.listen({ port, host: '127.0.0.1' });
console.log(`listening on http://127.0.0.1:${app.server.address().port}`);

let closing = false;
async function shutdown() {
  if (closing) return;
  closing = true;
  await app.close();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown());
process.on('SIGTERM', () => void shutdown());
