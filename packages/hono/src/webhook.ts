// A Licenzy webhook endpoint on Hono: the raw Request goes to the fetch adapter's handler (raw body, capped).
import { webhookHandler as fetchWebhookHandler, type FetchWebhookOptions } from '@licenzy-gate/fetch';
import type { Context, Handler } from 'hono';

/** Options of {@link webhookHandler}: core's webhook receiver options (`gate`, `scheme`, `secret`, `maxBodyBytes`, …). */
export type HonoWebhookOptions = FetchWebhookOptions;

/**
 * The handler of a Licenzy webhook endpoint. It reads the raw body from the request itself (capped at `maxBodyBytes`,
 * 413 beyond): put no body-reading middleware (a validator) before it. Valid deliveries of the configured events make
 * the gate forget the subject; nothing in a payload ever grants.
 *
 * @throws {LicenzyConfigError} at setup, naming the invalid option.
 * @example
 * app.post('/webhooks/licenzy', webhookHandler({ gate, scheme: 'standard-webhooks', secret: env.LICENZY_WEBHOOK_SECRET }))
 */
export function webhookHandler(options: HonoWebhookOptions): Handler {
  const handle = fetchWebhookHandler(options);
  return function licenzyWebhook(c: Context): Promise<Response> {
    return handle(c.req.raw);
  };
}
