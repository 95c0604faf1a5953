// A Licenzy webhook endpoint for Nest: the raw body (`rawBody: true`) → core's webhook receiver → the gate forgets.
import type { IncomingMessage } from 'node:http';
import { createWebhookReceiver, readRawBody, type WebhookReceiverOptions, type WebhookResponse } from '@licenzy-gate/core';
import { consoleLogger } from '@licenzy-gate/core/adapter';
import { send } from './respond.js';

/** Options of {@link webhookHandler}: core's {@link WebhookReceiverOptions} (`gate`, `scheme`, `secret`, …). */
export type NestWebhookOptions = WebhookReceiverOptions;

const NO_RAW_BODY =
  'webhookHandler: the request body was parsed and Nest kept no raw copy, so its signature cannot be checked; create the app with NestFactory.create(AppModule, { rawBody: true })';

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' };

function answer(response: object, { status, body }: WebhookResponse): void {
  send(response, status, JSON_HEADERS, JSON.stringify(body));
}

/** The Node request under the platform's (Express's `req` is one; Fastify's `request.raw`). */
function rawRequest(request: object): IncomingMessage {
  const raw = (request as { raw?: IncomingMessage }).raw;
  return typeof raw === 'object' && raw !== null ? raw : (request as IncomingMessage);
}

/**
 * Creates the handler of a Licenzy webhook endpoint, for a controller method taking `@Req()` and `@Res()`. It checks
 * the signature on the exact bytes received: create the app with `rawBody: true` (Nest then keeps `req.rawBody` beside
 * the parsed body, on Express and Fastify alike), or leave the route's body unparsed. Without either it answers 500
 * and logs a line saying so (once a minute). Valid deliveries make the gate forget the subject; nothing ever grants.
 *
 * @throws {LicenzyConfigError} at setup, naming the invalid option.
 * @example
 * @Controller('webhooks')
 * class LicenzyWebhookController {
 *   private readonly webhook: ReturnType<typeof webhookHandler>
 *   constructor(@Inject(LICENZY_GATE) gate: LicenzyGate) {
 *     this.webhook = webhookHandler({ gate, scheme: 'standard-webhooks', secret: process.env.LICENZY_WEBHOOK_SECRET })
 *   }
 *   @Post('licenzy') receive(@Req() req: object, @Res() res: object) { return this.webhook(req, res) }
 * }
 */
export function webhookHandler(options: NestWebhookOptions): (request: object, response: object) => Promise<void> {
  const receiver = createWebhookReceiver(options);
  const logger = options.logger ?? consoleLogger;

  return async function licenzyWebhook(request: object, response: object): Promise<void> {
    const raw = rawRequest(request);
    let rawBody: Buffer | undefined;
    const kept = (request as { rawBody?: unknown }).rawBody;
    if (Buffer.isBuffer(kept)) {
      rawBody = kept.length > receiver.maxBodyBytes ? undefined : kept;
    } else if ((request as { body?: unknown }).body !== undefined || raw.readableEnded) {
      return answer(response, receiver.bodyAlreadyRead(logger, NO_RAW_BODY));
    } else {
      rawBody = await readRawBody(raw, receiver.maxBodyBytes);
    }
    if (rawBody === undefined) return answer(response, receiver.tooLarge());
    // rawHeaders shows a header sent twice, which `headers` joins into one `a, b` value.
    answer(response, await receiver.handle({ headers: raw.headers, rawHeaders: raw.rawHeaders, rawBody }));
  };
}
