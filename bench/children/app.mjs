// One web app under load, in its own process: Express, Koa or Fastify, bare, gated by licenzy-gate, or gated naively.
import v8 from 'node:v8';
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
/**
 * `floor` (experiments): the least any cache can do on a hit, a plain `Map` from subject to a frozen decision, keyed by
 * strings built apart from the sessions' (as the gate's keys come from its own calls): what `peek` is compared with.
 */
function floorDecisions() {
  const subjects = [...sessions.values()].map((user) => [...user.id].join(''));
  return new Map(subjects.map((subjectRef) => [subjectRef, Object.freeze({ subjectRef, allowed: true, source: 'cache', checkedAt: 0, mode: 'test' })]));
}
/** `lean` (experiments, issue 25): bench/experiments/lean-hit.mjs over the same decisions as `floor`. */
async function leanCache() {
  const { createLeanPeek } = await import('../experiments/lean-hit.mjs');
  return createLeanPeek(floorDecisions());
}
/** Requests the paid route answered: the count a window of allocations is divided by (countStart/countStop). */
let served = 0;
function answered() {
  served++;
  return { ok: true };
}
// Experiment flags (bench/experiments): `now=date` injects Date.now as the gate's clock (no coarse clock, no timer);
const flags = new Set(config.flags ?? []);
const gates = [];
/**
 * `variant` 'gated-now' (experiments): the gate reads performance.now() on every hit instead of the coarse clock;
 * 'gated-const': a clock that never moves (no timer, no read: what the clock costs at all, by difference).
 */
const isGated = (variant) => variant === 'gated' || variant === 'gated-now' || variant === 'gated-const' || variant === 'gated-default' || variant.startsWith('gated@');
/**
 * The gated apps' `subject` option: the app's own resolver (`user.id`), or with `variant` 'gated-default' (experiments)
 * none, so the adapter's default resolver reads the same field, as `requireAccess()` without options does.
 */
const subjectOption = (variant, resolver) => (variant === 'gated-default' ? {} : { subject: resolver });
async function createGate(variant) {
  // `core=<name>`: the gate from another build of core, bench/experiments/builds/<name>/dist (e.g. one with a proposed
  // gate.ts patch, or the code before a change), handed to the workspace's adapters as `gate`: builds side by side.
  // `variant` 'gated@<name>' does the same for one app of a process (apps side by side in one process).
  const build = variant?.includes('@') ? variant.split('@')[1] : [...flags].find((flag) => flag.startsWith('core='))?.slice('core='.length);
  const { createAccessGate } = build === undefined ? await import('@licenzy-gate/core') : await import(new URL(`../experiments/builds/${build}/dist/cjs/index.js`, import.meta.url).href);
  // `stub`: the gate asks an in-process stand-in, so the process never loads undici or opens a connection.
  const client = flags.has('stub') ? { mode: 'test', checkAccess: async (subjectRef) => ({ subjectRef, allowed: true }) } : undefined;
  // `lazystore`: a decision store whose LRU allocates nothing for `max` up front (experiments on the preallocation).
  let store;
  if (flags.has('lazystore')) {
    const { createRequire } = await import('node:module');
    const { LRUCache } = createRequire(new URL('../../package.json', import.meta.url))('lru-cache');
    const lru = flags.has('prealloc') ? new LRUCache({ max: 10_000 }) : new LRUCache({ maxSize: 10_000, sizeCalculation: () => 1 });
    store = { get: (k) => lru.get(k), set: (k, v) => void lru.set(k, v), delete: (k) => lru.delete(k), clear: () => lru.clear(), get size() { return lru.size; } };
  }
  const made = createAccessGate({ ...(store ? { store } : {}), ...(client ? { client } : { apiKey: config.licenzy.apiKey, baseUrl: config.licenzy.url }), cache: flags.has('max100') ? { ...config.cache, max: 100 } : config.cache, ...(flags.has('now=date') ? { now: Date.now } : {}), ...(variant === 'gated-now' ? { now: () => performance.now() } : {}), ...(variant === 'gated-const' ? { now: () => 1_000_000 } : {}) });
  gates.push(made);
  gate ??= made;
  return made;
}
// `loaded`: a bare route in a process that also holds a warmed gate (core loaded, one Licenzy call made), for experiments.
if (['loaded', 'peek', 'guard', 'plugin-noop', 'assign'].includes(config.variant) || flags.has('early')) await createGate();
if (flags.has('early-import')) await import('@licenzy-gate/core');
if (flags.has('early-fastify-plugin')) await import('@licenzy-gate/fastify');

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

