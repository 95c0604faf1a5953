// Runs the shared licenzy-gate conformance suite against a real Express 5 and Express 4 app.
import { afterAll, afterEach, beforeAll, describe, it } from 'vitest';
import type { NextFunction, Request, Response } from 'express';
import { useLocalLicenzy } from '@licenzy-gate/testing';
import { conformanceCases, refusalConformanceCases, resolverConformanceCases, usageConformanceCases } from '@licenzy-gate/testing';
import { requireAccess, requireUsage, type AccessGate } from '../src/index.js';
import { captureLogger, demoAuth, listen, majors, type Running } from './serve.js';

describe.each(majors)('conformance on $major', ({ createApp }) => {
  // retries 0 keeps outage cases fast; no breaker, since several cases fail Licenzy on purpose.
  const licenzy = useLocalLicenzy({ hooks: { beforeAll, afterAll, afterEach }, gate: { retries: 0, circuitBreaker: false, freshInterval: 0 } });
  let app: Running;
  let gate: AccessGate;
  const handlerCalls = new Map<string, number>();

  beforeAll(async () => {
    gate = licenzy.gate();
    const logger = captureLogger();
    const handler = (path: string) => (req: Request, res: Response) => {
      handlerCalls.set(path, (handlerCalls.get(path) ?? 0) + 1);
      res.json({ subjectRef: req.licenzy?.subjectRef, source: req.licenzy?.source });
    };
    const server = createApp();
    server.use(demoAuth);
    server.get('/free', (_req, res) => {
      res.send('free');
    });
    const pro = requireAccess({ gate, logger });
    server.get('/pro', pro, handler('/pro'));
    server.get('/pro/other', pro, handler('/pro/other'));
    server.get('/pro/fresh', requireAccess({ gate, fresh: true, logger }), handler('/pro/fresh'));
    server.get('/pro/open', requireAccess({ gate, onUnavailable: 'allow', logger }), handler('/pro/open'));
    server.get(
      '/misconfigured',
      requireAccess({ apiKey: 'lz_test_example_rejected_key', baseUrl: licenzy.mock.url, retries: 0, logger }),
      handler('/misconfigured'),
    );
    // The routes of resolverConformanceCases: the same gate, each with its own subject resolver.
    const secret = () => new Error('resolver secret detail');
    server.get('/resolver/async', requireAccess({ gate, logger, subject: async (req) => req.get('x-demo-user') }), handler('/resolver/async'));
    server.get('/resolver/numeric', requireAccess({ gate, logger, subject: () => 4242 }), handler('/resolver/numeric'));
    server.get('/resolver/object', requireAccess({ gate, logger, subject: () => ({ id: 'u' }) }), handler('/resolver/object'));
    server.get('/resolver/throws', requireAccess({ gate, logger, subject: () => { throw secret(); } }), handler('/resolver/throws'));
    server.get('/resolver/rejects', requireAccess({ gate, logger, subject: () => Promise.reject(secret()) }), handler('/resolver/rejects'));
    // The routes of refusalConformanceCases: a hook, and delegation (which must win over the same hook).
    const upgrade = (_req: Request, res: Response) => void res.status(402).json({ upgrade: '/pricing' });
    server.get('/refusal/hook', requireAccess({ gate, logger, onDenied: upgrade }), handler('/refusal/hook'));
    server.get('/refusal/delegate', requireAccess({ gate, logger, onDenied: upgrade, delegateErrors: true }), handler('/refusal/delegate'));
    // The routes of usageConformanceCases.
    server.post('/metered', requireUsage({ gate, logger, units: 1 }), handler('/metered'));
    server.post('/metered/by-header', requireUsage({ gate, logger, units: (req) => Number(req.get('x-units')) }), handler('/metered/by-header'));
    server.post('/metered/bad-units', requireUsage({ gate, logger, units: () => 0 }), handler('/metered/bad-units'));
    server.use((error: { status?: number; code?: string }, _req: Request, res: Response, _next: NextFunction) => {
      res.status(error.status ?? 500).json({ delegated: error.code });
    });
    app = await listen(server);
  });

  afterAll(async () => {
    await app?.close();
  });

  for (const testCase of [...conformanceCases, ...resolverConformanceCases, ...refusalConformanceCases, ...usageConformanceCases]) {
    it(testCase.name, () =>
      testCase.fn({
        url: app.url,
        mock: licenzy.mock,
        invalidate: (subjectRef) => {
          gate.invalidate(subjectRef);
        },
        handlerCalls: (path) => handlerCalls.get(path) ?? 0,
      }),
    );
  }
});
