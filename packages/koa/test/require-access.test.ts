// Adapter tests of requireAccess() on real Koa 3 and Koa 2 servers, with a real mock Licenzy over HTTP.
import { createRequire } from 'node:module';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { uniqueSubject, useLocalLicenzy } from '@licenzy-gate/testing';
import {
  createAccessGate,
  LicenzyAccessDeniedError,
  LicenzyConfigError,
  LicenzyError,
  LicenzyUnavailableError,
  requireAccess,
  resetDefaultGate,
  type AccessGate,
  type KoaRequireAccessOptions,
} from '@licenzy-gate/koa';
import type Koa from 'koa';
import type { Context, Next } from 'koa';
import { capturingLogger, demoApp, koaMajors, listen, Router, type Running } from './app.js';

const CHECK = 'POST /v1/access/check';
const REJECTED_KEY = 'lz_test_example_rejected_key';

const licenzy = useLocalLicenzy({ hooks: { beforeAll, afterAll, afterEach } });

/** A subject no other test has used, so no cached decision leaks between tests. */
const fresh = (name: string) => uniqueSubject(`koa_${name}`);

/** The fields of a problem+json reply a test looks at. */
async function fetchProblem(url: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, { headers });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, body: JSON.parse(text) as Record<string, unknown> };
}

it('runs the suites against Koa 3 and Koa 2', () => {
  const require = createRequire(import.meta.url);
  expect((require('koa/package.json') as { version: string }).version).toMatch(/^3\./);
  expect((require('koa2/package.json') as { version: string }).version).toMatch(/^2\./);
});

