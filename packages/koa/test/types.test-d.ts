// Type tests: lock the ctx.state.licenzy augmentation, the options type, and the middleware's fit with Koa and @koa/router.
import { describe, expectTypeOf, it } from 'vitest';
import Router, { type RouterMiddleware } from '@koa/router';
import Koa, { type Context, type Middleware, type Next } from 'koa';
import {
  createAccessGate,
  requireAccess,
  subjectFromAuth,
  type KoaRefusalHook,
  type KoaRequireAccessOptions,
  type LicenzyError,
  type RequestDecision,
} from '@licenzy-gate/koa';
import type { RequireAccessOptions } from '@licenzy-gate/core/adapter';

describe('ctx.state.licenzy', () => {
  it('is an optional RequestDecision on every Koa context', () => {
    expectTypeOf<Context['state']['licenzy']>().toEqualTypeOf<RequestDecision | undefined>();
    expectTypeOf<Koa.DefaultState['licenzy']>().toEqualTypeOf<RequestDecision | undefined>();
  });

  it('carries subjectRef, allowed, source (fail-open included), checkedAt and mode', () => {
    expectTypeOf<RequestDecision['subjectRef']>().toEqualTypeOf<string>();
    expectTypeOf<RequestDecision['allowed']>().toEqualTypeOf<boolean>();
    expectTypeOf<RequestDecision['source']>().toEqualTypeOf<'licenzy' | 'cache' | 'stale' | 'fail-open'>();
    expectTypeOf<RequestDecision['checkedAt']>().toEqualTypeOf<number>();
    expectTypeOf<RequestDecision['mode']>().toEqualTypeOf<'test' | 'live'>();
  });

  it('is typed inside @koa/router handlers too', () => {
    const router = new Router();
    router.get('/pro', requireAccess(), (ctx) => {
      expectTypeOf(ctx.state.licenzy).toEqualTypeOf<RequestDecision | undefined>();
    });
  });
});

describe('requireAccess', () => {
  it('takes optional KoaRequireAccessOptions and returns Koa middleware', () => {
    expectTypeOf(requireAccess).parameters.toEqualTypeOf<[options?: KoaRequireAccessOptions]>();
    expectTypeOf(requireAccess).returns.toEqualTypeOf<Middleware>();
  });

  it('mounts with app.use, on router routes, router.use and typed-state apps', () => {
    const app = new Koa();
    app.use(requireAccess());
    const router = new Router();
    router.get('/pro', requireAccess(), (ctx) => {
      ctx.body = ctx.state.licenzy?.subjectRef;
    });
    router.use('/pro', requireAccess());
    expectTypeOf(requireAccess()).toExtend<RouterMiddleware>();
    const typed = new Koa<{ user?: { id: string } }>();
    typed.use(requireAccess());
    const typedRouter = new Router<{ user?: { id: string } }>();
    typedRouter.get('/pro', requireAccess(), (ctx) => {
      expectTypeOf(ctx.state.user).toEqualTypeOf<{ id: string } | undefined>();
    });
  });
});

describe('KoaRequireAccessOptions', () => {
  it('is the shared options type with Koa ctx and a (ctx, next, error) hook', () => {
    expectTypeOf<KoaRequireAccessOptions>().toEqualTypeOf<RequireAccessOptions<Context, KoaRefusalHook>>();
    expectTypeOf<KoaRefusalHook>().toEqualTypeOf<(ctx: Context, next: Next, error: LicenzyError) => unknown>();
  });

  it('types the ctx of subject and fresh, and accepts every documented form', () => {
    const gate = createAccessGate({ apiKey: 'lz_test_x', baseUrl: 'http://127.0.0.1:1' });
    expectTypeOf<NonNullable<KoaRequireAccessOptions['subject']>>().parameters.toEqualTypeOf<[Context]>();
    expectTypeOf<KoaRequireAccessOptions['fresh']>().toEqualTypeOf<boolean | ((req: Context) => boolean) | undefined>();
    expectTypeOf<KoaRequireAccessOptions['onUnavailable']>().toEqualTypeOf<'deny' | 'allow' | KoaRefusalHook | undefined>();
    requireAccess({
      gate,
      subject: async (ctx) => ctx.state.session?.userId,
      fresh: (ctx) => ctx.query.paid === '1',
      onDenied: (ctx, _next, error) => {
        ctx.status = 402;
        ctx.body = { code: error.code };
      },
      onUnavailable: 'allow',
      delegateErrors: false,
      logger: { warn: () => {}, error: () => {} },
    });
    requireAccess({ apiKey: 'lz_test_x', baseUrl: 'http://127.0.0.1:1', cache: { ttl: 30_000 }, retries: 0 });
    requireAccess({ subject: subjectFromAuth });
  });

  it('rejects wrongly typed options', () => {
    // @ts-expect-error fresh is a boolean or a function
    requireAccess({ fresh: 'yes' });
    // @ts-expect-error onUnavailable is 'deny', 'allow' or a hook
    requireAccess({ onUnavailable: 'maybe' });
    // @ts-expect-error delegateErrors is a boolean
    requireAccess({ delegateErrors: 'true' });
    // @ts-expect-error logger needs warn and error
    requireAccess({ logger: { warn: () => {} } });
  });
});
