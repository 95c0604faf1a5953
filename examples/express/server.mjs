// A small paid-content Express app (demo only): the gate from the environment, the app from app.mjs, listening on PORT.
import { createAccessGate } from '@licenzy-gate/express';
import { createApp } from './app.mjs';

// Several instances behind a load balancer (`npm start -- --instances 3`): with REDIS_URL set, every instance shares
// one decision tier on Redis, and an invalidation on one (a webhook, a refund) reaches all of them. Optional: it needs
// `npm install @licenzy-gate/redis`, so it is only loaded when asked for.
let shared;
if (process.env.REDIS_URL) {
  const { createRedisTier } = await import('@licenzy-gate/redis');
  // REDIS_CLUSTER=1: the URL is one node of a Redis Cluster; REDIS_SENTINEL=<name>: the URL is one Sentinel.
  const topology = process.env.REDIS_CLUSTER === '1' ? { cluster: true } : process.env.REDIS_SENTINEL ? { sentinel: process.env.REDIS_SENTINEL } : {};
  shared = createRedisTier({ url: process.env.REDIS_URL, ...topology });
}

// One gate for every paid route: one decision cache, one Licenzy client. createAccessGate is core's,
// re-exported by the adapter. It reads LICENZY_API_KEY and LICENZY_API_URL from the environment and
// throws LicenzyConfigError (naming the option) if they are missing or malformed.
const gate = createAccessGate({ shared });
const app = createApp({ gate, webhookSecret: process.env.LICENZY_WEBHOOK_SECRET });

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
