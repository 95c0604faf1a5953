// Express 4/5 webhook endpoint: raw body → core's webhook receiver → the gate forgets the subject.
import { createWebhookReceiver, readRawBody, type WebhookReceiverOptions, type WebhookResponse } from '@licenzy-gate/core';
import { consoleLogger } from '@licenzy-gate/core/adapter';
import type { NextFunction, Request, Response } from 'express';

/** Options of {@link webhookHandler}: core's {@link WebhookReceiverOptions} (`gate`, `scheme`, `secret`, …). */
export type ExpressWebhookOptions = WebhookReceiverOptions;

const ALREADY_PARSED =
  'webhookHandler: the request body was already parsed, so its signature cannot be checked; mount webhookHandler before express.json() / express.urlencoded()';

function send(res: Response, { status, body }: WebhookResponse | { status: 405; body: { error: 'method_not_allowed' } }): void {
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.setHeader('cache-control', 'no-store');
  res.end(JSON.stringify(body));
}

/**
 * Creates the Express handler of a Licenzy webhook endpoint. It reads the raw body itself, so mount it **before**
 * `express.json()` (or on a path no body parser sees); `express.raw()` in front is fine too. If another parser
 * already consumed the body, the signature cannot be checked: it answers 500 and logs a line saying so (once a minute).
 * Valid deliveries of the configured events make the gate forget the subject; nothing in a payload ever grants.
 *
 * @throws {LicenzyConfigError} at setup, naming the invalid option.
 * @example
 * const gate = createAccessGate()
 * app.post('/webhooks/licenzy', webhookHandler({ gate, scheme: 'standard-webhooks', secret: process.env.LICENZY_WEBHOOK_SECRET }))
 * app.use(express.json()) // after the webhook route
 */
export function webhookHandler(options: ExpressWebhookOptions): (req: Request, res: Response, next: NextFunction) => void {
  const receiver = createWebhookReceiver(options);
  const logger = options.logger ?? consoleLogger;

  async function handle(req: Request, res: Response): Promise<void> {
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      return send(res, { status: 405, body: { error: 'method_not_allowed' } });
    }
    let rawBody: Buffer | undefined;
    if (Buffer.isBuffer(req.body)) {
      // express.raw() ran first: its Buffer is the exact bytes received.
      rawBody = req.body.length > receiver.maxBodyBytes ? undefined : req.body;
    } else if ((req as { _body?: unknown })._body === true || req.readableEnded) {
      return send(res, receiver.bodyAlreadyRead(logger, ALREADY_PARSED));
    } else {
      rawBody = await readRawBody(req, receiver.maxBodyBytes);
    }
    if (rawBody === undefined) {
      // The rest of an oversize body is not read; close the connection rather than drain it.
      res.setHeader('connection', 'close');
      return send(res, receiver.tooLarge());
    }
    // rawHeaders shows a header sent twice, which req.headers joins into one `a, b` value.
    send(res, await receiver.handle({ headers: req.headers, rawHeaders: req.rawHeaders, rawBody }));
  }

  return function licenzyWebhook(req, res, next) {
    handle(req, res).catch(next);
  };
}