async function expressBase() {
  const { default: express } = await import('express');
  const app = express();
  app.disable('x-powered-by');
  app.use(function session(req, _res, next) {
    req.user = userOf(req.headers.authorization);
    next();
  });
  app.get('/health', (_req, res) => res.json({ ok: true }));
  return app;
}

async function expressApp(variant) {
  const app = await expressBase();
  await expressRoute(app, variant, '/pro');
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return server.address().port;
}

/** The paid route at `path` of an Express app, behind `variant`'s middleware. */
async function expressRoute(app, variant, path) {
  const handlers = [];
  if (isGated(variant)) {
    const { requireAccess } = await import('@licenzy-gate/express');
    handlers.push(requireAccess({ gate: await createGate(variant), ...subjectOption(variant, (req) => req.user?.id) }));
  } else if (variant === 'noop') {
    handlers.push(function noop(_req, _res, next) {
      next();
    });
  } else if (variant === 'lean') {
    const lean = await leanCache();
    handlers.push(function leanOnly(req, _res, next) {
      if (lean(req.user.id) !== undefined) next();
    });
  } else if (variant === 'peek') {
    handlers.push(function peekOnly(req, _res, next) {
      if (gate.peek(req.user.id) !== undefined) next();
    });
  } else if (variant === 'weakmap') {
    // Experiments: an empty middleware that only keys the request in a WeakMap (what req.licenzy's accessor does).
    const seen = new WeakMap();
    handlers.push(function weakmapOnly(req, _res, next) {
      seen.set(req, answered);
      next();
    });
  } else if (variant === 'subject') {
    // Experiments: an empty middleware that only reads the subject, as the gate's resolver does.
    handlers.push(function subjectOnly(req, _res, next) {
      if (req.user?.id !== undefined) next();
    });
  } else if (variant === 'admit' || variant === 'locals') {
    // Experiments: the core guard's hit path (guard.admit()) with no req.licenzy (`admit`), or with the decision kept
    // under a symbol in res.locals (`locals`): what the store behind req.licenzy costs, beside `gated`.
    const { createGuard } = await import('@licenzy-gate/core/adapter');
    const guard = createGuard({ gate: await createGate(variant), subject: (req) => req.user?.id }, () => undefined);
    const slot = Symbol('licenzy');
    handlers.push(variant === 'admit' ? function admitOnly(req, _res, next) {
      if ('source' in guard.admit(req)) next();
    } : function admitLocals(req, res, next) {
      const admission = guard.admit(req);
      if ('source' in admission) {
        res.locals[slot] = admission;
        next();
      }
    });
  } else if (variant === 'assign') {
    handlers.push(function assignOnly(req, _res, next) {
      req.licenzy = gate.peek(req.user.id);
      next();
    });
  } else if (variant === 'naive') {
    handlers.push(function naiveAccess(req, res, next) {
      naiveCheck(req.user.id).then((allowed) => (allowed ? next() : res.status(403).json({ error: 'forbidden' })), next);
    });
  }
  app.get(path, ...handlers, (_req, res) => res.json(answered()));
}

async function koaBase() {
  const [{ default: Koa }, { default: Router }] = await Promise.all([import('koa'), import('@koa/router')]);
  const app = new Koa();
  const router = new Router();
  app.use(function session(ctx, next) {
    ctx.state.user = userOf(ctx.get('authorization') || undefined);
    return next();
  });
  router.get('/health', (ctx) => { ctx.body = { ok: true }; });
  return { app, router };
}

async function koaApp(variant) {
  const { app, router } = await koaBase();
  await koaRoute(router, variant, '/pro');
  return koaListen(app, router);
}

async function koaListen(app, router) {
  app.use(router.routes());
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return server.address().port;
}

