// Adapter-specific behaviour of the Fastify plugin: mounting forms, subjects, hooks, delegated errors, validation, logs.
import {
  LicenzyConfigError,
  LicenzyError,
  resetDefaultGate,
  type AccessGateOptions,
} from '@licenzy-gate/core';
import { uniqueSubject, useLocalLicenzy } from '@licenzy-gate/testing';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { licenzyGate, subjectFromRequest, type LicenzyGateOptions } from '../src/index.js';

const CHECK = 'POST /v1/access/check';
const REJECTED_KEY = 'lz_test_example_rejected_key';

const hooks = { beforeAll, afterAll, afterEach };
const TEST_GATE: AccessGateOptions = { retries: 0, circuitBreaker: false, freshInterval: 0 };
const licenzy = useLocalLicenzy({ hooks, gate: TEST_GATE });
let apps: FastifyInstance[] = [];
/** A subject no other test used, so cached decisions never leak between tests. */
const freshSubject = () => uniqueSubject('fastify_user');

afterEach(async () => {
  await Promise.all(apps.map((app) => app.close()));
  apps = [];
});

interface TestApp {
  app: FastifyInstance;
  /** Handler runs per path. */
  calls: Map<string, number>;
  logLines: string[];
}

/** A Fastify app with demo auth (`x-demo-user` → `request.user.id`) and captured pino output. */
function createApp(): TestApp {
  const logLines: string[] = [];
  const app = Fastify({ logger: { level: 'trace', stream: { write: (line: string) => void logLines.push(line) } } });
  apps.push(app);
  app.addHook('onRequest', async (request) => {
    const user = request.headers['x-demo-user'];
    if (typeof user === 'string') (request as FastifyRequest & { user?: unknown }).user = { id: user };
  });
  return { app, calls: new Map(), logLines };
}

/** A handler that counts its runs and echoes the decision. */
function handler(t: TestApp, path: string) {
  return async (request: FastifyRequest) => {
    t.calls.set(path, (t.calls.get(path) ?? 0) + 1);
    return { subjectRef: request.licenzy?.subjectRef ?? null, source: request.licenzy?.source ?? null };
  };
}

const as = (subjectRef: string) => ({ 'x-demo-user': subjectRef });

