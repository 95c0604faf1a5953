// Benchmark 2's measuring process: ns/op of the cache-hit paths, in a fresh V8 isolate with nothing else running.
import { createRequire } from 'node:module';
import { createAccessGate } from '@licenzy-gate/core';
import { createGuard } from '@licenzy-gate/core/adapter';
import { childConfig, serveParent } from '../lib/child.mjs';

// `observe`: 'none' (the reference rows), 'subscriber' (a bare licenzy-gate:check subscriber) or 'otel'
// (LicenzyGateInstrumentation on a meter provider with a reader). Observed rows run in a process of their own, so
// the reference rows' code never sees a subscriber (a branch taken once can change how V8 optimises `peek`).
const { rounds, iterations, checkIterations, adapters, observe = 'none', paced } = childConfig();
// The floor: lru-cache (a dev dependency of the repository; core keeps its own LRU).
const { LRUCache } = createRequire(new URL('../../package.json', import.meta.url))('lru-cache');

const SUBJECT = 'user_0';
const stub = { mode: 'test', checkAccess: async (subjectRef) => ({ subjectRef, allowed: true }) };
const gate = createAccessGate({ client: stub, cache: { ttl: 3_600_000 } });
await gate.check(SUBJECT);
const lru = new LRUCache({ max: 10_000 });
lru.set(SUBJECT, { allowed: true, checkedAt: 0, expiresAt: Infinity, staleUntil: Infinity });
const guard = createGuard({ gate, subject: (req) => req.user.id }, () => undefined);
const request = { user: { id: SUBJECT } };

const asyncGet = async (key) => lru.get(key);
// Every loop consumes its result, so V8 cannot drop the call it is timing.
let sink = 0;
const paths = {
  'LRUCache#get (floor)': (n) => {
    for (let i = 0; i < n; i++) if (lru.get(SUBJECT) !== undefined) sink++;
  },
  'gate.peek()': (n) => {
    for (let i = 0; i < n; i++) if (gate.peek(SUBJECT) !== undefined) sink++;
  },
  'guard.decide() (adapters)': (n) => {
    for (let i = 0; i < n; i++) if (guard.decide(request).allowed === true) sink++;
  },
  // The floor of an awaited API: an async function around the same LRUCache#get, awaited.
  'await async LRUCache#get (async floor)': async (n) => {
    for (let i = 0; i < n; i++) if ((await asyncGet(SUBJECT)) !== undefined) sink++;
  },
  'await gate.check()': async (n) => {
    for (let i = 0; i < n; i++) if ((await gate.check(SUBJECT)).allowed) sink++;
  },
};

if (observe === 'subscriber') {
  const { tracingChannel } = await import('node:diagnostics_channel');
  tracingChannel('licenzy-gate:check').subscribe({ end: (event) => void (event.result !== undefined && sink++) });
} else if (observe === 'otel') {
  const [{ LicenzyGateInstrumentation }, { MeterProvider, MetricReader }] = await Promise.all([import('@licenzy-gate/otel'), import('@opentelemetry/sdk-metrics')]);
  class OnDemandReader extends MetricReader {
    onForceFlush() { return Promise.resolve(); }
    onShutdown() { return Promise.resolve(); }
  }
  const instrumentation = new LicenzyGateInstrumentation({ enabled: false });
  instrumentation.setMeterProvider(new MeterProvider({ readers: [new OnDemandReader()] }));
  instrumentation.enable();
}
const observed = { none: '', subscriber: ' + check subscriber', otel: ' + LicenzyGateInstrumentation' }[observe];
if (observed !== '') {
  // Only the synchronous hit paths: the floor of this process, peek, and the adapters' guard.
  for (const name of Object.keys(paths)) if (name !== 'LRUCache#get (floor)' && name !== 'gate.peek()' && name !== 'guard.decide() (adapters)') delete paths[name];
  for (const name of ['gate.peek()', 'guard.decide() (adapters)']) {
    paths[name + observed] = paths[name];
    delete paths[name];
  }
}

