// Runs the shared licenzy-gate conformance suite against a real Koa 3 and Koa 2 app with @koa/router routes.
import { afterAll, afterEach, beforeAll, describe, it } from 'vitest';
import { useLocalLicenzy } from '@licenzy-gate/testing';
import { conformanceCases, refusalConformanceCases, resolverConformanceCases, usageConformanceCases } from '@licenzy-gate/testing';
import { requireAccess, requireUsage } from '@licenzy-gate/koa';
import type { Context } from 'koa';
import { capturingLogger, demoApp, koaMajors, listen, Router, type Running } from './app.js';

describe.each(koaMajors)('conformance on $name', ({ Koa }) => {
  // retries 0 and no circuit breaker: outage cases stay fast and independent of each other.
  const licenzy = useLocalLicenzy({ hooks: { beforeAll, afterAll, afterEach }, gate: { retries: 0, circuitBreaker: false, freshInterval: 0 } });
  let running: Running;
  let invalidate: (subjectRef: string) => void;
  const handlerCalls = new Map<string, number>();

  beforeAll(async () => {
    const gate = licenzy.gate();
    invalidate = (subjectRef) => void gate.invalidate(subjectRef);
    const logger = capturingLogger();
    const handler = (ctx: Context) => {
      handlerCalls.set(ctx.path, (handlerCalls.get(ctx.path) ?? 0) + 1);
      ctx.body = { subjectRef: ctx.state.licenzy?.subjectRef, source: ctx.state.licenzy?.source };
    };

    const router = new Router();
    router.get('/free', (ctx) => {
      ctx.body = 'free';
    });
    router.get('/pro', requireAccess({ gate }), handler);
    router.get('/pro/other', requireAccess({ gate }), handler);
    router.get('/pro/fresh', requireAccess({ gate, fresh: true }), handler);
    router.get('/pro/open', requireAccess({ gate, onUnavailable: 'allow', logger }), handler);
    router.get(
      '/misconfigured',
      requireAccess({ apiKey: 'lz_test_example_rejected_key', baseUrl: licenzy.mock.url, retries: 0, logger }),
      handler,
    );
    // The routes of resolverConformanceCases: the same gate, each with its own subject resolver.
    const secret = () => new Error('resolver secret detail');
    router.get('/resolver/async', requireAccess({ gate, logger, subject: async (ctx) => ctx.get('x-demo-user') }), handler);
    router.get('/resolver/numeric', requireAccess({ gate, logger, subject: () => 4242 }), handler);
    router.get('/resolver/object', requireAccess({ gate, logger, subject: () => ({ id: 'u' }) }), handler);
    router.get('/resolver/throws', requireAccess({ gate, logger, subject: () => { throw secret(); } }), handler);
    router.get('/resolver/rejects', requireAccess({ gate, logger, subject: () => Promise.reject(secret()) }), handler);
    // The routes of refusalConformanceCases: a hook, and delegation (which must win over the same hook).
    const upgrade = (ctx: Context) => {
      ctx.status = 402;
      ctx.body = { upgrade: '/pricing' };
    };
    router.get('/refusal/hook', requireAccess({ gate, logger, onDenied: upgrade }), handler);
    router.get(
      '/refusal/delegate',
      async (ctx, next) => {
        try {
          await next();
        } catch (error) {
          const { status, code } = error as { status?: number; code?: string };
          ctx.status = status ?? 500;
          ctx.body = { delegated: code };
        }
      },
      requireAccess({ gate, logger, onDenied: upgrade, delegateErrors: true }),
      handler,
    );
    // The routes of usageConformanceCases.
    router.post('/metered', requireUsage({ gate, logger, units: 1 }), handler);
    router.post('/metered/by-header', requireUsage({ gate, logger, units: (ctx) => Number(ctx.get('x-units')) }), handler);
    router.post('/metered/bad-units', requireUsage({ gate, logger, units: () => 0 }), handler);
    const app = demoApp(Koa);
    app.use(router.routes());
    running = await listen(app);
  });

  afterAll(async () => {
    await running?.close();
  });

  for (const testCase of [...conformanceCases, ...resolverConformanceCases, ...refusalConformanceCases, ...usageConformanceCases]) {
    it(testCase.name, () =>
      testCase.fn({
        url: running.url,
        mock: licenzy.mock,
        invalidate: (subjectRef) => invalidate(subjectRef),
        handlerCalls: (path) => handlerCalls.get(path) ?? 0,
      }),
    );
  }
});