describe('mounting', () => {
  it('gates a route through preHandler: app.requireAccess() and puts the decision on request.licenzy', async () => {
    const t = createApp();
    await t.app.register(licenzyGate, { gate: licenzy.gate() });
    t.app.get('/pro', { preHandler: t.app.requireAccess() }, handler(t, '/pro'));
    const subject = freshSubject();
    licenzy.mock.grant(subject);
    const reply = await t.app.inject({ url: '/pro', headers: as(subject) });
    expect(reply.statusCode).toBe(200);
    expect(reply.json()).toEqual({ subjectRef: subject, source: 'licenzy' });
    expect((await t.app.inject({ method: 'HEAD', url: '/pro' })).statusCode).toBe(401);
  });

  it('returns a named preHandler function', async () => {
    const t = createApp();
    await t.app.register(licenzyGate, { gate: licenzy.gate() });
    expect(t.app.requireAccess().name).toBe('licenzyPreHandler');
  });

  it('runs after a route-level auth preHandler placed before it in the array', async () => {
    const t = createApp();
    await t.app.register(licenzyGate, { gate: licenzy.gate() });
    const subject = freshSubject();
    licenzy.mock.grant(subject);
    const routeAuth = async (request: FastifyRequest) => {
      (request as FastifyRequest & { user?: unknown }).user = { sub: request.headers['x-route-user'] };
    };
    t.app.get('/pro', { preHandler: [routeAuth, t.app.requireAccess()] }, handler(t, '/pro'));
    const reply = await t.app.inject({ url: '/pro', headers: { 'x-route-user': subject } });
    expect(reply.json()).toEqual({ subjectRef: subject, source: 'licenzy' });
  });

  it('leaves request.licenzy null on routes without a gate', async () => {
    const t = createApp();
    await t.app.register(licenzyGate, { gate: licenzy.gate() });
    t.app.get('/free', handler(t, '/free'));
    const before = licenzy.mock.count(CHECK);
    expect((await t.app.inject({ url: '/free', headers: as(freshSubject()) })).json()).toEqual({ subjectRef: null, source: null });
    expect(licenzy.mock.count(CHECK)).toBe(before);
  });

  it('shares the plugin gate (one cache) between routes with and without per-route options', async () => {
    const t = createApp();
    await t.app.register(licenzyGate, { gate: licenzy.gate() });
    t.app.get('/a', { preHandler: t.app.requireAccess() }, handler(t, '/a'));
    t.app.get('/b', { preHandler: t.app.requireAccess({ onUnavailable: 'allow' }) }, handler(t, '/b'));
    const subject = freshSubject();
    licenzy.mock.grant(subject);
    const before = licenzy.mock.count(CHECK);
    await t.app.inject({ url: '/a', headers: as(subject) });
    expect((await t.app.inject({ url: '/b', headers: as(subject) })).json()).toEqual({ subjectRef: subject, source: 'cache' });
    expect(licenzy.mock.count(CHECK)).toBe(before + 1);
  });

  it('per-route options inherit the plugin values they do not override', async () => {
    const t = createApp();
    await t.app.register(licenzyGate, { gate: licenzy.gate({ cache: false }), onUnavailable: 'allow' });
    t.app.get('/fresh', { preHandler: t.app.requireAccess({ fresh: true }) }, handler(t, '/fresh'));
    licenzy.mock.fault({ type: 'status', status: 503 }, { path: '/v1/access/check' });
    const reply = await t.app.inject({ url: '/fresh', headers: as(freshSubject()) });
    expect(reply.statusCode).toBe(200);
    expect(reply.json().source).toBe('fail-open');
  });

  it('allows a second registration with another gate in a child context', async () => {
    const t = createApp();
    await t.app.register(licenzyGate, { gate: licenzy.gate() });
    await t.app.register(async (child) => {
      await child.register(licenzyGate, { apiKey: REJECTED_KEY, baseUrl: licenzy.mock.url, retries: 0 });
      child.get('/child', { preHandler: child.requireAccess() }, handler(t, '/child'));
    });
    t.app.get('/parent', { preHandler: t.app.requireAccess() }, handler(t, '/parent'));
    const subject = freshSubject();
    licenzy.mock.grant(subject);
    expect((await t.app.inject({ url: '/parent', headers: as(subject) })).statusCode).toBe(200);
    expect((await t.app.inject({ url: '/child', headers: as(subject) })).statusCode).toBe(500);
  });

  it('uses the default gate from LICENZY_API_KEY / LICENZY_API_URL when registered without options', async () => {
    const saved = { key: process.env.LICENZY_API_KEY, url: process.env.LICENZY_API_URL };
    process.env.LICENZY_API_KEY = licenzy.mock.testKey;
    process.env.LICENZY_API_URL = licenzy.mock.url;
    resetDefaultGate();
    try {
      const t = createApp();
      await t.app.register(licenzyGate);
      t.app.get('/pro', { preHandler: t.app.requireAccess() }, handler(t, '/pro'));
      const subject = freshSubject();
      licenzy.mock.grant(subject);
      expect((await t.app.inject({ url: '/pro', headers: as(subject) })).statusCode).toBe(200);
    } finally {
      for (const [name, value] of [['LICENZY_API_KEY', saved.key], ['LICENZY_API_URL', saved.url]] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
      resetDefaultGate();
    }
  });

  it('answers a cache hit synchronously: done() runs before the hook returns', async () => {
    const t = createApp();
    await t.app.register(licenzyGate, { gate: licenzy.gate() });
    const preHandler = t.app.requireAccess();
    const subject = freshSubject();
    licenzy.mock.grant(subject);
    t.app.get('/pro', { preHandler }, handler(t, '/pro'));
    await t.app.inject({ url: '/pro', headers: as(subject) });

    const request = { user: { id: subject }, log: t.app.log, licenzy: null } as unknown as FastifyRequest;
    let doneCalls = 0;
    const returned: unknown = preHandler.call(t.app, request, {} as FastifyReply, () => void doneCalls++);
    expect(returned).toBeUndefined();
    expect(doneCalls).toBe(1);
    expect(request.licenzy).toMatchObject({ subjectRef: subject, allowed: true, source: 'cache' });
  });
});

describe('global mode', () => {
  async function globalApp(options: Partial<LicenzyGateOptions> = {}) {
    const t = createApp();
    await t.app.register(async (paid) => {
      await paid.register(licenzyGate, { gate: licenzy.gate(), global: true, ...options });
      paid.get('/pro', handler(t, '/pro'));
      paid.get('/free', { config: { licenzy: false } }, handler(t, '/free'));
      paid.get('/fresh', { config: { licenzy: { fresh: true } } }, handler(t, '/fresh'));
      paid.get('/open', { config: { licenzy: { onUnavailable: 'allow' } } }, handler(t, '/open'));
    });
    t.app.register(async (sibling) => {
      sibling.get('/sibling', handler(t, '/sibling'));
    });
    return t;
  }

  it('gates every route of the registering context, HEAD included', async () => {
    const t = await globalApp();
    const reply = await t.app.inject({ url: '/pro', headers: as(freshSubject()) });
    expect(reply.statusCode).toBe(403);
    expect((await t.app.inject({ method: 'HEAD', url: '/pro' })).statusCode).toBe(401);
    expect(t.calls.get('/pro')).toBeUndefined();
  });

  it('leaves a route with config.licenzy: false alone', async () => {
    const t = await globalApp();
    const before = licenzy.mock.count(CHECK);
    expect((await t.app.inject({ url: '/free' })).statusCode).toBe(200);
    expect(licenzy.mock.count(CHECK)).toBe(before);
  });

  it('does not gate a sibling context without the plugin', async () => {
    const t = await globalApp();
    const before = licenzy.mock.count(CHECK);
    expect((await t.app.inject({ url: '/sibling' })).statusCode).toBe(200);
    expect(licenzy.mock.count(CHECK)).toBe(before);
  });

  it('applies per-route config overrides (fresh, onUnavailable)', async () => {
    const t = await globalApp();
    const subject = freshSubject();
    expect((await t.app.inject({ url: '/pro', headers: as(subject) })).statusCode).toBe(403);
    licenzy.mock.grant(subject);
    expect((await t.app.inject({ url: '/pro', headers: as(subject) })).statusCode).toBe(403);
    expect((await t.app.inject({ url: '/fresh', headers: as(subject) })).json().source).toBe('licenzy');

    licenzy.mock.fault({ type: 'status', status: 503 }, { path: '/v1/access/check' });
    const open = await t.app.inject({ url: '/open', headers: as(freshSubject()) });
    expect(open.statusCode).toBe(200);
    expect(open.json().source).toBe('fail-open');
  });

  it('answers an unknown URL 404 without asking Licenzy', async () => {
    const t = await globalApp();
    const before = licenzy.mock.count(CHECK);
    expect((await t.app.inject({ url: '/nope', headers: as(freshSubject()) })).statusCode).toBe(404);
    expect(licenzy.mock.count(CHECK)).toBe(before);
  });

  it('rejects gate options in config.licenzy when the route is registered, naming the option', async () => {
    const t = createApp();
    await t.app.register(licenzyGate, { gate: licenzy.gate(), global: true });
    const register = () => t.app.get('/x', { config: { licenzy: { cache: false } as never } }, handler(t, '/x'));
    expect(register).toThrow(LicenzyConfigError);
    expect(register).toThrow(/`cache`/);
    expect(() => t.app.get('/y', { config: { licenzy: true as never } }, handler(t, '/y'))).toThrow(/config\.licenzy/);
  });

  it('refuses (500) rather than ignore config.licenzy overrides on a route registered before the plugin', async () => {
    const t = createApp();
    t.app.get('/early', { config: { licenzy: { onUnavailable: 'allow' } } }, handler(t, '/early'));
    t.app.get('/early-free', { config: { licenzy: false } }, handler(t, '/early-free'));
    await t.app.register(licenzyGate, { gate: licenzy.gate(), global: true });
    expect((await t.app.inject({ url: '/early', headers: as(freshSubject()) })).statusCode).toBe(500);
    expect(t.calls.get('/early')).toBeUndefined();
    expect((await t.app.inject({ url: '/early-free' })).statusCode).toBe(200);
  });
});

describe('subject', () => {
  async function appWith(options: Partial<LicenzyGateOptions>) {
    const t = createApp();
    await t.app.register(licenzyGate, { gate: licenzy.gate(), ...options });
    t.app.get('/pro', { preHandler: t.app.requireAccess() }, handler(t, '/pro'));
    return t;
  }

  it('reads request.user.id, then request.user.sub, and nothing else', () => {
    const request = (user: unknown) => ({ user, headers: { 'x-user-id': 'spoof' }, query: { subject: 'spoof' } }) as unknown as FastifyRequest;
    expect(subjectFromRequest(request({ id: 'u1', sub: 'u2' }))).toBe('u1');
    expect(subjectFromRequest(request({ sub: 'u2' }))).toBe('u2');
    expect(subjectFromRequest(request({ id: null, sub: 'u2' }))).toBe('u2');
    expect(subjectFromRequest(request({ id: 7 }))).toBe(7);
    expect(subjectFromRequest(request(undefined))).toBeUndefined();
    expect(subjectFromRequest(request('a-string-payload'))).toBeUndefined();
  });

  it('ignores a subject in the query string', async () => {
    const t = await appWith({});
    const subject = freshSubject();
    licenzy.mock.grant(subject);
    const reply = await t.app.inject({ url: `/pro?subject_ref=${subject}&user_id=${subject}` });
    expect(reply.statusCode).toBe(401);
    expect(reply.json().code).toBe('subject_required');
  });

  // Async, numeric, object, throwing and rejecting resolvers: resolverConformanceCases (conformance.test.ts).
    it('supports fresh as a function of the request', async () => {
    const t = createApp();
    await t.app.register(licenzyGate, { gate: licenzy.gate() });
    t.app.get('/pro', { preHandler: t.app.requireAccess({ fresh: (request) => (request.query as { paid?: string }).paid === '1' }) }, handler(t, '/pro'));
    const subject = freshSubject();
    expect((await t.app.inject({ url: '/pro', headers: as(subject) })).statusCode).toBe(403);
    licenzy.mock.grant(subject);
    expect((await t.app.inject({ url: '/pro', headers: as(subject) })).statusCode).toBe(403);
    expect((await t.app.inject({ url: '/pro?paid=1', headers: as(subject) })).json().source).toBe('licenzy');
  });
});

describe('refusal hooks', () => {
  it('calls onDenied with the typed error and the decision already on the request', async () => {
    const t = createApp();
    const seen: unknown[] = [];
    await t.app.register(licenzyGate, {
      gate: licenzy.gate(),
      onDenied: (request, reply, error) => {
        seen.push(error.code, request.licenzy?.allowed);
        reply.code(402).send({ upgrade: '/pricing' });
      },
    });
    t.app.get('/pro', { preHandler: t.app.requireAccess() }, handler(t, '/pro'));
    const reply = await t.app.inject({ url: '/pro', headers: as(freshSubject()) });
    expect(reply.statusCode).toBe(402);
    expect(reply.json()).toEqual({ upgrade: '/pricing' });
    expect(seen).toEqual(['ERR_LICENZY_ACCESS_DENIED', false]);
    expect(t.calls.get('/pro')).toBeUndefined();
  });

  it('sends what an async hook returns, and leaves the reply to a hook that returns reply', async () => {
    const t = createApp();
    await t.app.register(licenzyGate, { gate: licenzy.gate() });
    t.app.get('/returns', {
      preHandler: t.app.requireAccess({ onDenied: async (_request, reply) => { reply.code(402); return { pay: true }; } }),
    }, handler(t, '/returns'));
    t.app.get('/replies', {
      preHandler: t.app.requireAccess({ onDenied: async (_request, reply) => reply.code(451).send('gone') }),
    }, handler(t, '/replies'));
    const returned = await t.app.inject({ url: '/returns', headers: as(freshSubject()) });
    expect([returned.statusCode, returned.json()]).toEqual([402, { pay: true }]);
    const replied = await t.app.inject({ url: '/replies', headers: as(freshSubject()) });
    expect([replied.statusCode, replied.body]).toEqual([451, 'gone']);
    expect(t.calls.size).toBe(0);
  });

  it('calls onUnavailable when Licenzy fails, and not for a denial', async () => {
    const t = createApp();
    const kinds: string[] = [];
    await t.app.register(licenzyGate, {
      gate: licenzy.gate(),
      onUnavailable: (_request, reply, error) => {
        kinds.push(error.code);
        return reply.code(503).header('retry-after', '30').send({ later: true });
      },
    });
    t.app.get('/pro', { preHandler: t.app.requireAccess() }, handler(t, '/pro'));
    expect((await t.app.inject({ url: '/pro', headers: as(freshSubject()) })).statusCode).toBe(403);
    licenzy.mock.fault({ type: 'status', status: 500 }, { path: '/v1/access/check' });
    const reply = await t.app.inject({ url: '/pro', headers: as(freshSubject()) });
    expect([reply.statusCode, reply.headers['retry-after'], reply.json()]).toEqual([503, '30', { later: true }]);
    expect(kinds).toEqual(['ERR_LICENZY_UNAVAILABLE']);
  });

  it("lets the request through with onUnavailable: 'allow' and logs it on request.log", async () => {
    const t = createApp();
    await t.app.register(licenzyGate, { gate: licenzy.gate(), onUnavailable: 'allow' });
    t.app.get('/pro', { preHandler: t.app.requireAccess() }, handler(t, '/pro'));
    licenzy.mock.fault({ type: 'reset' }, { path: '/v1/access/check' });
    const reply = await t.app.inject({ url: '/pro', headers: as(freshSubject()) });
    expect(reply.json().source).toBe('fail-open');
    const warning = t.logLines.map((line) => JSON.parse(line)).find((entry) => entry.level === 40);
    expect(warning).toMatchObject({ reqId: expect.any(String), msg: expect.stringContaining('onUnavailable: allow') });
  });

  it('hands a throwing hook to the error handler and never runs the handler, even for a falsy throw', async () => {
    const t = createApp();
    await t.app.register(licenzyGate, { gate: licenzy.gate() });
    t.app.get('/throws', { preHandler: t.app.requireAccess({ onDenied: () => { throw undefined; } }) }, handler(t, '/throws'));
    t.app.get('/rejects', { preHandler: t.app.requireAccess({ onDenied: () => Promise.reject(0) }) }, handler(t, '/rejects'));
    expect((await t.app.inject({ url: '/throws', headers: as(freshSubject()) })).statusCode).toBe(500);
    expect((await t.app.inject({ url: '/rejects', headers: as(freshSubject()) })).statusCode).toBe(500);
    expect(t.calls.size).toBe(0);
  });
});

describe('delegateErrors', () => {
  it("hands the typed error to the app's setErrorHandler", async () => {
    const t = createApp();
    const seen: unknown[] = [];
    t.app.setErrorHandler((error, _request, reply) => {
      seen.push(error instanceof LicenzyError ? error.code : error);
      return reply.code((error as LicenzyError).status).send({ mine: true });
    });
    await t.app.register(licenzyGate, { gate: licenzy.gate(), delegateErrors: true });
    t.app.get('/pro', { preHandler: t.app.requireAccess() }, handler(t, '/pro'));
    const reply = await t.app.inject({ url: '/pro', headers: as(freshSubject()) });
    expect([reply.statusCode, reply.json()]).toEqual([403, { mine: true }]);
    expect(seen).toEqual(['ERR_LICENZY_ACCESS_DENIED']);
    expect(t.calls.size).toBe(0);
  });

  it("lets Fastify's default error handler answer the error's status and headers", async () => {
    const t = createApp();
    await t.app.register(licenzyGate, { gate: licenzy.gate() });
    t.app.get('/pro', { preHandler: t.app.requireAccess({ delegateErrors: true }) }, handler(t, '/pro'));
    const anonymous = await t.app.inject({ url: '/pro' });
    expect([anonymous.statusCode, anonymous.json().code]).toEqual([401, 'ERR_LICENZY_SUBJECT_REQUIRED']);
    licenzy.mock.fault({ type: 'status', status: 503, headers: { 'retry-after': '7' } }, { path: '/v1/access/check' });
    const outage = await t.app.inject({ url: '/pro', headers: as(freshSubject()) });
    expect(outage.statusCode).toBe(503);
    expect(Number(outage.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(t.calls.size).toBe(0);
  });

  it('takes precedence over onDenied', async () => {
    const t = createApp();
    await t.app.register(licenzyGate, { gate: licenzy.gate(), onDenied: (_request, reply) => reply.code(402).send() });
    t.app.get('/pro', { preHandler: t.app.requireAccess({ delegateErrors: true }) }, handler(t, '/pro'));
    expect((await t.app.inject({ url: '/pro', headers: as(freshSubject()) })).statusCode).toBe(403);
  });
});

describe('problem responses', () => {
  it('keeps the problem+json body intact despite a response schema and a preSerialization hook', async () => {
    const t = createApp();
    t.app.addHook('preSerialization', async (_request, _reply, payload) => ({ wrapped: payload }));
    await t.app.register(licenzyGate, { gate: licenzy.gate() });
    t.app.get('/pro', {
      preHandler: t.app.requireAccess(),
      schema: { response: { '4xx': { type: 'object', properties: { message: { type: 'string' } } } } },
    }, handler(t, '/pro'));
    const reply = await t.app.inject({ url: '/pro', headers: as(freshSubject()) });
    expect(reply.statusCode).toBe(403);
    expect(reply.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(reply.headers['cache-control']).toBe('no-store');
    expect(reply.json()).toEqual({ type: 'urn:licenzy-gate:problem:access_denied', title: expect.any(String), status: 403, code: 'access_denied' });
  });

  it('never puts an API key in a response body or a log line', async () => {
    const t = createApp();
    await t.app.register(licenzyGate, { gate: licenzy.gate(), onUnavailable: 'allow' });
    await t.app.register(async (broken) => {
      await broken.register(licenzyGate, { apiKey: REJECTED_KEY, baseUrl: licenzy.mock.url, retries: 0 });
      broken.get('/misconfigured', { preHandler: broken.requireAccess() }, handler(t, '/misconfigured'));
    });
    t.app.get('/pro', { preHandler: t.app.requireAccess() }, handler(t, '/pro'));
    t.app.get('/strict', { preHandler: t.app.requireAccess({ onUnavailable: 'deny' }) }, handler(t, '/strict'));
    const bodies: string[] = [];
    for (let i = 0; i < 2; i++) bodies.push((await t.app.inject({ url: '/misconfigured', headers: as(freshSubject()) })).body);
    bodies.push((await t.app.inject({ url: '/pro', headers: as(freshSubject()) })).body);
    licenzy.mock.fault({ type: 'status', status: 503 }, { path: '/v1/access/check', times: 2 });
    bodies.push((await t.app.inject({ url: '/pro', headers: as(freshSubject()) })).body);
    bodies.push((await t.app.inject({ url: '/strict', headers: as(freshSubject()) })).body);

    const everything = bodies.join('\n') + t.logLines.join('');
    expect(t.logLines.some((line) => line.includes('access_misconfigured'))).toBe(true);
    expect(everything).not.toContain(licenzy.mock.testKey);
    expect(everything).not.toContain(REJECTED_KEY);
    expect(everything).not.toMatch(/lz_(test|live)_/);
  });
});

describe('options validation', () => {
  it('rejects bad plugin options at registration with a LicenzyConfigError naming the option', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ gate: licenzy.gate(), fresh: 'yes' }, 'fresh'],
      [{ gate: licenzy.gate(), global: 'yes' }, 'global'],
      [{ gate: licenzy.gate(), apiKey: licenzy.mock.testKey }, 'gate'],
      [{ gate: licenzy.gate(), onUnavailable: 'maybe' }, 'onUnavailable'],
      [{ apiKey: 'not-a-key', baseUrl: licenzy.mock.url }, 'apiKey'],
    ];
    for (const [options, option] of cases) {
      const t = createApp();
      const error = await t.app.register(licenzyGate, options as LicenzyGateOptions).then(() => undefined, (thrown: unknown) => thrown);
      expect(error).toBeInstanceOf(LicenzyConfigError);
      expect((error as LicenzyConfigError).option).toBe(option);
    }
  });

  it('rejects gate options and unknown keys passed to app.requireAccess(), naming them', async () => {
    const t = createApp();
    await t.app.register(licenzyGate, { gate: licenzy.gate() });
    const optionOf = (options: unknown) => {
      try {
        t.app.requireAccess(options as never);
      } catch (error) {
        expect(error).toBeInstanceOf(LicenzyConfigError);
        return (error as LicenzyConfigError).option;
      }
      return 'no error';
    };
    expect(optionOf({ apiKey: licenzy.mock.testKey })).toBe('apiKey');
    expect(optionOf({ cache: { ttl: 1 } })).toBe('cache');
    expect(optionOf({ gate: licenzy.gate() })).toBe('gate');
    expect(optionOf({ global: true })).toBe('global');
    expect(optionOf('fresh')).toBe('options');
    expect(optionOf({ fresh: 1 })).toBe('fresh');
    expect(optionOf({ onDenied: 'nope' })).toBe('onDenied');
  });
});