// Each adapter's middleware called directly with minimal request objects, no HTTP: its cost per cache hit.
if (adapters && observe === 'none') {
  const { requireAccess: expressAccess } = await import('@licenzy-gate/express');
  const expressMiddleware = expressAccess({ gate, subject: (req) => req.user.id });
  const next = () => void sink++;
  paths['Express requireAccess()'] = (n) => {
    for (let i = 0; i < n; i++) expressMiddleware({ user: request.user }, {}, next);
  };
  const { requireAccess: koaAccess } = await import('@licenzy-gate/koa');
  const koaMiddleware = koaAccess({ gate, subject: (ctx) => ctx.state.user.id });
  const koaNext = async () => void sink++;
  paths['Koa requireAccess()'] = async (n) => {
    for (let i = 0; i < n; i++) await koaMiddleware({ state: { user: request.user } }, koaNext);
  };
  const [{ default: Fastify }, { licenzyGate }] = await Promise.all([import('fastify'), import('@licenzy-gate/fastify')]);
  const app = Fastify({ logger: false });
  await app.register(licenzyGate, { gate, subject: (req) => req.user.id });
  await app.ready();
  const preHandler = app.requireAccess();
  const done = () => void sink++;
  const log = app.log;
  paths['Fastify requireAccess()'] = (n) => {
    for (let i = 0; i < n; i++) preHandler({ user: request.user, log }, {}, done);
  };
  // Nest: LicenzyGuard.canActivate() as APP_GUARD would run it (a handler without options: the module's defaults), with
  // a minimal ExecutionContext per request, as Nest builds one per request.
  // One after the other: Nest 12 is ESM, which the adapter's CommonJS build require()s; a parallel import() races it.
  const { Reflector } = await import('@nestjs/core');
  const { LicenzyGuard, LicenzyModule } = await import('@licenzy-gate/nest');
  const nestConfig = LicenzyModule.forRoot({ gate, subject: (req) => req.user.id }).providers[0].useValue;
  const nestGuard = new LicenzyGuard(new Reflector(), nestConfig);
  class PaidController { report() {} }
  class HttpContext {
    constructor(req) { this.req = req; }
    getHandler() { return PaidController.prototype.report; }
    getClass() { return PaidController; }
    getType() { return 'http'; }
    switchToHttp() { return this; }
    getRequest() { return this.req; }
  }
  paths['Nest LicenzyGuard.canActivate()'] = (n) => {
    for (let i = 0; i < n; i++) if (nestGuard.canActivate(new HttpContext({ user: request.user })) === true) sink++;
  };
  // Hono: the middleware awaited (it returns a Promise, like Koa's) with a real Hono Context per request, built as Hono
  // builds one (its own class: not exported, so taken from a request served once here) with `user` set on it as an auth
  // middleware would. The pass-through row is the same Context work around `async (c, next) => next()` instead: the
  // difference is what the gate adds.
  const [{ Hono }, { requireAccess: honoAccess }] = await Promise.all([import('hono'), import('@licenzy-gate/hono')]);
  let HonoContext;
  const probe = new Hono();
  probe.get('/pro/report', (c) => {
    HonoContext = c.constructor;
    return c.text('');
  });
  await probe.request('/pro/report');
  const honoRequest = new globalThis.Request('http://127.0.0.1/pro/report'); // the lint config lists no Request global
  const honoMiddleware = honoAccess({ gate, subject: (c) => c.get('user').id });
  const honoPassThrough = async (_c, next) => next();
  const honoNext = async () => void sink++;
  const honoContext = () => {
    const c = new HonoContext(honoRequest, { path: '/pro/report' });
    c.set('user', request.user);
    return c;
  };
  paths['Hono requireAccess()'] = async (n) => {
    for (let i = 0; i < n; i++) await honoMiddleware(honoContext(), honoNext);
  };
  paths['Hono pass-through middleware, no gate (info)'] = async (n) => {
    for (let i = 0; i < n; i++) await honoPassThrough(honoContext(), honoNext);
  };
}

