// Adapter behaviour of requireAccess() on Express 5 and 4: mounting, resolvers, hooks, delegation, options, secrecy.
import { createRequire } from 'node:module';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { NextFunction, Request, Response } from 'express';
import { uniqueSubject, useLocalLicenzy } from '@licenzy-gate/testing';
import {
  LicenzyAccessDeniedError,
  LicenzyConfigError,
  LicenzyError,
  LicenzyUnavailableError,
  requireAccess,
  resetDefaultGate,
  type AccessGate,
  type ExpressRequireAccessOptions,
} from '../src/index.js';
import { captureLogger, demoAuth, listen, majors, request, type CreateApp, type Running } from './serve.js';

const CHECK = 'POST /v1/access/check';
const REJECTED_KEY = 'lz_test_example_rejected_key';
const subjectFor = (name: string) => uniqueSubject(`express_${name}`);

/** Gates on the local Licenzy with no retries or breaker, so outage tests answer at once and independently. */
const licenzy = useLocalLicenzy({ hooks: { beforeAll, afterAll, afterEach }, gate: { retries: 0, circuitBreaker: false, freshInterval: 0 } });

const failLicenzy = (headers?: Record<string, string>) =>
  licenzy.mock.fault({ type: 'status', status: 503, ...(headers ? { headers } : {}) }, { path: '/v1/access/check' });

/** Echoes the decision the handler saw, counting runs. */
function echo(counter: { runs: number }) {
  return (req: Request, res: Response) => {
    counter.runs++;
    res.json({ subjectRef: req.licenzy?.subjectRef, source: req.licenzy?.source, allowed: req.licenzy?.allowed });
  };
}

