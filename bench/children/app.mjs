// One web app under load, in its own process: Express, Koa or Fastify, bare, gated by licenzy-gate, or gated naively.
import { childConfig, cpuMicros, serveParent } from '../lib/child.mjs';
import { sessionTokens } from '../lib/sessions.mjs';

/**
 * config: { framework: 'express' | 'koa' | 'fastify', variant: 'bare' | 'noop' | 'gated' | 'naive',
 *           licenzy: { url, apiKey }, cache?: AccessCacheOptions, users?: number, sessions?: { [token]: user } }
 * Every variant has the same stand-in for session auth (a token → user lookup), so only the gate differs.
 * `noop` puts an empty middleware where the gate goes: what the framework charges for any middleware there.
 * Routes: GET /pro (the paid route) and GET /health (never gated; used to open connections).
 */
const config = childConfig();
const sessions = new Map(sessionTokens(config.users ?? 1).map(({ token, user }) => [token, { id: user }]));
for (const [token, user] of Object.entries(config.sessions ?? {})) sessions.set(token, { id: user });
const TOKEN_START = 'Bearer '.length;
const userOf = (authorization) => (authorization === undefined ? undefined : sessions.get(authorization.slice(TOKEN_START)));

let gate;
async function createGate() {
  const { createAccessGate } = await import('@licenzy-gate/core');
  gate = createAccessGate({ apiKey: config.licenzy.apiKey, baseUrl: config.licenzy.url, cache: config.cache });
  return gate;
}

/** What users write without licenzy-gate: one Licenzy round trip per request, no cache, no coalescing. */
async function naiveCheck(subjectRef) {
  const response = await fetch(`${config.licenzy.url}/v1/access/check`, {
    method: 'POST',
    headers: { authorization: `Bearer ${config.licenzy.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ subject_ref: subjectRef }),
  });
  const body = await response.json();
  return response.ok && body.allowed === true;
}

async function expressApp() {
  const { default: express } = await import('express');
  const app = express();
  app.disable('x-powered-by');
  app.use(function session(req, _res, next) {
    req.user = userOf(req.headers.authorization);
    next();
  });
  const handlers = [];
  if (config.variant === 'gated') {
    const { requireAccess } = await import('@licenzy-gate/express');
    handlers.push(requireAccess({ gate: await createGate(), subject: (req) => req.user?.id }));
  } else if (config.variant === 'noop') {
    handlers.push(function noop(_req, _res, next) {
      next();
    });
  } else if (config.variant === 'naive') {
    handlers.push(function naiveAccess(req, res, next) {
      naiveCheck(req.user.id).then((allowed) => (allowed ? next() : res.status(403).json({ error: 'forbidden' })), next);
    });
  }
  app.get('/health', (_req, res) => res.json({ ok: true }));
  app.get('/pro', ...handlers, (_req, res) => res.json({ ok: true }));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return server.address().port;
}

async function koaApp() {
  const [{ default: Koa }, { default: Router }] = await Promise.all([import('koa'), import('@koa/router')]);
  const app = new Koa();
  const router = new Router();
  app.use(function session(ctx, next) {
    ctx.state.user = userOf(ctx.get('authorization') || undefined);
    return next();
  });
  const handlers = [];
  if (config.variant === 'gated') {
    const { requireAccess } = await import('@licenzy-gate/koa');
    handlers.push(requireAccess({ gate: await createGate(), subject: (ctx) => ctx.state.user?.id }));
  } else if (config.variant === 'noop') {
    handlers.push(function noop(_ctx, next) {
      return next();
    });
  } else if (config.variant !== 'bare') {
    throw new Error(`variant ${config.variant} is only built for Express`);
  }
  router.get('/health', (ctx) => { ctx.body = { ok: true }; });
  router.get('/pro', ...handlers, (ctx) => { ctx.body = { ok: true }; });
  app.use(router.routes());
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return server.address().port;
}

async function fastifyApp() {
  const { default: Fastify } = await import('fastify');
  const app = Fastify({ logger: false });
  app.decorateRequest('user', null);
  app.addHook('onRequest', function session(request, _reply, done) {
    request.user = userOf(request.headers.authorization);
    done();
  });
  const routeOptions = {};
  if (config.variant === 'gated') {
    const { licenzyGate } = await import('@licenzy-gate/fastify');
    await app.register(licenzyGate, { gate: await createGate(), subject: (request) => request.user?.id });
    routeOptions.preHandler = app.requireAccess();
  } else if (config.variant === 'noop') {
    routeOptions.preHandler = function noop(_request, _reply, done) {
      done();
    };
  } else if (config.variant !== 'bare') {
    throw new Error(`variant ${config.variant} is only built for Express`);
  }
  app.get('/health', async () => ({ ok: true }));
  app.get('/pro', routeOptions, async () => ({ ok: true }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  return app.server.address().port;
}

const builders = { express: expressApp, koa: koaApp, fastify: fastifyApp };
if (!(config.framework in builders)) throw new Error(`unknown framework ${config.framework}`);
const port = await builders[config.framework]();

serveParent(
  {
    /** Puts subjects in the cache (a Licenzy call each) so the measured runs are pure cache hits. */
    warm: async (subjects) => {
      await Promise.all(subjects.map((subject) => gate.check(subject)));
      return gate.stats();
    },
    stats: () => gate?.stats(),
    cpu: () => cpuMicros(),
  },
  { port, url: `http://127.0.0.1:${port}` },
);
