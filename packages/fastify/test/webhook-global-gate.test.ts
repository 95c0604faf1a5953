// Regression (issue 23, item 4): webhookHandler under a licenzyGate with `global: true` answered every signed delivery
// 401 subject_required, so no revocation ever arrived. The webhook route opts out of every gate by itself.
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { licenzyGate, webhookHandler } from '@licenzy-gate/fastify';
import { WEBHOOK_NOW, cachedGate, signedDelivery, webhookSecret } from '../../core/test/webhook-fixtures.js';

const SECRET = webhookSecret(8);
const paid = { type: 'purchase.finalized', data: { subject_ref: 'user_1' } };

describe('webhookHandler under a global licenzyGate (issue 23, item 4)', () => {
  let app: FastifyInstance | undefined;
  afterEach(() => app?.close());

  it.each(['before', 'after'] as const)('registered %s the global gate, a signed delivery is received over HTTP and the gate forgets', async (order) => {
    const gate = await cachedGate();
    const fastify = Fastify();
    app = fastify;
    const webhook = () => fastify.register(webhookHandler({ gate, scheme: 'standard-webhooks', secret: SECRET, now: () => WEBHOOK_NOW }), { prefix: '/webhooks/licenzy' });
    if (order === 'before') await webhook();
    await fastify.register(licenzyGate, { gate, global: true });
    if (order === 'after') await webhook();
    fastify.get('/pro', async () => ({ ok: true }));
    const url = await fastify.listen({ port: 0, host: '127.0.0.1' });

    // The global gate still gates everything else: an anonymous request is refused.
    expect((await fetch(`${url}/pro`)).status).toBe(401);
    expect(gate.peek('user_1')).toBeDefined();
    const { body, headers } = signedDelivery(SECRET, paid, `msg_${order}`);
    const delivered = await fetch(`${url}/webhooks/licenzy`, { method: 'POST', body, headers });
    expect(delivered.status).toBe(200);
    expect(await delivered.json()).toEqual({ received: true });
    expect(gate.peek('user_1')).toBeUndefined();
    // A forged delivery is still refused by the webhook's own signature check.
    const forged = signedDelivery(webhookSecret(9), paid, `msg_forged_${order}`);
    expect((await fetch(`${url}/webhooks/licenzy`, { method: 'POST', body: forged.body, headers: forged.headers })).status).toBe(401);
  });
});
