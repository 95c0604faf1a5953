// Type tests: webhookHandler is a Koa middleware a router mounts.
import type { Middleware } from 'koa';
import { describe, expectTypeOf, it } from 'vitest';
import { createAccessGate, webhookHandler } from '../src/index.js';
import { Router } from './app.js';

describe('webhookHandler', () => {
  it('is a Koa Middleware that @koa/router mounts on a route', () => {
    const handler = webhookHandler({ gate: createAccessGate(), scheme: 'standard-webhooks', secret: 'whsec_x' });
    expectTypeOf(handler).toExtend<Middleware>();
    new Router().post('/webhooks/licenzy', handler);
  });
});
