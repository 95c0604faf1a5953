// webhookHandler as an encapsulated Fastify plugin: raw-body parser scoped to it, signed deliveries make the gate forget.
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { signStandardWebhook } from '@licenzy-gate/core';
import { webhookHandler, type AccessGate } from '@licenzy-gate/fastify';
import { WEBHOOK_NOW, cachedGate, signedDelivery, webhookSecret } from '../../core/test/webhook-fixtures.js';

const SECRET = webhookSecret(8);
const NOW = WEBHOOK_NOW;
const signed = (payload: unknown, id?: string, at?: number) => ({ url: '/webhooks/licenzy', ...signedDelivery(SECRET, payload, id, at) });

const paid = { type: 'purchase.finalized', data: { subject_ref: 'user_1' } };

describe('webhookHandler (fastify)', () => {
  let app: FastifyInstance | undefined;
  afterEach(() => app?.close());

  async function build(gate: AccessGate): Promise<FastifyInstance> {
    const fastify = Fastify();
    app = fastify;
    await fastify.register(webhookHandler({ gate, scheme: 'standard-webhooks', secret: SECRET, now: () => NOW, maxBodyBytes: 4096 }), {
      prefix: '/webhooks/licenzy',
    });
    fastify.post('/json', async (request) => ({ parsed: request.body }));
    await fastify.ready();
    return fastify;
  }

  it('a valid delivery answers 200 and the next peek finds nothing', async () => {
    const gate = await cachedGate();
    const response = await (await build(gate)).inject(signed(paid));
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ received: true });
    expect(gate.peek('user_1')).toBeUndefined();
  });

  it('verifies the exact bytes whatever the content type, even without one', async () => {
    const gate = await cachedGate();
    const fastify = await build(gate);
    const body = ` ${JSON.stringify(paid)}\n`;
    const headers = signStandardWebhook({ secret: SECRET, id: 'msg_text', timestamp: NOW / 1000, body });
    const response = await fastify.inject({ method: 'POST', url: '/webhooks/licenzy', body, headers: { ...headers, 'content-type': 'text/plain' } });
    expect(response.statusCode).toBe(200);
    expect(gate.peek('user_1')).toBeUndefined();
    await gate.check('user_1');
    const bare = signStandardWebhook({ secret: SECRET, id: 'msg_bare', timestamp: NOW / 1000, body });
    const untyped = await fastify.inject({ method: 'POST', url: '/webhooks/licenzy', body, headers: bare });
    expect(untyped.statusCode).toBe(200);
    expect(gate.peek('user_1')).toBeUndefined();
  });

  it('bad signature, old timestamp: 401; replay: acknowledged, no effect', async () => {
    const gate = await cachedGate();
    const fastify = await build(gate);
    const forged = signed(paid);
    forged.headers['webhook-signature'] = `v1,${Buffer.alloc(32, 1).toString('base64')}`;
    expect((await fastify.inject(forged)).statusCode).toBe(401);
    expect((await fastify.inject(signed(paid, 'msg_old', NOW - 301_000))).statusCode).toBe(401);
    expect(gate.peek('user_1')).toBeDefined();
    await fastify.inject(signed(paid, 'msg_once'));
    await gate.check('user_1');
    expect((await fastify.inject(signed(paid, 'msg_once'))).statusCode).toBe(200);
    expect(gate.peek('user_1')).toBeDefined();
  });

  it('oversize is 413 (before buffering, by the scoped parser) and invalid JSON is 400, nothing forgotten', async () => {
    const gate = await cachedGate();
    const fastify = await build(gate);
    const big = await fastify.inject(signed({ ...paid, pad: 'x'.repeat(8000) }));
    expect(big.statusCode).toBe(413);
    expect(big.json()).toEqual({ error: 'payload_too_large' });
    expect((await fastify.inject(signed('{', 'msg_bad_json'))).statusCode).toBe(400);
    expect(gate.peek('user_1')).toBeDefined();
  });

  it('leaves the app\'s own JSON parsing untouched outside its prefix', async () => {
    const fastify = await build(await cachedGate());
    const response = await fastify.inject({ method: 'POST', url: '/json', payload: { a: 1 } });
    expect(response.json()).toEqual({ parsed: { a: 1 } });
  });
});