/** The paid route at `path` of a Koa router, behind `variant`'s middleware. */
async function koaRoute(router, variant, path) {
  const handlers = [];
  if (isGated(variant)) {
    const { requireAccess } = await import('@licenzy-gate/koa');
    handlers.push(requireAccess({ gate: await createGate(variant), ...subjectOption(variant, (ctx) => ctx.state.user?.id) }));
  } else if (variant === 'noop') {
    handlers.push(function noop(_ctx, next) {
      return next();
    });
  } else if (variant === 'floor') {
    const decisions = floorDecisions();
    handlers.push(function floorOnly(ctx, next) {
      return decisions.get(ctx.state.user.id) === undefined ? undefined : next();
    });
  } else if (variant === 'lean') {
    const lean = await leanCache();
    handlers.push(function leanOnly(ctx, next) {
      return lean(ctx.state.user.id) === undefined ? undefined : next();
    });
  } else if (variant === 'peek') {
    handlers.push(function peekOnly(ctx, next) {
      return gate.peek(ctx.state.user.id) === undefined ? undefined : next();
    });
  } else if (variant === 'subject') {
    // Experiments: an empty middleware that only reads the subject, as the gate's resolver does.
    handlers.push(function subjectOnly(ctx, next) {
      return ctx.state.user?.id === undefined ? undefined : next();
    });
  } else if (variant === 'store') {
    // Experiments: an empty middleware that only does the adapter's store, ctx.state.licenzy = (a frozen decision).
    const decision = Object.freeze({ subjectRef: 'user_0', allowed: true, source: 'cache', checkedAt: 0, mode: 'test' });
    handlers.push(function storeOnly(ctx, next) {
      ctx.state.licenzy = decision;
      return next();
    });
  } else if (variant === 'bound') {
    // Experiments: an empty middleware that calls a function of another module scope (a closure, like gate.peek).
    const other = ((seen) => (id) => (seen === id ? undefined : id))(Symbol('never'));
    handlers.push(function boundOnly(ctx, next) {
      return other(ctx.state.user.id) === undefined ? undefined : next();
    });
  } else if (variant !== 'bare' && variant !== 'loaded') {
    throw new Error(`variant ${variant} is only built for Express`);
  }
  router.get(path, ...handlers, (ctx) => { ctx.body = answered(); });
}

async function fastifyBase() {
  const { default: Fastify } = await import('fastify');
  const app = Fastify({ logger: false });
  app.decorateRequest('user', null);
  app.addHook('onRequest', function session(request, _reply, done) {
    request.user = userOf(request.headers.authorization);
    done();
  });
  app.get('/health', async () => ({ ok: true }));
  return app;
}

async function fastifyApp(variant) {
  const app = await fastifyBase();
  await fastifyRoute(app, variant, '/pro');
  return fastifyListen(app);
}

async function fastifyListen(app) {
  await app.listen({ port: 0, host: '127.0.0.1' });
  return app.server.address().port;
}

