// A Licenzy webhook endpoint as a fetch handler: the raw body from the Request (capped) → core's receiver → forget.
import { createWebhookReceiver, type WebhookReceiverOptions, type WebhookResponse } from '@licenzy-gate/core';
import { consoleLogger, readBodyCapped } from '@licenzy-gate/core/adapter';

/** Options of {@link webhookHandler}: core's {@link WebhookReceiverOptions} (`gate`, `scheme`, `secret`, `maxBodyBytes`, …). */
export type FetchWebhookOptions = WebhookReceiverOptions;

const ALREADY_READ = 'webhookHandler: the request body was already read (request.json(), .text(), …), so its signature cannot be checked; hand the untouched Request to webhookHandler';

function send({ status, body }: WebhookResponse | { status: 405; body: { error: 'method_not_allowed' } }, extra?: Record<string, string>): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...extra } });
}

/**
 * Creates the fetch handler of a Licenzy webhook endpoint. It reads the raw bytes from the `Request` itself (up to
 * `maxBodyBytes`, 413 beyond) and verifies them: do not read the body before it. Valid deliveries of the configured
 * events make the gate forget the subject; nothing in a payload ever grants. Anything but `POST` is 405.
 *
 * @throws {LicenzyConfigError} at setup, naming the invalid option.
 * @example
 * export const POST = webhookHandler({ gate, scheme: 'standard-webhooks', secret: process.env.LICENZY_WEBHOOK_SECRET })
 */
export function webhookHandler(options: FetchWebhookOptions): (request: Request) => Promise<Response> {
  const receiver = createWebhookReceiver(options);
  const logger = options.logger ?? consoleLogger;
  return async function licenzyWebhook(request: Request): Promise<Response> {
    if (request.method !== 'POST') return send({ status: 405, body: { error: 'method_not_allowed' } }, { allow: 'POST' });
    if (request.bodyUsed) return send(receiver.bodyAlreadyRead(logger, ALREADY_READ));
    const rawBody = await readBodyCapped(request, receiver.maxBodyBytes);
    if (rawBody === undefined) return send(receiver.tooLarge(), { connection: 'close' });
    return send(await receiver.handle({ headers: request.headers, rawBody }));
  };
}
