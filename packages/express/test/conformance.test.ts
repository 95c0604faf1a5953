// Runs the shared licenzy-gate conformance suite against a real Express 5 and Express 4 app.
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { Request, Response } from 'express';
import { createMockLicenzy, type MockLicenzy } from '@licenzy-gate/testing';
import { conformanceCases } from '@licenzy-gate/testing';
import { createAccessGate, requireAccess, type AccessGate } from '../src/index.js';
import { captureLogger, demoAuth, listen, majors, type Running } from './serve.js';

describe.each(majors)('conformance on $major', ({ createApp }) => {
  let mock: MockLicenzy;
  let app: Running;
  let gate: AccessGate;
  const handlerCalls = new Map<string, number>();

  beforeAll(async () => {
    mock = await createMockLicenzy();
    // retries 0 keeps outage cases fast; no breaker, since several cases fail Licenzy on purpose.
    gate = createAccessGate({ apiKey: mock.testKey, baseUrl: mock.url, retries: 0, circuitBreaker: false, freshInterval: 0 });
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
      requireAccess({ apiKey: 'lz_test_example_rejected_key', baseUrl: mock.url, retries: 0, logger }),
      handler('/misconfigured'),
    );
    app = await listen(server);
  });

  afterAll(async () => {
    await app?.close();
    await mock?.close();
  });

  for (const testCase of conformanceCases) {
    it(testCase.name, () =>
      testCase.fn({
        url: app.url,
        mock,
        invalidate: (subjectRef) => {
          gate.invalidate(subjectRef);
        },
        handlerCalls: (path) => handlerCalls.get(path) ?? 0,
      }),
    );
  }
});