/** The paid route at `path` of a Fastify app (or encapsulated context), behind `variant`'s preHandler. */
async function fastifyRoute(app, variant, path) {
  const routeOptions = {};
  if (isGated(variant)) {
    const { licenzyGate } = await import('@licenzy-gate/fastify');
    await app.register(licenzyGate, { gate: variant === 'gated' && gate !== undefined ? gate : await createGate(variant), ...subjectOption(variant, (request) => request.user?.id) });
    routeOptions.preHandler = app.requireAccess();
  } else if (variant === 'noop') {
    routeOptions.preHandler = function noop(_request, _reply, done) {
      done();
    };
  } else if (variant === 'floor') {
    const decisions = floorDecisions();
    routeOptions.preHandler = function floorOnly(request, _reply, done) {
      if (decisions.get(request.user.id) !== undefined) done();
    };
  } else if (variant === 'lean') {
    const lean = await leanCache();
    routeOptions.preHandler = function leanOnly(request, _reply, done) {
      if (lean(request.user.id) !== undefined) done();
    };
  } else if (variant === 'peek') {
    routeOptions.preHandler = function peekOnly(request, _reply, done) {
      if (gate.peek(request.user.id) !== undefined) done();
    };
  } else if (variant === 'guard') {
    if (flags.has('decorate')) app.decorateRequest('licenzy', null);
    const { createGuard } = await import('@licenzy-gate/core/adapter');
    const guard = createGuard({ gate, subject: (request) => request.user?.id }, () => undefined);
    routeOptions.preHandler = function guardOnly(request, _reply, done) {
      const outcome = guard.decide(request);
      if (outcome.allowed === true) done();
    };
  } else if (variant === 'admit') {
    // The core guard's hit path alone (experiments): guard.admit() and the adapter's test, no plugin, no request.licenzy.
    const { createGuard } = await import('@licenzy-gate/core/adapter');
    let guard;
    routeOptions.preHandler = function admitOnly(request, _reply, done) {
      guard ??= createGuard({ gate, subject: (req) => req.user?.id }, () => undefined);
      if ('source' in guard.admit(request)) done();
    };
  } else if (variant === 'plugin-noop') {
    const { licenzyGate } = await import('@licenzy-gate/fastify');
    await app.register(licenzyGate, { gate, subject: (request) => request.user?.id });
    routeOptions.preHandler = function noop(_request, _reply, done) {
      done();
    };
  } else if (variant === 'raw-slot') {
    // Experiments: an empty preHandler that keeps a value on `request.raw` under a symbol, as the plugin keeps its decision.
    const slot = Symbol('raw-slot');
    const value = { allowed: true };
    routeOptions.preHandler = function rawSlot(request, _reply, done) {
      request.raw[slot] = value;
      done();
    };
  } else if (variant === 'decorated') {
    app.decorateRequest('licenzy', null);
  } else if (variant === 'noop-decorated') {
    // Experiments: the empty preHandler on a request with the plugin's `licenzy` decorator (one more field per request).
    app.decorateRequest('licenzy', null);
    routeOptions.preHandler = function noop(_request, _reply, done) {
      done();
    };
  } else if (variant === 'assign') {
    app.decorateRequest('licenzy', null);
    routeOptions.preHandler = function assignOnly(request, _reply, done) {
      request.licenzy = gate.peek(request.user.id);
      done();
    };
  } else if (!['bare', 'loaded', 'guard', 'plugin-noop', 'assign', 'decorated', 'admit', 'noop-decorated', 'raw-slot', 'floor'].includes(variant)) {
    throw new Error(`variant ${variant} is only built for Express`);
  }
  app.get(path, routeOptions, async () => answered());
}

let profiler;
let counting;
let heapSampler;
/**
 * Counts the bytes this process allocates on V8's heap: the heap's used size only grows by allocation and only shrinks
 * in a GC, so the allocated bytes are the growth between GCs (V8's GCProfiler reports the used size before and after
 * each one) plus the growth since the last. Node 20 has no allocation counter of its own. Young and total alike.
 */
function startAllocationCount() {
  const used = (stats) => stats.heapStatistics.usedHeapSize;
  const young = (stats) => stats.heapSpaceStatistics.filter((s) => s.spaceName === 'new_space' || s.spaceName === 'new_large_object_space').reduce((sum, s) => sum + s.spaceUsedSize, 0);
  const now = () => ({ heapStatistics: { usedHeapSize: v8.getHeapStatistics().used_heap_size }, heapSpaceStatistics: v8.getHeapSpaceStatistics().map((s) => ({ spaceName: s.space_name, spaceUsedSize: s.space_used_size })) });
  const gcs = new v8.GCProfiler();
  const first = now();
  gcs.start();
  return {
    stop() {
      const { statistics } = gcs.stop();
      const last = now();
      let total = 0;
      let youngTotal = 0;
      // V8's own figure for each collection's main-thread time (µs).
      const gcCost = statistics.reduce((sum, gc) => sum + gc.cost, 0);
      let after = first;
      for (const gc of statistics) {
        total += used(gc.beforeGC) - used(after);
        youngTotal += young(gc.beforeGC) - young(after);
        after = gc.afterGC;
      }
      total += used(last) - used(after);
      youngTotal += young(last) - young(after);
      return { total, young: youngTotal, gcCost, gcs: statistics.length, scavenges: statistics.filter((gc) => gc.gcType === 'Scavenge').length };
    },
  };
}

