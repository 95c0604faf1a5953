// Fastify webhook endpoint: an encapsulated plugin with its own raw-body parser, so the signature is checked on the bytes.
import { createWebhookReceiver, type WebhookReceiverOptions } from '@licenzy-gate/core';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';

/** Options of {@link webhookHandler}: core's {@link WebhookReceiverOptions} (`gate`, `scheme`, `secret`, …). */
export type FastifyWebhookOptions = WebhookReceiverOptions;

/**
 * Creates a Fastify plugin serving a Licenzy webhook endpoint at `POST /` of the prefix it is registered with.
 * It is deliberately *not* wrapped in fastify-plugin: its raw-body content-type parser (capped at `maxBodyBytes`,
 * so an oversize body is refused with 413 before it is buffered) stays inside its own context, and the app's JSON
 * parsing elsewhere is untouched. Valid deliveries only ever make the gate forget.
 *
 * @throws {LicenzyConfigError} at creation, naming the invalid option.
 * @example
 * const gate = createAccessGate()
 * await app.register(webhookHandler({ gate, scheme: 'standard-webhooks', secret: process.env.LICENZY_WEBHOOK_SECRET }), {
 *   prefix: '/webhooks/licenzy',
 * })
 */
export function webhookHandler(options: FastifyWebhookOptions): FastifyPluginAsync {
  const receiver = createWebhookReceiver(options);

  return async function licenzyWebhooks(instance: FastifyInstance) {
    // Scoped to this plugin's context: every content type arrives as the exact bytes received.
    instance.removeAllContentTypeParsers();
    instance.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: receiver.maxBodyBytes }, (_request, body, done) => {
      done(null, body);
    });
    instance.setErrorHandler((error: { statusCode?: number }, _request, reply) => {
      // Fastify's own 413 (body over bodyLimit) answered like the other adapters; other errors without detail.
      const code = error.statusCode ?? 500;
      const { status, body } =
        code === 413
          ? receiver.tooLarge()
          : code >= 400 && code < 500
            ? { status: 400, body: { error: 'invalid_payload' } }
            : { status: 500, body: { error: 'internal' } };
      return reply.code(status).header('cache-control', 'no-store').send(body);
    });
    // Deliveries are authenticated by their signature, never by a subject: the route opts out of every licenzyGate with
    // `global: true`, registered before or after it (issue 23, item 4; a gated webhook answered 401 subject_required).
    instance.post('/', { config: { licenzy: false } }, async (request, reply) => {
      const rawBody = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      // rawHeaders shows a header sent twice, which the joined `headers` hides (`a, b`).
      const { status, body } = await receiver.handle({ headers: request.headers, rawHeaders: request.raw.rawHeaders, rawBody });
      return reply.code(status).header('cache-control', 'no-store').send(body);
    });
  };
}
