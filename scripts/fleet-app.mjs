// One app instance of a fleet (issue 9): Express + the built packages, the shared Redis tier, a webhook route, and an
// IPC side channel the multi-instance test and bench read their measurements through. Run by scripts/fleet.mjs.
//
// Environment: LICENZY_API_KEY, LICENZY_API_URL (the gate's), REDIS_URL (the shared tier; absent = no tier, each
// process on its own LRU) or FLEET_REDIS_MODE=cluster|sentinel with FLEET_REDIS_NODES, FLEET_REDIS_CLIENT
// (url|node-redis|ioredis) and FLEET_REDIS_SENTINEL (see lib/fleet-tier.mjs), LICENZY_WEBHOOK_SECRET (a whsec_ secret;
// absent = no webhook route), PORT (default 0),
// FLEET_TTL / FLEET_DENIED_TTL (ms, the gate's cache lifetimes; defaults 30000 / 5000).
//
// Routes: GET /pro (paid; the demo identity is the `x-demo-user` header, tests only), GET /pro/fresh (the same,
// asking Licenzy now: the page a checkout returns to), POST /webhooks/licenzy (Standard Webhooks).
// Answers of the paid routes carry `x-decision-source` (licenzy | cache | stale) so a caller can tell L1/L2 from Licenzy.
import diagnostics from 'node:diagnostics_channel';
import { CHANNELS, createAccessGate } from '@licenzy-gate/core';
import { requireAccess, webhookHandler } from '@licenzy-gate/express';
import express from 'express';
import { fleetTier } from './lib/fleet-tier.mjs';

const env = process.env;
const lifetime = (name, fallback) => {
  const value = env[name] === undefined ? fallback : Number(env[name]);
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer (ms)`);
  return value;
};

// Operator lines (Redis or Licenzy unavailable, recovered) go to stderr; they never contain the key or the secret.
const logger = {
  warn: (message) => console.error(`[fleet ${process.pid}] ${message}`),
  error: (message) => console.error(`[fleet ${process.pid}] ${message}`),
};

// One redis-server (REDIS_URL), a cluster or Sentinel (FLEET_REDIS_MODE, …: scripts/lib/fleet-tier.mjs), or none.
const tier = await fleetTier(env, logger);
const shared = tier.shared;
const gate = createAccessGate({
  apiKey: env.LICENZY_API_KEY,
  baseUrl: env.LICENZY_API_URL,
  cache: { ttl: lifetime('FLEET_TTL', 30_000), deniedTtl: lifetime('FLEET_DENIED_TTL', 5_000) },
  // A failed call is retried by the next request, not inside this one: answers stay fast and counts exact.
  retries: 0,
  shared,
  logger,
});

// What the test and bench observe: when other instances' invalidations arrived (wall clock, sub-ms, comparable
// across processes on one machine) and how often the pub/sub link was reset.
const wallNow = () => performance.timeOrigin + performance.now();
const broadcastsSeen = new Map();
let resets = 0;
diagnostics.subscribe(CHANNELS.invalidate, (event) => {
  if (event.reason === 'broadcast' && event.subjectRef !== undefined) broadcastsSeen.set(event.subjectRef, wallNow());
});
diagnostics.subscribe(CHANNELS.shared, (event) => {
  if (event.type === 'reset') resets++;
});

const subject = (req) => req.get('x-demo-user') || undefined;
const answer = (req, res) => {
  res.set('x-decision-source', req.licenzy.source).json({ subject: req.licenzy.subjectRef, source: req.licenzy.source });
};

const app = express();
app.disable('x-powered-by');
if (env.LICENZY_WEBHOOK_SECRET) {
  // Before any body parser: the handler reads the raw bytes the signature covers.
  app.post('/webhooks/licenzy', webhookHandler({ gate, scheme: 'standard-webhooks', secret: env.LICENZY_WEBHOOK_SECRET, logger }));
}
app.get('/pro', requireAccess({ gate, subject, logger }), answer);
app.get('/pro/fresh', requireAccess({ gate, subject, fresh: true, logger }), answer);

/** Commands from the parent (scripts/fleet.mjs); each answers `{ id, result }` or `{ id, error }`. */
const commands = {
  stats: () => gate.stats(),
  /** Invalidates here (→ every other instance) and returns the wall-clock time just before. */
  invalidate: (subjectRef) => {
    const at = wallNow();
    gate.invalidate(subjectRef);
    return at;
  },
  /** When this instance heard of another instance's invalidation of `subjectRef` (undefined: not yet). */
  broadcastSeen: (subjectRef) => broadcastsSeen.get(subjectRef),
  resets: () => resets,
  /** Is the subject in this instance's L1 (without counting as a request)? */
  cached: (subjectRef) => gate.peek(subjectRef)?.allowed,
  /** Times `gate.check()` per subject in this process, in ms (e.g. L1 misses answered by the tier). */
  timeChecks: async (subjects) => {
    const out = [];
    for (const subjectRef of subjects) {
      const t0 = performance.now();
      const decision = await gate.check(subjectRef);
      out.push({ ms: performance.now() - t0, allowed: decision.allowed, source: decision.source });
    }
    return out;
  },
  /** ns per L1 hit of one subject on the synchronous path the adapters use (`gate.peek()`), over `n` calls. */
  hitLoop: async ({ subjectRef, n }) => {
    await gate.check(subjectRef);
    for (let i = 0; i < n; i++) gate.peek(subjectRef); // warm-up: timed calls run optimised code
    let hits = 0;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) if (gate.peek(subjectRef) !== undefined) hits++;
    const ns = Number(process.hrtime.bigint() - t0) / n;
    if (hits !== n) throw new Error(`expected ${n} hits, got ${hits}`);
    return ns;
  },
};

const server = app.listen(Number(env.PORT ?? 0), '127.0.0.1', () => {
  const url = `http://127.0.0.1:${server.address().port}`;
  console.log(`listening on ${url}`);
  process.send?.({ type: 'ready', url });
});
server.once('error', (error) => {
  console.error(`could not listen: ${error.message}`);
  process.exit(1);
});

process.on('message', async ({ id, cmd, args }) => {
  try {
    const handler = commands[cmd];
    if (handler === undefined) throw new Error(`unknown command ${cmd}`);
    process.send({ id, result: await handler(args) });
  } catch (error) {
    process.send({ id, error: error instanceof Error ? error.message : String(error) });
  }
});

async function shutdown() {
  server.close();
  server.closeAllConnections();
  await tier.close().catch(() => undefined);
  process.exit(0);
}
// The parent going away (even by a crash) takes the instance with it: no orphaned servers.
process.on('disconnect', () => void shutdown());
process.once('SIGTERM', () => void shutdown());
process.once('SIGINT', () => void shutdown());
