// Type tests: webhookHandler is a Fastify plugin registered with a prefix.
import Fastify, { type FastifyPluginAsync } from 'fastify';
import { describe, expectTypeOf, it } from 'vitest';
import { createAccessGate, webhookHandler } from '../src/index.js';

describe('webhookHandler', () => {
  it('is a FastifyPluginAsync registered with a prefix', () => {
    const plugin = webhookHandler({ gate: createAccessGate(), scheme: 'standard-webhooks', secret: 'whsec_x' });
    expectTypeOf(plugin).toEqualTypeOf<FastifyPluginAsync>();
    void Fastify().register(plugin, { prefix: '/webhooks/licenzy' });
  });
});