describe('time', () => {
  it('asks Licenzy again once a cached decision has expired on the injected clock', async () => {
    let now = 1_000_000;
    const t = createApp();
    await t.app.register(licenzyGate, { gate: licenzy.gate({ now: () => now, cache: { ttl: 30_000 } }) });
    t.app.get('/pro', { preHandler: t.app.requireAccess() }, handler(t, '/pro'));
    const subject = freshSubject();
    licenzy.mock.grant(subject);
    expect((await t.app.inject({ url: '/pro', headers: as(subject) })).json().source).toBe('licenzy');
    now += 29_999;
    expect((await t.app.inject({ url: '/pro', headers: as(subject) })).json().source).toBe('cache');
    now += 1;
    licenzy.mock.revoke(subject);
    expect((await t.app.inject({ url: '/pro', headers: as(subject) })).statusCode).toBe(403);
  });
});

describe('bug: nested global gates: a child route with config.licenzy is checked twice by the child gate, never by the parent', () => {
  // One module-wide symbol held the per-route guard that `onRoute` builds for `config.licenzy` overrides, so the
  // child registration's hook overwrote the parent's: both preHandlers then ran the child's guard. Each gate now
  // keeps its own guard per route. Two emulators stand for two Licenzy accounts, so each gate's calls are counted.
  const parentLicenzy = useLocalLicenzy({ hooks, gate: TEST_GATE });
  const childLicenzy = useLocalLicenzy({ hooks, gate: TEST_GATE });

  /** Parent context: a global gate on `parentLicenzy`; child context: another global gate on `childLicenzy`. */
  async function nestedApp() {
    const t = createApp();
    await t.app.register(async (parent) => {
      await parent.register(licenzyGate, { gate: parentLicenzy.gate(), global: true });
      parent.get('/parent', handler(t, '/parent'));
      await parent.register(async (child) => {
        // Registered before the child's gate (but after the parent's): only the parent built a guard for it.
        child.get('/child/early', { config: { licenzy: { fresh: true } } }, handler(t, '/child/early'));
        await child.register(licenzyGate, { gate: childLicenzy.gate(), global: true });
        child.get('/child/override', { config: { licenzy: { fresh: true } } }, handler(t, '/child/override'));
        child.get('/child/plain', handler(t, '/child/plain'));
        child.get('/child/free', { config: { licenzy: false } }, handler(t, '/child/free'));
      });
    });
    const url = await t.app.listen({ port: 0, host: '127.0.0.1' });
    return { t, url };
  }

  /** GET over real HTTP, with the Licenzy calls each gate made for it. */
  async function call(url: string, path: string, subjectRef?: string) {
    const [parentBefore, childBefore] = [parentLicenzy.mock.count(CHECK), childLicenzy.mock.count(CHECK)];
    const response = await fetch(url + path, { headers: subjectRef === undefined ? {} : as(subjectRef) });
    const body = await response.text();
    return { status: response.status, body, parentCalls: parentLicenzy.mock.count(CHECK) - parentBefore, childCalls: childLicenzy.mock.count(CHECK) - childBefore };
  }

  it('refuses (403) when the parent gate denies and the child gate allows, asking the parent once', async () => {
    const { t, url } = await nestedApp();
    const subject = freshSubject();
    childLicenzy.mock.grant(subject);
    for (let i = 0; i < 2; i++) {
      // The parent's hook runs first and answers; the child's gate is not asked for a refused request.
      expect(await call(url, '/child/override', subject)).toMatchObject({ status: 403, parentCalls: 1, childCalls: 0 });
    }
    expect(t.calls.get('/child/override')).toBeUndefined();
  });

  it('refuses (403) when the child gate denies and the parent gate allows, asking each gate once', async () => {
    const { t, url } = await nestedApp();
    const subject = freshSubject();
    parentLicenzy.mock.grant(subject);
    for (let i = 0; i < 2; i++) {
      expect(await call(url, '/child/override', subject)).toMatchObject({ status: 403, parentCalls: 1, childCalls: 1 });
    }
    expect(t.calls.get('/child/override')).toBeUndefined();
  });

  it('lets the request through only when both gates allow, each applying the override (fresh: one call per request)', async () => {
    const { t, url } = await nestedApp();
    const subject = freshSubject();
    parentLicenzy.mock.grant(subject);
    childLicenzy.mock.grant(subject);
    for (let i = 0; i < 2; i++) {
      expect(await call(url, '/child/override', subject)).toMatchObject({ status: 200, parentCalls: 1, childCalls: 1 });
    }
    expect(t.calls.get('/child/override')).toBe(2);
  });

  it('has both gates decide a child route without config.licenzy', async () => {
    const { url } = await nestedApp();
    const parentOnly = freshSubject();
    parentLicenzy.mock.grant(parentOnly);
    expect(await call(url, '/child/plain', parentOnly)).toMatchObject({ status: 403, parentCalls: 1, childCalls: 1 });
    const childOnly = freshSubject();
    childLicenzy.mock.grant(childOnly);
    expect(await call(url, '/child/plain', childOnly)).toMatchObject({ status: 403, parentCalls: 1, childCalls: 0 });
    // The parent's own routes stay under the parent's gate alone (both answers are cached by now).
    expect(await call(url, '/parent', parentOnly)).toMatchObject({ status: 200, parentCalls: 0, childCalls: 0 });
    expect(await call(url, '/parent', childOnly)).toMatchObject({ status: 403, parentCalls: 0, childCalls: 0 });
  });

  it('opts a route out of every gate above it with config.licenzy: false', async () => {
    const { t, url } = await nestedApp();
    expect(await call(url, '/child/free')).toMatchObject({ status: 200, parentCalls: 0, childCalls: 0 });
    expect(t.calls.get('/child/free')).toBe(1);
  });

  it("refuses (500) a config.licenzy override on a route registered before the child's gate, instead of running the parent's guard twice", async () => {
    const { t, url } = await nestedApp();
    const subject = freshSubject();
    parentLicenzy.mock.grant(subject);
    const reply = await call(url, '/child/early', subject);
    expect(reply.status).toBe(500);
    expect(JSON.parse(reply.body)).toMatchObject({ code: 'ERR_LICENZY_CONFIG' });
    expect(reply.childCalls).toBe(0);
    expect(t.calls.get('/child/early')).toBeUndefined();
  });
});