describe.each(majors)('requireAccess on $major', ({ createApp, version }) => {
  const running: Running[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((app) => app.close()));
  });

  /** Builds an app behind demo auth, lets `mount` add routes, and starts it on a real port. */
  async function start(mount: (app: ReturnType<CreateApp>) => void): Promise<string> {
    const app = createApp();
    app.use(demoAuth);
    mount(app);
    const server = await listen(app);
    running.push(server);
    return server.url;
  }

  it(`runs on Express ${version}`, () => {
    const name = version === '4' ? 'express4' : 'express';
    const pkg = createRequire(import.meta.url)(`${name}/package.json`) as { version: string };
    expect(pkg.version.split('.')[0]).toBe(version);
  });

  describe('mounting forms', () => {
    it('gates every route after app.use(requireAccess())', async () => {
      const subject = subjectFor('use');
      licenzy.mock.grant(subject);
      const counter = { runs: 0 };
      const url = await start((app) => {
        app.use(requireAccess({ gate: licenzy.gate() }));
        app.get('/anything', echo(counter));
      });
      expect((await request(`${url}/anything`)).status).toBe(401);
      const allowed = await request(`${url}/anything`, subject);
      expect(allowed.status).toBe(200);
      expect(allowed.json).toMatchObject({ subjectRef: subject, source: 'licenzy' });
      expect(counter.runs).toBe(1);
    });

    it("gates only the prefix with app.use('/pro', requireAccess())", async () => {
      const counter = { runs: 0 };
      const url = await start((app) => {
        app.use('/pro', requireAccess({ gate: licenzy.gate() }));
        app.get('/pro/report', echo(counter));
        app.get('/free', (_req, res) => {
          res.send('free');
        });
      });
      const calls = licenzy.mock.count(CHECK);
      expect((await request(`${url}/free`)).status).toBe(200);
      expect((await request(`${url}/pro/report`, subjectFor('prefix'))).status).toBe(403);
      expect(licenzy.mock.count(CHECK)).toBe(calls + 1);
      expect(counter.runs).toBe(0);
    });

    it('gates a single route when passed before its handler', async () => {
      const subject = subjectFor('route');
      licenzy.mock.grant(subject);
      const counter = { runs: 0 };
      const url = await start((app) => {
        app.get('/pro', requireAccess({ gate: licenzy.gate() }), echo(counter));
        app.get('/free', (_req, res) => {
          res.send('free');
        });
      });
      expect((await request(`${url}/pro`, subject)).status).toBe(200);
      expect((await request(`${url}/pro`)).status).toBe(401);
      expect((await request(`${url}/free`)).status).toBe(200);
      expect(counter.runs).toBe(1);
    });

    it('gates a Router mounted under a path', async () => {
      const subject = subjectFor('router');
      licenzy.mock.grant(subject);
      const counter = { runs: 0 };
      const url = await start((app) => {
        const router = createApp.Router();
        router.use(requireAccess({ gate: licenzy.gate() }));
        router.get('/report', echo(counter));
        app.use('/pro', router);
      });
      expect((await request(`${url}/pro/report`, subject)).status).toBe(200);
      expect((await request(`${url}/pro/report`, subjectFor('router_denied'))).status).toBe(403);
      expect(counter.runs).toBe(1);
    });

    it('answers HEAD refusals with the status and headers but no body', async () => {
      const url = await start((app) => {
        app.get('/pro', requireAccess({ gate: licenzy.gate() }), echo({ runs: 0 }));
      });
      const reply = await request(`${url}/pro`, undefined, { method: 'HEAD' });
      expect(reply.status).toBe(401);
      expect(reply.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(reply.text).toBe('');
    });
  });

  describe('subject resolver', () => {
    // Async, numeric, object, throwing and rejecting resolvers: resolverConformanceCases (conformance.test.ts).
        it('never reads the subject from the query string, body or cookies by default', async () => {
      const subject = subjectFor('spoof');
      licenzy.mock.grant(subject);
      const url = await start((app) => {
        app.use(createApp.json());
        app.post('/pro', requireAccess({ gate: licenzy.gate() }), echo({ runs: 0 }));
      });
      const reply = await request(`${url}/pro?user=${subject}&subject_ref=${subject}`, undefined, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie: `user=${subject}; subject_ref=${subject}` },
        body: JSON.stringify({ user: { id: subject }, subject_ref: subject }),
      });
      expect(reply.status).toBe(401);
    });
  });

  describe('refusal hooks', () => {
    it('calls onDenied with the denial and the denied decision on req.licenzy', async () => {
      const subject = subjectFor('ondenied');
      const counter = { runs: 0 };
      const seen: unknown[] = [];
      const url = await start((app) => {
        app.get(
          '/pro',
          requireAccess({
            gate: licenzy.gate(),
            onDenied: (req, res, _next, error) => {
              seen.push(error, req.licenzy);
              res.status(402).json({ upgrade: '/pricing' });
            },
          }),
          echo(counter),
        );
      });
      const reply = await request(`${url}/pro`, subject);
      expect(reply.status).toBe(402);
      expect(reply.json).toEqual({ upgrade: '/pricing' });
      expect(seen[0]).toBeInstanceOf(LicenzyAccessDeniedError);
      expect(seen[1]).toMatchObject({ subjectRef: subject, allowed: false, source: 'licenzy' });
      expect(counter.runs).toBe(0);
    });

    it('keeps the default 401 for a missing subject even with onDenied set', async () => {
      const onDenied = vi.fn();
      const url = await start((app) => {
        app.get('/pro', requireAccess({ gate: licenzy.gate(), onDenied }), echo({ runs: 0 }));
      });
      expect((await request(`${url}/pro`)).status).toBe(401);
      expect(onDenied).not.toHaveBeenCalled();
    });

    it('calls onUnavailable with the outage error when Licenzy fails', async () => {
      const seen: unknown[] = [];
      failLicenzy();
      const url = await start((app) => {
        app.get(
          '/pro',
          requireAccess({
            gate: licenzy.gate(),
            onUnavailable: (_req, res, _next, error) => {
              seen.push(error);
              res.status(503).type('text').send('maintenance page');
            },
          }),
          echo({ runs: 0 }),
        );
      });
      const reply = await request(`${url}/pro`, subjectFor('onunavailable'));
      expect(reply.text).toBe('maintenance page');
      expect(seen[0]).toBeInstanceOf(LicenzyUnavailableError);
    });

    it("lets the request through with source 'fail-open' and a warning under onUnavailable: 'allow'", async () => {
      const subject = subjectFor('failopen');
      const logger = captureLogger();
      failLicenzy();
      const url = await start((app) => {
        app.get('/pro', requireAccess({ gate: licenzy.gate(), onUnavailable: 'allow', logger }), echo({ runs: 0 }));
      });
      const reply = await request(`${url}/pro`, subject);
      expect(reply.status).toBe(200);
      expect(reply.json).toMatchObject({ subjectRef: subject, source: 'fail-open' });
      expect(logger.text().some((line) => line.startsWith('warn') && line.includes(subject))).toBe(true);
    });

    it.each([
      ['throws', (): void => {
        throw new Error('hook failed');
      }],
      ['rejects', async (): Promise<void> => {
        throw new Error('hook failed');
      }],
      ['rejects without a reason', (): Promise<void> => Promise.reject(undefined)],
    ])("hands an onDenied hook that %s to the app's error handler, never to the route", async (_how, onDenied) => {
      const errors: unknown[] = [];
      const counter = { runs: 0 };
      const url = await start((app) => {
        app.get('/pro', requireAccess({ gate: licenzy.gate(), onDenied }), echo(counter));
        app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
          errors.push(err);
          res.status(500).send('handled');
        });
      });
      const reply = await request(`${url}/pro`, subjectFor('hookfail'));
      expect(reply.text).toBe('handled');
      expect(errors[0]).toBeInstanceOf(Error);
      expect(counter.runs).toBe(0);
    });
  });

  describe('delegateErrors', () => {
    it("hands the typed error to the app's error handler with status, headers and expose", async () => {
      const errors: LicenzyError[] = [];
      const counter = { runs: 0 };
      const url = await start((app) => {
        app.get('/pro', requireAccess({ gate: licenzy.gate(), delegateErrors: true }), echo(counter));
        app.use((err: LicenzyError, _req: Request, res: Response, _next: NextFunction) => {
          errors.push(err);
          res.status(err.status).set(err.headers).json({ mine: err.code });
        });
      });
      const denied = await request(`${url}/pro`, subjectFor('delegate'));
      expect(denied.status).toBe(403);
      expect(denied.json).toEqual({ mine: 'ERR_LICENZY_ACCESS_DENIED' });
      expect(errors[0]).toBeInstanceOf(LicenzyAccessDeniedError);
      expect(errors[0]).toMatchObject({ status: 403, statusCode: 403, expose: true });

      failLicenzy({ 'retry-after': '7' });
      const unavailable = await request(`${url}/pro`, subjectFor('delegate_outage'));
      expect(unavailable.status).toBe(503);
      expect(unavailable.headers.get('retry-after')).toBe('7');
      expect(errors[1]).toMatchObject({ code: 'ERR_LICENZY_UNAVAILABLE', expose: false });
      expect(counter.runs).toBe(0);
    });

    it("lets Express's default error handler answer with the error's status and Retry-After", async () => {
      failLicenzy();
      const url = await start((app) => {
        app.get('/pro', requireAccess({ gate: licenzy.gate(), delegateErrors: true }), echo({ runs: 0 }));
      });
      // Express prints the stack of errors it handles itself outside production; keep the run quiet.
      const quiet = vi.spyOn(console, 'error').mockImplementation(() => undefined);
      try {
        const reply = await request(`${url}/pro`, subjectFor('default_handler'));
        expect(reply.status).toBe(503);
        expect(Number(reply.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
        expect(reply.text).not.toMatch(/lz_(test|live)_/);
      } finally {
        quiet.mockRestore();
      }
    });
  });

  describe('fresh', () => {
    it('asks Licenzy only for requests the fresh function picks', async () => {
      const subject = subjectFor('freshfn');
      licenzy.mock.grant(subject);
      const url = await start((app) => {
        app.get('/pro', requireAccess({ gate: licenzy.gate(), fresh: (req) => req.query.paid === '1' }), echo({ runs: 0 }));
      });
      const calls = licenzy.mock.count(CHECK);
      expect((await request(`${url}/pro`, subject)).json).toMatchObject({ source: 'licenzy' });
      expect((await request(`${url}/pro`, subject)).json).toMatchObject({ source: 'cache' });
      expect((await request(`${url}/pro?paid=1`, subject)).json).toMatchObject({ source: 'licenzy' });
      expect(licenzy.mock.count(CHECK)).toBe(calls + 2);
    });
  });

  describe('cache timing (injected clock)', () => {
    it('asks Licenzy again once an allowed decision outlives cache.ttl', async () => {
      const subject = subjectFor('ttl');
      let clock = 1_000_000;
      licenzy.mock.grant(subject);
      const url = await start((app) => {
        app.get('/pro', requireAccess({ gate: licenzy.gate({ now: () => clock, cache: { ttl: 30_000 } }) }), echo({ runs: 0 }));
      });
      expect((await request(`${url}/pro`, subject)).status).toBe(200);
      licenzy.mock.revoke(subject);
      clock += 29_999;
      expect((await request(`${url}/pro`, subject)).json).toMatchObject({ source: 'cache' });
      clock += 1;
      expect((await request(`${url}/pro`, subject)).status).toBe(403);
    });
  });

  describe('secrets', () => {
    it('never puts the API key in a response body or a log line', async () => {
      const logger = captureLogger();
      const consoleLines: unknown[] = [];
      const spies = (['log', 'warn', 'error', 'info', 'debug'] as const).map((level) =>
        vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
          consoleLines.push(args);
        }),
      );
      try {
        const url = await start((app) => {
          app.get('/bad', requireAccess({ apiKey: REJECTED_KEY, baseUrl: licenzy.mock.url, retries: 0, logger }), echo({ runs: 0 }));
          app.get('/bad-delegated', requireAccess({ apiKey: REJECTED_KEY, baseUrl: licenzy.mock.url, retries: 0, logger, delegateErrors: true }), echo({ runs: 0 }));
          app.get('/down', requireAccess({ gate: licenzy.gate(), logger }), echo({ runs: 0 }));
          app.get('/open', requireAccess({ gate: licenzy.gate(), logger, onUnavailable: 'allow' }), echo({ runs: 0 }));
        });
        const bodies: string[] = [];
        const bad = await request(`${url}/bad`, subjectFor('secret'));
        expect(bad.status).toBe(500);
        bodies.push(bad.text, (await request(`${url}/bad-delegated`, subjectFor('secret'))).text);
        failLicenzy();
        bodies.push((await request(`${url}/down`, subjectFor('secret'))).text, (await request(`${url}/open`, subjectFor('secret'))).text);
        const everything = [...bodies, ...logger.text(), JSON.stringify(consoleLines)].join('\n');
        expect(logger.text().length).toBeGreaterThan(0);
        expect(everything).not.toContain(REJECTED_KEY);
        expect(everything).not.toContain(licenzy.mock.testKey);
        expect(everything).not.toMatch(/lz_(test|live)_/);
      } finally {
        for (const spy of spies) spy.mockRestore();
      }
    });
  });
});

