// Type tests: webhookHandler mounts as an Express route handler; the scheme decides which options are required.
import express, { type RequestHandler } from 'express';
import { describe, expectTypeOf, it } from 'vitest';
import { createAccessGate, webhookHandler, type ExpressWebhookOptions } from '../src/index.js';

describe('webhookHandler', () => {
  it('is a RequestHandler mounted on a route', () => {
    const gate = createAccessGate();
    const handler = webhookHandler({ gate, scheme: 'standard-webhooks', secret: 'whsec_x' });
    expectTypeOf(handler).toExtend<RequestHandler>();
    express().post('/webhooks/licenzy', handler);
  });

  it('needs `header` for hmac-sha256 and `verify` for custom', () => {
    const gate = createAccessGate();
    // @ts-expect-error -- hmac-sha256 without the header name
    const noHeader: ExpressWebhookOptions = { gate, scheme: 'hmac-sha256', secret: 's' };
    // @ts-expect-error -- custom without verify
    const noVerify: ExpressWebhookOptions = { gate, scheme: 'custom' };
    expectTypeOf([noHeader, noVerify]).toBeArray();
  });
});
