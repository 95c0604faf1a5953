// Locks the public types: the request/instance/route-config augmentation and the option types.
import type { LicenzyError, RequestDecision } from '@licenzy-gate/core';
import Fastify, { type FastifyContextConfig, type FastifyReply, type FastifyRequest, type preHandlerHookHandler } from 'fastify';
import { describe, expectTypeOf, it } from 'vitest';
import licenzyGate, { type LicenzyGateOptions, type LicenzyHook, type RouteLicenzyOptions } from '../src/index.js';

describe('@licenzy-gate/fastify types', () => {
  it('augments FastifyRequest with licenzy: RequestDecision | null', () => {
    expectTypeOf<FastifyRequest['licenzy']>().toEqualTypeOf<RequestDecision | null>();
  });

  it('decorates the instance with requireAccess(options?) returning a preHandler hook', () => {
    const app = Fastify();
    expectTypeOf(app.requireAccess).parameters.toEqualTypeOf<[options?: RouteLicenzyOptions]>();
    expectTypeOf(app.requireAccess()).toEqualTypeOf<preHandlerHookHandler>();
    app.get('/pro', { preHandler: app.requireAccess({ fresh: true, onUnavailable: 'allow' }) }, async () => 'ok');
    // @ts-expect-error gate options belong to the plugin registration, not to a route
    app.requireAccess({ apiKey: 'lz_test_x' });
  });

  it('types config.licenzy as false or per-route options', () => {
    const app = Fastify();
    app.get('/free', { config: { licenzy: false } }, async () => 'ok');
    app.get('/fresh', { config: { licenzy: { fresh: (request) => request.url.endsWith('?paid') } } }, async () => 'ok');
    expectTypeOf<FastifyContextConfig['licenzy']>().toEqualTypeOf<false | RouteLicenzyOptions | undefined>();
    // @ts-expect-error `true` is not a setting: leave config.licenzy out to use the plugin's values
    const notASetting: FastifyContextConfig = { licenzy: true };
    void notASetting;
  });

  it('types the plugin options: core options plus global', () => {
    expectTypeOf<LicenzyGateOptions['global']>().toEqualTypeOf<boolean | undefined>();
    expectTypeOf<LicenzyGateOptions['subject']>().toEqualTypeOf<((request: FastifyRequest) => unknown) | undefined>();
    expectTypeOf<LicenzyGateOptions['onUnavailable']>().toEqualTypeOf<'deny' | 'allow' | LicenzyHook | undefined>();
    expectTypeOf<LicenzyHook>().parameters.toEqualTypeOf<[FastifyRequest, FastifyReply, LicenzyError]>();
    const app = Fastify();
    void app.register(licenzyGate, { apiKey: 'lz_test_x', baseUrl: 'http://127.0.0.1:1', global: true, cache: { ttl: 10_000 } });
    // @ts-expect-error global is a boolean
    void app.register(licenzyGate, { global: 'yes' });
  });
});

describe('one naming pattern for the refusal hook type', () => {
  it('FastifyRefusalHook is the name; LicenzyHook stays as its deprecated alias', () => {
    expectTypeOf<import('../src/index.js').LicenzyHook>().toEqualTypeOf<import('../src/index.js').FastifyRefusalHook>();
  });
});