const timings = Object.fromEntries(Object.keys(paths).map((name) => [name, []]));
// The awaited paths (a Promise per call) run fewer iterations.
const sizeOf = (name) => (name.includes('check') || name.startsWith('Koa') || name.startsWith('Hono') ? checkIterations : iterations);
// Warm-up: let every path reach optimised code before anything is recorded.
for (const [name, fn] of Object.entries(paths)) await fn(sizeOf(name));
const names = Object.keys(paths);
for (let round = 0; round < rounds; round++) {
  // Rotate the order each round so no path always runs right after the same neighbour (GC, cache state).
  for (let k = 0; k < names.length; k++) {
    const name = names[(round + k) % names.length];
    const n = sizeOf(name);
    const start = process.hrtime.bigint();
    await paths[name](n);
    timings[name].push(Number(process.hrtime.bigint() - start) / n);
  }
}

// Paced: one call per macrotask after 20–50 µs of other work, so the event loop turns and the coarse clock's 1 ms
// timer fires between calls as it does under real traffic (a tight loop keeps the reading warm for ever). Each call
// is timed alone with hrtime; an empty timed region is subtracted. Blocks of calls per path, order rotated.
const pacedTimings = {};
if (paced !== undefined) {
  const spin = (us) => {
    const end = process.hrtime.bigint() + BigInt(Math.round(us * 1000));
    let x = 0;
    while (process.hrtime.bigint() < end) x++;
    return x;
  };
  // The clock before issue #14 (a new unref'd setTimeout per cold read), as an injected clock, for comparison.
  let oldReading;
  const oldForget = () => { oldReading = undefined; };
  const oldCoarseNow = () => {
    if (oldReading === undefined) {
      oldReading = performance.now();
      setTimeout(oldForget, 1).unref();
    }
    return oldReading;
  };
  const oldClockGate = createAccessGate({ client: stub, cache: { ttl: 3_600_000 }, now: oldCoarseNow });
  await oldClockGate.check(SUBJECT);
  // For comparison only (the floor stays the bare LRUCache#get): an LRUCache that, like the gate, judges expiry on a
  // clock (its `ttl`, with its default `ttlResolution` of 1 ms).
  const ttlLru = new LRUCache({ max: 10_000, ttl: 3_600_000 });
  ttlLru.set(SUBJECT, { allowed: true });
  const pacedPaths = {
    'empty (timer overhead)': () => 1,
    'LRUCache#get (floor)': () => lru.get(SUBJECT),
    'LRUCache#get with a ttl (info)': () => ttlLru.get(SUBJECT),
    'gate.peek()': () => gate.peek(SUBJECT),
    'gate.peek(), clock before #14': () => oldClockGate.peek(SUBJECT),
    'guard.decide() (adapters)': () => guard.decide(request),
  };
  const samples = Object.fromEntries(Object.keys(pacedPaths).map((name) => [name, []]));
  const names = Object.keys(pacedPaths);
  const oneCall = (fn) => new Promise((resolve) => setImmediate(() => {
    spin(paced.minUs + Math.random() * (paced.maxUs - paced.minUs));
    const t0 = process.hrtime.bigint();
    const result = fn();
    const ns = Number(process.hrtime.bigint() - t0);
    if (result !== undefined) sink++;
    resolve(ns);
  }));
  for (let round = 0; round < paced.rounds; round++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(round + k) % names.length];
      const calls = [];
      for (let i = 0; i < paced.calls; i++) calls.push(await oneCall(pacedPaths[name]));
      // Mean of the fastest 99%: keeps the cold clock reads (~1 call in 20–50) and drops preemption and GC outliers.
      calls.sort((a, b) => a - b);
      const kept = calls.slice(0, Math.ceil(calls.length * 0.99));
      if (round > 0) samples[name].push(kept.reduce((a, b) => a + b, 0) / kept.length); // round 0 warms up
    }
  }
  for (const name of names) pacedTimings[name] = samples[name];
}

serveParent({}, { timings, pacedTimings, sink, hits: gate.stats().hits, upstreamCalls: gate.stats().upstreamCalls });
