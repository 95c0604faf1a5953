// Koa 2/3 webhook endpoint: raw body from the Node stream → core's webhook receiver → the gate forgets the subject.
import { createWebhookReceiver, readRawBody, type WebhookReceiverOptions } from '@licenzy-gate/core';
import { consoleLogger } from '@licenzy-gate/core/adapter';
import type { Context, Middleware } from 'koa';

/** Options of {@link webhookHandler}: core's {@link WebhookReceiverOptions} (`gate`, `scheme`, `secret`, …). */
export type KoaWebhookOptions = WebhookReceiverOptions;

const ALREADY_PARSED =
  'webhookHandler: the request body was already parsed, so its signature cannot be checked; mount webhookHandler before koa-bodyparser';

/**
 * Creates the Koa middleware of a Licenzy webhook endpoint: it answers every request it receives, so mount it on
 * its route (e.g. `router.post('/webhooks/licenzy', webhookHandler(…))` with @koa/router). It reads the raw stream
 * itself: mount it **before** koa-bodyparser (or keep bodyparser off that path); if a parser already consumed the
 * body it answers 500 and logs a line saying so (once a minute). Valid deliveries only ever make the gate forget.
 *
 * @throws {LicenzyConfigError} at setup, naming the invalid option.
 * @example
 * const gate = createAccessGate()
 * router.post('/webhooks/licenzy', webhookHandler({ gate, scheme: 'standard-webhooks', secret: process.env.LICENZY_WEBHOOK_SECRET }))
 */
export function webhookHandler(options: KoaWebhookOptions): Middleware {
  const receiver = createWebhookReceiver(options);
  const logger = options.logger ?? consoleLogger;

  return async function licenzyWebhook(ctx: Context) {
    ctx.set('cache-control', 'no-store');
    if (ctx.method !== 'POST') {
      ctx.set('allow', 'POST');
      ctx.status = 405;
      ctx.body = { error: 'method_not_allowed' };
      return;
    }
    if ((ctx.request as { body?: unknown }).body !== undefined || ctx.req.readableEnded) {
      const { status, body } = receiver.bodyAlreadyRead(logger, ALREADY_PARSED);
      ctx.status = status;
      ctx.body = body;
      return;
    }
    const rawBody = await readRawBody(ctx.req, receiver.maxBodyBytes);
    const { status, body } = rawBody === undefined ? receiver.tooLarge() : await receiver.handle({ headers: ctx.req.headers, rawHeaders: ctx.req.rawHeaders, rawBody });
    // The rest of an oversize body is not read; close the connection rather than drain it.
    if (rawBody === undefined) ctx.set('connection', 'close');
    ctx.status = status;
    ctx.body = body;
  };
}