/** {@link startAllocationCount} with libuv's loop counters (Node ≥ 20.18) and the CPU time over the same window. */
function startCounts() {
  const loop = () => performance.nodeTiming.uvMetricsInfo ?? { loopCount: NaN, events: NaN };
  const before = { loop: loop(), cpu: cpuMicros(), served };
  const bytes = startAllocationCount();
  return {
    stop() {
      const allocated = bytes.stop();
      const after = loop();
      return { ...allocated, requests: served - before.served, loops: after.loopCount - before.loop.loopCount, events: after.events - before.loop.events, cpu: cpuMicros() - before.cpu };
    },
  };
}
const builders = { express: expressApp, koa: koaApp, fastify: fastifyApp };
if (!(config.framework in builders)) throw new Error(`unknown framework ${config.framework}`);
// `apps` (benchmark 1): several apps of the framework in this one process, each on its own port and each with its own
// variant ({ name: variant }), so the framework's and Node's code is compiled once for all of them: comparing them
// leaves out how differently two processes of the same code happen to compile it.
const apps = config.apps ?? { [config.variant]: config.variant };
const urls = {};
if (config.routes === true) {
  // `routes` (benchmark 1): the variants as routes of ONE app instead (`/r<i>/pro`, paths of one length, in the order
  // given), so the framework's shared code sees the same request and context objects whatever the route: no inline
  // cache goes polymorphic over the apps' own prototypes. Fastify: each variant in an encapsulated context of its own,
  // so only the gated route's requests carry the plugin's `licenzy` decorator, and every route's requests are of its
  // context's own class alike.
  const port = await routesApp(config.framework, Object.values(apps));
  Object.keys(apps).forEach((name, i) => { urls[name] = `http://127.0.0.1:${port}/r${i}`; });
} else {
  for (const [name, variant] of Object.entries(apps)) urls[name] = `http://127.0.0.1:${await builders[config.framework](variant)}`;
}

/** One app of `framework` with a `/r<i>/pro` route per variant; its port. */
async function routesApp(framework, variants) {
  if (framework === 'express') {
    const app = await expressBase();
    for (const [i, variant] of variants.entries()) await expressRoute(app, variant, `/r${i}/pro`);
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    return server.address().port;
  }
  if (framework === 'koa') {
    const { app, router } = await koaBase();
    for (const [i, variant] of variants.entries()) await koaRoute(router, variant, `/r${i}/pro`);
    return koaListen(app, router);
  }
  const app = await fastifyBase();
  for (const [i, variant] of variants.entries()) app.register(async (context) => fastifyRoute(context, variant, `/r${i}/pro`));
  return fastifyListen(app);
}
const url = Object.values(urls)[0];
const port = Number(new URL(url).port);
/**
 * Puts the process in the state a long-running server reaches after its first quiet moment (benchmark 1; needs
 * --expose-gc): full GCs while idle, as V8's memory reducer runs them. Node 20's `process.nextTick()` builds each tick
 * object with a literal with computed symbol keys, and V8 keeps one map per store slot of such a literal (no
 * polymorphic state). Maps no live object uses survive a couple of full GCs (`--retain-maps-for-n-gc`), then go;
 * the next tick is built with new maps, the slot turns megamorphic for the life of the process, and from then on
 * every tick object is built in the V8 runtime (~2 µs per Fastify request). A server that has never had such a
 * quiet moment is in a state no production server stays in (`bench/experiments/next-tick-feedback.mjs` shows it).
 * Six collections 10 ms apart: enough for the retained maps to age out in every framework (four are; two are not).
 */
async function settle(collections = 6) {
  if (typeof globalThis.gc !== 'function') throw new Error('settle needs --expose-gc');
  for (let i = 0; i < collections; i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    globalThis.gc();
  }
  return true;
}
if (flags.has('gcidle')) await settle();