describe('requireAccess() without options (the default gate from the environment)', () => {
  const saved = { key: process.env.LICENZY_API_KEY, url: process.env.LICENZY_API_URL };
  afterEach(() => {
    for (const [name, value] of [['LICENZY_API_KEY', saved.key], ['LICENZY_API_URL', saved.url]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    resetDefaultGate();
  });

  it('reads LICENZY_API_KEY / LICENZY_API_URL and shares one cache across routes', async () => {
    process.env.LICENZY_API_KEY = licenzy.mock.testKey;
    process.env.LICENZY_API_URL = licenzy.mock.url;
    resetDefaultGate();
    const subject = subjectFor('zeroarg');
    licenzy.mock.grant(subject);
    const [{ createApp }] = majors;
    const app = createApp();
    app.use(demoAuth);
    app.get('/a', requireAccess(), echo({ runs: 0 }));
    app.get('/b', requireAccess(), echo({ runs: 0 }));
    const server = await listen(app);
    try {
      expect((await request(`${server.url}/a`, subject)).json).toMatchObject({ source: 'licenzy' });
      expect((await request(`${server.url}/b`, subject)).json).toMatchObject({ source: 'cache' });
    } finally {
      await server.close();
    }
  });

  it('throws LicenzyConfigError at setup when the environment has no key', () => {
    delete process.env.LICENZY_API_KEY;
    process.env.LICENZY_API_URL = licenzy.mock.url;
    resetDefaultGate();
    expect(() => requireAccess()).toThrow(expect.objectContaining({ code: 'ERR_LICENZY_CONFIG', option: 'apiKey' }));
  });
});

describe('requireAccess options validation', () => {
  let gate: AccessGate;
  beforeAll(() => {
    gate = licenzy.gate();
  });

  it.each<[string, () => ExpressRequireAccessOptions, string]>([
    ['a string instead of options', () => 'gate' as unknown as ExpressRequireAccessOptions, 'options'],
    ['gate that is not a gate', () => ({ gate: {} as AccessGate }), 'gate'],
    ['gate together with gate options', () => ({ gate, apiKey: 'lz_test_x' }), 'gate'],
    ['subject that is not a function', () => ({ gate, subject: 'user.id' as unknown as () => string }), 'subject'],
    ['fresh that is a string', () => ({ gate, fresh: 'yes' as unknown as boolean }), 'fresh'],
    ['onDenied that is not a function', () => ({ gate, onDenied: 402 as never }), 'onDenied'],
    ['onUnavailable that is an unknown word', () => ({ gate, onUnavailable: 'ignore' as 'allow' }), 'onUnavailable'],
    ['delegateErrors that is a string', () => ({ gate, delegateErrors: 'true' as unknown as boolean }), 'delegateErrors'],
    ['a malformed apiKey', () => ({ apiKey: 'sk_live_nope', baseUrl: 'http://127.0.0.1:1' }), 'apiKey'],
    ['a negative cache ttl', () => ({ apiKey: 'lz_test_x', baseUrl: 'http://127.0.0.1:1', cache: { ttl: -1 } }), 'cache.ttl'],
  ])('rejects %s with LicenzyConfigError naming the option', (_what, options, option) => {
    let thrown: unknown;
    try {
      requireAccess(options());
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(LicenzyConfigError);
    expect(thrown).toMatchObject({ code: 'ERR_LICENZY_CONFIG', option });
    expect((thrown as Error).message).toContain(`\`${option}\``);
    expect((thrown as Error).message).not.toContain('sk_live_nope');
  });

  it('returns a named middleware function', () => {
    const middleware = requireAccess({ gate });
    expect(middleware.name).toBe('licenzyRequireAccess');
    expect(middleware.length).toBe(3);
  });
});

describe('the middleware contract with Express (called directly)', () => {
  const fakeRequest = (id: string) => ({ user: { id } }) as unknown as Request;
  const fakeResponse = () => ({}) as Response;

  it('calls next() synchronously on a cache hit, without returning a promise', async () => {
    const subject = subjectFor('sync');
    licenzy.mock.grant(subject);
    const middleware = requireAccess({ gate: licenzy.gate() });
    await new Promise<void>((resolve, reject) => {
      middleware(fakeRequest(subject), fakeResponse(), (err?: unknown) => (err ? reject(err as Error) : resolve()));
    });
    const next = vi.fn();
    const req = fakeRequest(subject);
    const returned = middleware(req, fakeResponse(), next);
    expect(returned).toBeUndefined();
    expect(next).toHaveBeenCalledTimes(1);
    expect(next).toHaveBeenCalledWith();
    expect(req.licenzy).toMatchObject({ subjectRef: subject, source: 'cache' });
  });

  it('returns undefined, not a promise, while a Licenzy call is pending (Express 4 ignores promises)', async () => {
    const subject = subjectFor('pending');
    licenzy.mock.grant(subject);
    const middleware = requireAccess({ gate: licenzy.gate() });
    let returned: unknown = 'not called';
    await new Promise<void>((resolve) => {
      returned = middleware(fakeRequest(subject), fakeResponse(), () => resolve());
    });
    expect(returned).toBeUndefined();
  });
});
