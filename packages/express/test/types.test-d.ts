// Type tests: the req.licenzy augmentation, the options type and the middleware's signature.
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { describe, expectTypeOf, it } from 'vitest';
import {
  createAccessGate,
  requireAccess,
  type ExpressDeniedHandler,
  type ExpressRequireAccessOptions,
  type LicenzyError,
  type LicenzyMiddleware,
  type RequestDecision,
} from '../src/index.js';
import type { RequireAccessOptions } from '@licenzy-gate/core/adapter';

describe('req.licenzy', () => {
  it('is an optional RequestDecision on every Express request', () => {
    expectTypeOf<Request['licenzy']>().toEqualTypeOf<RequestDecision | undefined>();
    expectTypeOf<Express.Request['licenzy']>().toEqualTypeOf<RequestDecision | undefined>();
  });

  it('carries the decision fields, with fail-open as a source', () => {
    expectTypeOf<RequestDecision['subjectRef']>().toEqualTypeOf<string>();
    expectTypeOf<RequestDecision['allowed']>().toEqualTypeOf<boolean>();
    expectTypeOf<RequestDecision['source']>().toEqualTypeOf<'licenzy' | 'cache' | 'stale' | 'fail-open'>();
    expectTypeOf<RequestDecision['mode']>().toEqualTypeOf<'test' | 'live'>();
  });

  it('leaves route params typed when used per route', () => {
    const app = express();
    app.get('/pro/:id', requireAccess(), (req, res) => {
      expectTypeOf(req.params.id).toEqualTypeOf<string>();
      expectTypeOf(req.licenzy?.subjectRef).toEqualTypeOf<string | undefined>();
      res.end();
    });
  });
});

describe('requireAccess', () => {
  it('takes optional options and returns an Express RequestHandler', () => {
    expectTypeOf(requireAccess).parameters.toEqualTypeOf<[options?: ExpressRequireAccessOptions]>();
    expectTypeOf(requireAccess).returns.toEqualTypeOf<LicenzyMiddleware>();
    expectTypeOf(requireAccess()).toMatchTypeOf<RequestHandler>();
    expectTypeOf(requireAccess()).returns.toEqualTypeOf<void>();
  });

  it('mounts with app.use, a path prefix, a route and a router', () => {
    const app = express();
    const router = express.Router();
    app.use(requireAccess());
    app.use('/pro', requireAccess());
    app.get('/pro', requireAccess(), (_req, res) => res.end());
    router.use(requireAccess({ gate: createAccessGate() }));
  });
});

describe('ExpressRequireAccessOptions', () => {
  it('is the shared options type specialised to Express', () => {
    expectTypeOf<ExpressRequireAccessOptions>().toEqualTypeOf<RequireAccessOptions<Request, ExpressDeniedHandler>>();
  });

  it('types the subject resolver, fresh and the hooks with the Express request', () => {
    expectTypeOf<NonNullable<ExpressRequireAccessOptions['subject']>>().parameters.toEqualTypeOf<[Request]>();
    expectTypeOf<ExpressRequireAccessOptions['fresh']>().toEqualTypeOf<boolean | ((req: Request) => boolean) | undefined>();
    expectTypeOf<ExpressDeniedHandler>().parameters.toEqualTypeOf<[Request, Response, NextFunction, LicenzyError]>();
    expectTypeOf<ExpressRequireAccessOptions['onUnavailable']>().toEqualTypeOf<'deny' | 'allow' | ExpressDeniedHandler | undefined>();
  });

  it('accepts sync and async resolvers and hooks, and rejects wrong option types', () => {
    requireAccess({ subject: (req) => req.get('x-never-do-this') });
    requireAccess({ subject: async () => 42 });
    requireAccess({
      onDenied: (_req, res, _next, error) => {
        res.status(error.status).end();
      },
      onUnavailable: async (_req, _res, next) => next(),
      delegateErrors: true,
    });
    // @ts-expect-error fresh is a boolean or a function of the request
    requireAccess({ fresh: 'yes' });
    // @ts-expect-error onUnavailable accepts only 'deny', 'allow' or a handler
    requireAccess({ onUnavailable: 'ignore' });
    // @ts-expect-error the hook receives Express's req, res, next and the error
    requireAccess({ onDenied: (req: { foo: string }) => req.foo });
  });
});

describe('one naming pattern for the refusal hook type', () => {
  it('ExpressRefusalHook is the name; ExpressDeniedHandler stays as its deprecated alias', () => {
    expectTypeOf<import('../src/index.js').ExpressDeniedHandler>().toEqualTypeOf<import('../src/index.js').ExpressRefusalHook>();
  });
});
