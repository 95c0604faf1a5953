// webhookHandler hygiene over real HTTP on Fastify (issue 23): repeated headers and duplicate members. Item 12 (a body
// parser before the handler) does not apply: the plugin's own content-type parser is the only one in its context.
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe } from 'vitest';
import { webhookHandler } from '@licenzy-gate/fastify';
import { WEBHOOK_NOW, webhookSecret } from '../../core/test/webhook-fixtures.js';
import { webhookHygieneCases } from '../../core/test/webhook-hygiene-cases.js';

const SECRET = webhookSecret(13);

describe('webhookHandler hygiene (fastify, real HTTP)', () => {
  let app: FastifyInstance | undefined;
  afterEach(() => app?.close());

  webhookHygieneCases(SECRET, {
    async serve(gate) {
      const fastify = Fastify();
      app = fastify;
      await fastify.register(webhookHandler({ gate, scheme: 'standard-webhooks', secret: SECRET, now: () => WEBHOOK_NOW }), { prefix: '/webhooks/licenzy' });
      return `${await fastify.listen({ port: 0, host: '127.0.0.1' })}/webhooks/licenzy`;
    },
  });
});