serveParent(
  {
    /** Puts subjects in the cache (a Licenzy call each) so the measured runs are pure cache hits. */
    warm: async (subjects) => {
      // `fetch` (experiments): a bare app that has made one outbound fetch() (undici loaded), like the gate's first call.
      if (flags.has('fetch')) await (await fetch(config.licenzy.url)).arrayBuffer();
      if (gate === undefined) return undefined;
      for (const made of gates) await Promise.all(subjects.map((subject) => made.check(subject)));
      return gate.stats();
    },
    stats: () => gate?.stats(),
    cpu: () => cpuMicros(),
    settle,
    cpuSplit: () => process.cpuUsage(),
    // Counts between countStart and countStop (benchmark 1's "allocations per cache hit", bench/experiments/counts.mjs):
    // bytes allocated on V8's heap, GCs, event-loop iterations and the events they handled, CPU time (µs).
    countStart: () => void (counting = startCounts()),
    countStop: () => counting.stop(),
    // µs of CPU on the main (JavaScript) thread alone, from Linux's schedstat; background GC and compiler threads excluded.
    mainThreadCpu: async () => {
      const { readFileSync } = await import('node:fs');
      return Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]) / 1000;
    },
    // CPU profile of a window (bench/experiments/profile.mjs): the inspector's sampling profiler, started and stopped on command.
    profileStart: async (intervalUs = 100) => {
      const { Session } = await import('node:inspector');
      profiler = new Session();
      profiler.connect();
      const post = (method, params) => new Promise((resolve, reject) => profiler.post(method, params, (error, result) => (error ? reject(error) : resolve(result))));
      await post('Profiler.enable');
      await post('Profiler.setSamplingInterval', { interval: intervalUs });
      await post('Profiler.start');
      profiler.stop = async () => (await post('Profiler.stop')).profile;
    },
    // ns per process.nextTick() in this process (experiments: is the tick queue slower here than elsewhere?).
    tickCost: () => new Promise((resolve) => {
      const n = 100_000;
      let left = n;
      const t0 = process.hrtime.bigint();
      const tick = () => {
        if (--left === 0) resolve(Number(process.hrtime.bigint() - t0) / n);
      };
      for (let i = 0; i < n; i++) process.nextTick(tick);
    }),
    // Experiments run with --expose-internals --allow-natives-syntax: which async hooks are on, is `process` still fast.
    diag: async () => {
      const { createRequire } = await import('node:module');
      const hooks = createRequire(import.meta.url)('internal/async_hooks');
      const fast = new Function('o', 'return %HasFastProperties(o)');
      const { createHook } = await import('node:async_hooks');
      let tick;
      const young = new Function('o', 'return %InYoungGeneration(o)');
      let tickYoung;
      const hook = createHook({ init(_id, type, _trigger, resource) { if (type === 'TickObject' && tick === undefined) { tick = resource; tickYoung = young(resource); } } }).enable();
      process.nextTick(() => {});
      hook.disable();
      const status = new Function('f', 'return %GetOptimizationStatus(f)');
      return { tickYoung, nextTickStatus: status(process.nextTick).toString(2), tickFast: fast(tick), init: hooks.initHooksExist(), enabled: hooks.enabledHooksExist(), promiseHooks: hooks.promiseHooksExist?.() ?? hooks.getHookArrays?.()?.[1], destroy: hooks.destroyHooksExist(), processFast: fast(process) };
    },
    // Experiments run with --allow-natives-syntax: V8's view of process.nextTick (its feedback vector) on stdout.
    debugPrintNextTick: () => {
      new Function('f', '%DebugPrint(f)')(process.nextTick);
      return true;
    },
    // Sampled allocations of a window (bench/experiments/alloc-sites.mjs), objects already collected included: where
    // the bytes a request allocates come from, by allocating function and stack.
    heapSampleStart: async (interval = 256) => {
      const { Session } = await import('node:inspector');
      const session = new Session();
      session.connect();
      const post = (method, params) => new Promise((resolve, reject) => session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))));
      await post('HeapProfiler.enable');
      await post('HeapProfiler.startSampling', { samplingInterval: interval, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
      heapSampler = { session, post };
    },
    heapSampleStop: async () => {
      const { profile } = await heapSampler.post('HeapProfiler.stopSampling');
      heapSampler.session.disconnect();
      return JSON.stringify(profile);
    },
    profileStop: async () => {
      const profile = await profiler.stop();
      profiler.disconnect();
      return JSON.stringify(profile);
    },
  },
  { port, url, urls },
);