describe.each(koaMajors)('requireAccess() on $name', ({ Koa: KoaCtor }) => {
  const running: Running[] = [];
  let handled: number;
  let gate: AccessGate;

  afterEach(async () => {
    await Promise.all(running.splice(0).map((server) => server.close()));
    licenzy.mock.reset();
    vi.restoreAllMocks();
  });

  /** Starts a demo-auth app; `configure` mounts the gate and routes. The handler counts its runs in `handled`. */
  async function serve(configure: (app: Koa, router: Router, handler: (ctx: Context) => void) => void): Promise<string> {
    handled = 0;
    gate = licenzy.gate({ retries: 0, circuitBreaker: false, freshInterval: 0 });
    const app = demoApp(KoaCtor);
    const router = new Router();
    const handler = (ctx: Context) => {
      handled++;
      ctx.body = { decision: ctx.state.licenzy };
    };
    configure(app, router, handler);
    app.use(router.routes());
    const server = await listen(app);
    running.push(server);
    return server.url;
  }

  /** A server with one gated route, `GET /pro`, using these options on top of the shared test gate. */
  const serveRoute = (options: (gate: AccessGate) => KoaRequireAccessOptions) =>
    serve((_app, router, handler) => router.get('/pro', requireAccess(options(gate)), handler));

  describe('mounting', () => {
    it('gates every route below app.use(requireAccess())', async () => {
      const user = fresh('appuse');
      licenzy.mock.grant(user);
      const url = await serve((app, router, handler) => {
        app.use(requireAccess({ gate }));
        router.get('/anything', handler);
      });
      expect((await fetch(`${url}/anything`, { headers: { 'x-demo-user': user } })).status).toBe(200);
      expect((await fetchProblem(`${url}/anything`)).status).toBe(401);
      expect(handled).toBe(1);
    });

    it('gates a route given requireAccess() before its handler on @koa/router', async () => {
      const user = fresh('route');
      licenzy.mock.grant(user);
      const url = await serve((_app, router, handler) => {
        router.get('/pro', requireAccess({ gate }), handler);
        router.get('/free', handler);
      });
      const reply = await fetch(`${url}/pro`, { headers: { 'x-demo-user': user } });
      expect(reply.status).toBe(200);
      expect(await reply.json()).toMatchObject({ decision: { subjectRef: user, allowed: true, source: 'licenzy', mode: 'test' } });
      expect((await fetch(`${url}/free`)).status).toBe(200);
      expect(licenzy.mock.count(CHECK)).toBe(1);
    });

    it('gates a path prefix with router.use(prefix, requireAccess()) and leaves other paths alone', async () => {
      const url = await serve((_app, router, handler) => {
        router.use('/pro', requireAccess({ gate }));
        router.get('/pro/report', handler);
        router.get('/public', handler);
      });
      expect((await fetchProblem(`${url}/pro/report`)).status).toBe(401);
      expect((await fetch(`${url}/public`)).status).toBe(200);
      expect(handled).toBe(1);
    });

    it('gates a whole prefixed router mounted with router.use(requireAccess())', async () => {
      const user = fresh('nested');
      licenzy.mock.grant(user);
      const url = await serve((app, _router, handler) => {
        const pro = new Router({ prefix: '/pro' });
        pro.use(requireAccess({ gate }));
        pro.get('/a', handler).get('/b', handler);
        app.use(pro.routes());
      });
      expect((await fetch(`${url}/pro/a`, { headers: { 'x-demo-user': user } })).status).toBe(200);
      const second = await fetch(`${url}/pro/b`, { headers: { 'x-demo-user': user } });
      expect(await second.json()).toMatchObject({ decision: { source: 'cache' } });
      expect(licenzy.mock.count(CHECK)).toBe(1);
    });

    it('uses the environment gate for a zero-argument requireAccess()', async () => {
      const saved = { key: process.env.LICENZY_API_KEY, url: process.env.LICENZY_API_URL };
      process.env.LICENZY_API_KEY = licenzy.mock.testKey;
      process.env.LICENZY_API_URL = licenzy.mock.url;
      resetDefaultGate();
      try {
        const user = fresh('zeroarg');
        licenzy.mock.grant(user);
        const url = await serve((_app, router, handler) => router.get('/pro', requireAccess(), handler));
        expect((await fetch(`${url}/pro`, { headers: { 'x-demo-user': user } })).status).toBe(200);
        expect(licenzy.mock.count(CHECK)).toBe(1);
      } finally {
        for (const [name, value] of [['LICENZY_API_KEY', saved.key], ['LICENZY_API_URL', saved.url]] as const) {
          if (value === undefined) delete process.env[name];
          else process.env[name] = value;
        }
        resetDefaultGate();
      }
    });
  });

  describe('the cache-hit path', () => {
    it('calls next() synchronously on a cache hit (no await before the handler)', async () => {
      const user = fresh('sync');
      licenzy.mock.grant(user);
      const localGate = licenzy.gate({ retries: 0 });
      await localGate.check(user);
      const middleware = requireAccess({ gate: localGate });
      const ctx = { state: { user: { id: user } } } as unknown as Context;
      let nextCalled = false;
      const settled = middleware(ctx, () => {
        nextCalled = true;
        return Promise.resolve();
      });
      expect(nextCalled).toBe(true);
      await settled;
      expect(ctx.state.licenzy).toMatchObject({ subjectRef: user, source: 'cache' });
    });

    it('lets an error thrown by the handler propagate unchanged instead of rendering a problem', async () => {
      const user = fresh('throws');
      licenzy.mock.grant(user);
      const seen: unknown[] = [];
      const url = await serve((app, router) => {
        app.on('error', (error: unknown) => seen.push(error));
        router.get('/pro', requireAccess({ gate }), () => {
          throw new Error('handler broke');
        });
      });
      const reply = await fetch(`${url}/pro`, { headers: { 'x-demo-user': user } });
      expect(reply.status).toBe(500);
      expect(reply.headers.get('content-type')).not.toMatch(/problem/);
      expect(seen).toHaveLength(1);
      expect((seen[0] as Error).message).toBe('handler broke');
    });
  });

  describe('refusals', () => {
    it.each([
      ['no subject', undefined, 401, 'subject_required'],
      ['a denied subject', 'denied', 403, 'access_denied'],
    ] as const)('answers %s with problem+json and never runs the handler', async (_label, who, status, code) => {
      const url = await serveRoute((gate) => ({ gate }));
      const reply = await fetchProblem(`${url}/pro`, who ? { 'x-demo-user': fresh(who) } : {});
      expect(reply.status).toBe(status);
      expect(reply.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
      expect(reply.headers.get('cache-control')).toBe('no-store');
      expect(reply.body).toEqual({ type: `urn:licenzy-gate:problem:${code}`, title: expect.any(String), status, code });
      expect(handled).toBe(0);
    });

    it('passes the Retry-After Licenzy sent on to the client with 503 access_unavailable', async () => {
      const url = await serveRoute((gate) => ({ gate }));
      licenzy.mock.fault({ type: 'status', status: 503, headers: { 'retry-after': '7' } }, { path: '/v1/access/check' });
      const reply = await fetchProblem(`${url}/pro`, { 'x-demo-user': fresh('retry') });
      expect(reply.status).toBe(503);
      expect(reply.body.code).toBe('access_unavailable');
      expect(reply.headers.get('retry-after')).toBe('7');
      expect(handled).toBe(0);
    });

    it('puts the denial on ctx.state.licenzy for upstream middleware to see', async () => {
      const user = fresh('seen');
      let seen: unknown;
      const url = await serve((app, router, handler) => {
        app.use(async (ctx, next) => {
          await next();
          seen = ctx.state.licenzy;
        });
        router.get('/pro', requireAccess({ gate }), handler);
      });
      expect((await fetchProblem(`${url}/pro`, { 'x-demo-user': user })).status).toBe(403);
      expect(seen).toMatchObject({ subjectRef: user, allowed: false, source: 'licenzy' });
    });
  });

  describe('subject option', () => {
    // Async, numeric, object, throwing and rejecting resolvers: resolverConformanceCases (conformance.test.ts).
        it('ignores client headers, query and cookies by default', async () => {
      const user = fresh('spoof');
      licenzy.mock.grant(user);
      const url = await serveRoute((gate) => ({ gate }));
      const reply = await fetchProblem(`${url}/pro?subject_ref=${user}&user=${user}`, {
        'x-user-id': user,
        authorization: `Bearer ${user}`,
        cookie: `user=${user}; subject_ref=${user}`,
      });
      expect(reply.status).toBe(401);
      expect(licenzy.mock.count(CHECK)).toBe(0);
    });
  });

  describe('hooks', () => {
    it('calls onDenied with ctx, next and the typed error instead of the 403', async () => {
      const user = fresh('ondenied');
      const onDenied = vi.fn((ctx: Context, _next: Next, error: LicenzyError) => {
        ctx.status = 402;
        ctx.body = { upgrade: '/pricing', code: error.code, subject: ctx.state.licenzy?.subjectRef };
      });
      const url = await serveRoute((gate) => ({ gate, onDenied }));
      const reply = await fetch(`${url}/pro`, { headers: { 'x-demo-user': user } });
      expect(reply.status).toBe(402);
      expect(await reply.json()).toEqual({ upgrade: '/pricing', code: 'ERR_LICENZY_ACCESS_DENIED', subject: user });
      expect(onDenied.mock.calls[0]?.[2]).toBeInstanceOf(LicenzyAccessDeniedError);
      expect(handled).toBe(0);
    });

    it('lets an onDenied hook continue to the handler by calling next()', async () => {
      const url = await serveRoute((gate) => ({
        gate,
        onDenied: async (ctx, next) => {
          ctx.state.preview = true;
          await next();
        },
      }));
      const reply = await fetch(`${url}/pro`, { headers: { 'x-demo-user': fresh('preview') } });
      expect(reply.status).toBe(200);
      expect(await reply.json()).toMatchObject({ decision: { allowed: false } });
      expect(handled).toBe(1);
    });

    it('calls onUnavailable with the typed error when Licenzy fails', async () => {
      licenzy.mock.fault({ type: 'status', status: 503 }, { path: '/v1/access/check' });
      const onUnavailable = vi.fn((ctx: Context, _next: Next, _error: LicenzyError) => {
        ctx.status = 200;
        ctx.body = { degraded: true };
      });
      const url = await serveRoute((gate) => ({ gate, onUnavailable }));
      const reply = await fetch(`${url}/pro`, { headers: { 'x-demo-user': fresh('onunavailable') } });
      expect(await reply.json()).toEqual({ degraded: true });
      expect(onUnavailable.mock.calls[0]?.[2]).toBeInstanceOf(LicenzyUnavailableError);
      expect(handled).toBe(0);
    });

    it("fails open with onUnavailable: 'allow', marks the decision fail-open and logs a warning", async () => {
      licenzy.mock.fault({ type: 'status', status: 503 }, { path: '/v1/access/check' });
      const logger = capturingLogger();
      const user = fresh('allow');
      const url = await serveRoute((gate) => ({ gate, onUnavailable: 'allow', logger }));
      const reply = await fetch(`${url}/pro`, { headers: { 'x-demo-user': user } });
      expect(await reply.json()).toMatchObject({ decision: { subjectRef: user, allowed: true, source: 'fail-open' } });
      expect(logger.lines).toEqual([expect.objectContaining({ level: 'warn' })]);
    });

    it("still denies a subject Licenzy refused when onUnavailable is 'allow'", async () => {
      const url = await serveRoute((gate) => ({ gate, onUnavailable: 'allow' }));
      expect((await fetchProblem(`${url}/pro`, { 'x-demo-user': fresh('allowdeny') })).status).toBe(403);
      expect(handled).toBe(0);
    });

    it('does not call onDenied or onUnavailable for a missing subject', async () => {
      const onDenied = vi.fn();
      const onUnavailable = vi.fn();
      const url = await serveRoute((gate) => ({ gate, onDenied, onUnavailable }));
      expect((await fetchProblem(`${url}/pro`)).status).toBe(401);
      expect(onDenied).not.toHaveBeenCalled();
      expect(onUnavailable).not.toHaveBeenCalled();
    });
  });

  describe('delegateErrors', () => {
    it('throws the typed error to upstream error middleware', async () => {
      const caught: unknown[] = [];
      const url = await serve((app, router, handler) => {
        app.use(async (ctx, next) => {
          try {
            await next();
          } catch (error) {
            caught.push(error);
            const typed = error as LicenzyError;
            ctx.status = typed.status;
            ctx.set(typed.headers);
            ctx.body = { error: typed.code };
          }
        });
        router.get('/pro', requireAccess({ gate, delegateErrors: true }), handler);
      });
      const reply = await fetch(`${url}/pro`, { headers: { 'x-demo-user': fresh('delegate') } });
      expect(reply.status).toBe(403);
      expect(await reply.json()).toEqual({ error: 'ERR_LICENZY_ACCESS_DENIED' });
      expect(caught[0]).toBeInstanceOf(LicenzyAccessDeniedError);
      expect(handled).toBe(0);
    });

    it.each([
      ['a missing subject', undefined, 401, 'No subject: the request is not authenticated'],
      ['a denial', 'denied', 403, 'Access denied: no usable entitlement'],
    ] as const)("lets Koa's default error handler answer %s with the error's status and exposed message", async (_label, who, status, text) => {
      const url = await serveRoute((gate) => ({ gate, delegateErrors: true }));
      const reply = await fetch(`${url}/pro`, { headers: who ? { 'x-demo-user': fresh(who) } : {} });
      expect(reply.status).toBe(status);
      expect(await reply.text()).toBe(text);
      expect(handled).toBe(0);
    });

    it("lets Koa's default error handler answer an outage with 503, Retry-After and no internal text", async () => {
      licenzy.mock.fault({ type: 'status', status: 503, headers: { 'retry-after': '3' } }, { path: '/v1/access/check' });
      const emitted: unknown[] = [];
      const url = await serve((app, router, handler) => {
        app.on('error', (error: unknown) => emitted.push(error));
        router.get('/pro', requireAccess({ gate, delegateErrors: true }), handler);
      });
      const reply = await fetch(`${url}/pro`, { headers: { 'x-demo-user': fresh('delegate503') } });
      expect(reply.status).toBe(503);
      expect(reply.headers.get('retry-after')).toBe('3');
      expect(await reply.text()).toBe('Service Unavailable');
      expect(emitted[0]).toBeInstanceOf(LicenzyUnavailableError);
    });

    it('takes precedence over onDenied', async () => {
      const onDenied = vi.fn();
      const url = await serveRoute((gate) => ({ gate, delegateErrors: true, onDenied }));
      expect((await fetch(`${url}/pro`, { headers: { 'x-demo-user': fresh('precedence') } })).status).toBe(403);
      expect(onDenied).not.toHaveBeenCalled();
    });
  });

  describe('fresh option', () => {
    it('asks Licenzy past a cached denial when fresh(ctx) returns true', async () => {
      const user = fresh('freshfn');
      const url = await serveRoute((gate) => ({ gate, fresh: (ctx) => ctx.query.paid === '1' }));
      const headers = { 'x-demo-user': user };
      expect((await fetchProblem(`${url}/pro`, headers)).status).toBe(403);
      licenzy.mock.grant(user);
      expect((await fetchProblem(`${url}/pro`, headers)).status).toBe(403);
      expect(licenzy.mock.count(CHECK)).toBe(1);
      const paid = await fetch(`${url}/pro?paid=1`, { headers });
      expect(await paid.json()).toMatchObject({ decision: { allowed: true, source: 'licenzy' } });
      expect(licenzy.mock.count(CHECK)).toBe(2);
    });

    it('serves the cache again once fresh(ctx) returns false', async () => {
      const user = fresh('freshcache');
      licenzy.mock.grant(user);
      const url = await serveRoute((gate) => ({ gate, fresh: (ctx) => ctx.query.paid === '1' }));
      const headers = { 'x-demo-user': user };
      await fetch(`${url}/pro?paid=1`, { headers });
      const cached = await fetch(`${url}/pro`, { headers });
      expect(await cached.json()).toMatchObject({ decision: { source: 'cache' } });
      expect(licenzy.mock.count(CHECK)).toBe(1);
    });
  });

  describe('cache time', () => {
    it('asks Licenzy again once a cached denial outlives deniedTtl on the injected clock', async () => {
      let clock = 1_000_000;
      const user = fresh('ttl');
      const url = await serveRoute(() => ({
        apiKey: licenzy.mock.testKey,
        baseUrl: licenzy.mock.url,
        retries: 0,
        now: () => clock,
        cache: { deniedTtl: 5_000 },
      }));
      const headers = { 'x-demo-user': user };
      expect((await fetchProblem(`${url}/pro`, headers)).status).toBe(403);
      licenzy.mock.grant(user);
      clock += 4_999;
      expect((await fetchProblem(`${url}/pro`, headers)).status).toBe(403);
      clock += 1;
      expect((await fetch(`${url}/pro`, { headers })).status).toBe(200);
      expect(licenzy.mock.count(CHECK)).toBe(2);
    });
  });

  describe('secrets', () => {
    it('never puts the API key in a response or a log line, also when Licenzy rejects it', async () => {
      const logger = capturingLogger();
      const consoleSpies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((level) => vi.spyOn(console, level));
      const url = await serve((_app, router, handler) => {
        router.get('/bad', requireAccess({ apiKey: REJECTED_KEY, baseUrl: licenzy.mock.url, retries: 0, logger }), handler);
        router.get('/bad-delegated', requireAccess({ apiKey: REJECTED_KEY, baseUrl: licenzy.mock.url, retries: 0, logger, delegateErrors: true }), handler);
        router.get('/good', requireAccess({ gate, logger }), handler);
      });
      const headers = { 'x-demo-user': fresh('secret') };
      const replies = [
        await fetch(`${url}/bad`, { headers }),
        await fetch(`${url}/bad-delegated`, { headers }),
        await fetch(`${url}/good`, { headers }),
      ];
      expect(replies.map((reply) => reply.status)).toEqual([500, 500, 403]);
      const texts = await Promise.all(replies.map((reply) => reply.text()));
      const logged = JSON.stringify(logger.lines) + JSON.stringify(consoleSpies.map((spy) => spy.mock.calls));
      for (const key of [REJECTED_KEY, licenzy.mock.testKey]) {
        for (const text of texts) expect(text).not.toContain(key);
        expect(logged).not.toContain(key);
      }
      expect(logger.lines).toEqual(expect.arrayContaining([expect.objectContaining({ level: 'error' })]));
      expect(handled).toBe(0);
    });
  });

  describe('options validation', () => {
    const validGate = createAccessGate({ apiKey: 'lz_test_x', baseUrl: 'http://127.0.0.1:1' });

    it.each([
      ['options', 'not an object'],
      ['subject', { subject: 'user.id' }],
      ['fresh', { fresh: 'yes' }],
      ['onDenied', { onDenied: 403 }],
      ['onUnavailable', { onUnavailable: 'maybe' }],
      ['delegateErrors', { delegateErrors: 'true' }],
      ['logger', { logger: { warn: () => {} } }],
      ['gate', { gate: {} }],
      ['cache.ttl', { apiKey: 'lz_test_x', baseUrl: 'http://127.0.0.1:1', cache: { ttl: -1 } }],
    ])('throws LicenzyConfigError naming `%s` at setup', (option, options) => {
      // A valid gate alongside: the guard builds the gate before it checks the other options.
      const withGate = typeof options === 'object' && !('apiKey' in options) && !('gate' in options) ? { gate: validGate, ...options } : options;
      const attempt = () => requireAccess(withGate as unknown as KoaRequireAccessOptions);
      expect(attempt).toThrow(LicenzyConfigError);
      expect(attempt).toThrow(expect.objectContaining({ option }));
    });

    it('rejects a shared gate combined with gate options, naming both', () => {
      const shared = licenzy.gate();
      expect(() => requireAccess({ gate: shared, cache: { ttl: 1 } })).toThrow(/`gate`.*cache/);
    });

    it('throws for a zero-argument requireAccess() without LICENZY_API_KEY, naming apiKey', () => {
      const saved = process.env.LICENZY_API_KEY;
      delete process.env.LICENZY_API_KEY;
      resetDefaultGate();
      try {
        expect(() => requireAccess()).toThrow(expect.objectContaining({ option: 'apiKey' }));
      } finally {
        if (saved !== undefined) process.env.LICENZY_API_KEY = saved;
        resetDefaultGate();
      }
    });
  });
});
