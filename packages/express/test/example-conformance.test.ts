// The README's example app (examples/express/app.mjs, what `npm start` runs) passes runConformance in full: every suite.
import { pathToFileURL } from 'node:url';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { conformanceSuites, runConformance, useLocalLicenzy, type ConformanceTarget } from '@licenzy-gate/testing';
import { accessStatus, requireAccess, requireUsage, type AccessGate, type LicenzyError } from '../src/index.js';
import { captureLogger, listen, meteredHandlers, type Running } from './serve.js';

type ExampleModule = { createApp(options: { gate: AccessGate; webhookSecret?: string }): Express };
const exampleModule = pathToFileURL(new URL('../../../examples/express/app.mjs', import.meta.url).pathname).href;

type WithUser = Request & { user?: { id: string } };
/** An error handed to Express: the refusal suite reads `delegated`, the metered suite `caught`. */
const delegated = (error: LicenzyError, _req: Request, res: Response, _next: NextFunction) => void res.status(error.status).json({ delegated: error.code, caught: error.code });

describe("the README's Express example app", () => {
  // retries 0 keeps outage cases fast; no breaker, since several cases fail Licenzy on purpose; freshInterval 0 as
  // ConformanceTarget asks. The example itself builds its gate from the environment (server.mjs), the same factory.
  const licenzy = useLocalLicenzy({ hooks: { beforeAll, afterAll, afterEach }, gate: { retries: 0, circuitBreaker: false, freshInterval: 0, logger: captureLogger() } });
  let createExampleApp: ExampleModule['createApp'];
  let running: Running;
  let gate: AccessGate;
  const handlerCalls = new Map<string, number>();
  const count = (path: string) => handlerCalls.set(path, (handlerCalls.get(path) ?? 0) + 1);
  const answer = (path: string) => (req: Request, res: Response) => {
    count(path);
    res.json({ subjectRef: req.licenzy?.subjectRef, source: req.licenzy?.source });
  };

  /** The example app on `gate`, behind a front that logs the harness suites' `x-demo-user` in through the example's own demo login. */
  function exampleBehindHarnessLogin(onGate: AccessGate): { front: Express; example: Express } {
    const example = createExampleApp({ gate: onGate });
    const front = express();
    front.disable('x-powered-by');
    front.use((req, _res, next) => {
      const user = req.get('x-demo-user');
      if (user !== undefined) req.headers.authorization = `Demo ${user}`;
      next();
    });
    front.use(example);
    return { front, example };
  }

  beforeAll(async () => {
    createExampleApp = ((await import(exampleModule)) as ExampleModule).createApp;
    gate = licenzy.gate();
    const example = createExampleApp({ gate });
    const logger = captureLogger();
    // The suite's `/pro` IS the example's own paid route `GET /pro/report` (its handler answers { report, subjectRef,
    // source }): the front rewrites the path, and counts a run of that handler as its 200 (every refusal is a 4xx/5xx).
    const front = express();
    front.disable('x-powered-by');
    front.use((req, res, next) => {
      if (req.path !== '/pro') return next();
      req.url = req.url.replace('/pro', '/pro/report');
      res.once('finish', () => {
        if (res.statusCode === 200) count('/pro');
      });
      next();
    });
    front.use(example);
    // Routes the suites need that the example does not have, added beside its own on the same gate and login.
    const pro = requireAccess({ gate, logger });
    example.get('/free', (_req, res) => void res.send('free'));
    example.get('/pro/other', pro, answer('/pro/other'));
    example.get('/pro/fresh', requireAccess({ gate, fresh: true, logger }), answer('/pro/fresh'));
    example.get('/pro/open', requireAccess({ gate, onUnavailable: 'allow', logger }), answer('/pro/open'));
    example.get('/misconfigured', requireAccess({ apiKey: 'lz_test_example_rejected_key', baseUrl: licenzy.mock.url, retries: 0, logger }), answer('/misconfigured'));
    const secret = () => new Error('resolver secret detail');
    example.get('/resolver/async', requireAccess({ gate, logger, subject: async (req) => (req as WithUser).user?.id }), answer('/resolver/async'));
    example.get('/resolver/numeric', requireAccess({ gate, logger, subject: () => 4242 }), answer('/resolver/numeric'));
    example.get('/resolver/object', requireAccess({ gate, logger, subject: () => ({ id: 'u' }) }), answer('/resolver/object'));
    example.get('/resolver/throws', requireAccess({ gate, logger, subject: () => { throw secret(); } }), answer('/resolver/throws'));
    example.get('/resolver/rejects', requireAccess({ gate, logger, subject: () => Promise.reject(secret()) }), answer('/resolver/rejects'));
    const upgrade = (_req: Request, res: Response) => void res.status(402).json({ upgrade: '/pricing' });
    example.get('/refusal/hook', requireAccess({ gate, logger, onDenied: upgrade }), answer('/refusal/hook'));
    example.get('/refusal/delegate', requireAccess({ gate, logger, onDenied: upgrade, delegateErrors: true }), answer('/refusal/delegate'));
    example.post('/metered', requireUsage({ gate, logger, units: 1 }), answer('/metered'));
    example.post('/metered/by-header', requireUsage({ gate, logger, units: (req) => Number(req.get('x-units')) }), answer('/metered/by-header'));
    example.post('/metered/bad-units', requireUsage({ gate, logger, units: () => 0 }), answer('/metered/bad-units'));
    example.use(delegated);
    running = await listen(front);
  });

  afterAll(async () => {
    await running?.close();
  });

  it('passes every conformance suite, its own paid route included', async () => {
    const target: ConformanceTarget = {
      url: running.url,
      mock: licenzy.mock,
      // The example's demo login: `Authorization: Demo <user_id>`.
      authenticate: (subjectRef) => ({ authorization: `Demo ${subjectRef}` }),
      invalidate: (subjectRef) => void gate.invalidate(subjectRef),
      handlerCalls: (path) => handlerCalls.get(path) ?? 0,
      // The harness suites start a fresh example app on the gate they give, with their routes beside the example's.
      async mountMetered(caseGate, routes) {
        const { front, example } = exampleBehindHarnessLogin(caseGate);
        example.use(express.json());
        for (const route of routes) example[route.method === 'GET' ? 'get' : 'post'](route.path, ...meteredHandlers(caseGate, route));
        example.use(delegated);
        return listen(front);
      },
      async mountStatus(caseGate, status) {
        const { front, example } = exampleBehindHarnessLogin(caseGate);
        example.get('/pro', requireAccess({ gate: caseGate }), (_req, res) => void res.send('pro'));
        example.all('/status', accessStatus({ gate: caseGate, ...status }));
        return listen(front);
      },
    };
    const results = await runConformance(target);
    const total = Object.values(conformanceSuites).reduce((sum, cases) => sum + cases.length, 0);
    expect(results.filter((result) => !result.ok)).toEqual([]);
    expect(results).toHaveLength(total);
    expect([...new Set(results.map((result) => result.suite))]).toEqual(Object.keys(conformanceSuites));
    expect(handlerCalls.get('/pro')).toBeGreaterThan(0); // the example's own /pro/report handler answered the suite
  }, 60_000);
});
