// The Express example's app (demo only): a free index, two paid routes, a metered route and the checkout status route,
// all on the gate it is given. server.mjs builds the gate from the environment and listens; tests build it on theirs.
import { accessStatus, requireAccess, requireUsage, webhookHandler } from '@licenzy-gate/express';
import express from 'express';

/**
 * Builds the example app on `gate` (one gate for every paid route: one decision cache, one Licenzy client).
 * @param {{ gate: import('@licenzy-gate/express').AccessGate, webhookSecret?: string }} options
 *   `webhookSecret`: mounts Licenzy's webhook receiver at `POST /webhooks/licenzy` when set. Default: not mounted.
 * @returns {import('express').Express}
 * @example
 * const app = createApp({ gate: createAccessGate() });
 * app.listen(3000);
 */
export function createApp({ gate, webhookSecret }) {
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
  if (webhookSecret) {
    app.post('/webhooks/licenzy', webhookHandler({ gate, scheme: 'standard-webhooks', secret: webhookSecret }));
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
        'GET /beta/charts   report-only: always served; a user who would be refused is reported (a summary line at most once a minute)',
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

  // Report-only (rolling a paywall out): the handler always runs; who would have been refused is reported on
  // licenzy-gate:report, as licenzy.gate.would_refuse and in a summary line, and req.licenzy says enforced: false.
  app.get('/beta/charts', requireAccess({ gate, reportOnly: true }), (req, res) => {
    res.json({ charts: 'Beta charts, free while we roll the paywall out', wouldRefuse: req.licenzy?.enforced === false && !req.licenzy.allowed });
  });

  // The page checkout returns to polls this: it waits server-side (up to 5 s) for Licenzy to process the payment.
  app.get('/api/access-status', accessStatus({ gate }));

  return app;
}
