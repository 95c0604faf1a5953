// webhookHandler hygiene over real HTTP on Fastify (issue 23): repeated headers and duplicate members. Item 12 (a body
// parser before the handler) does not apply: the plugin's own content-type parser is the only one in its context.
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { webhookHandler, type AccessGate } from '@licenzy-gate/fastify';
import {
  HYGIENE_PAYLOAD,
  WEBHOOK_NOW,
  cachedGate,
  duplicateMemberDelivery,
  genuineDelivery,
  postRaw,
  repeatedHeaderDeliveries,
  webhookSecret,
} from '../../core/test/webhook-fixtures.js';

const SECRET = webhookSecret(13);

describe('webhookHandler hygiene (fastify, real HTTP)', () => {
  let app: FastifyInstance | undefined;
  afterEach(() => app?.close());

  async function serve(gate: AccessGate): Promise<string> {
    const fastify = Fastify();
    app = fastify;
    await fastify.register(webhookHandler({ gate, scheme: 'standard-webhooks', secret: SECRET, now: () => WEBHOOK_NOW }), { prefix: '/webhooks/licenzy' });
    const address = await fastify.listen({ port: 0, host: '127.0.0.1' });
    return `${address}/webhooks/licenzy`;
  }

  it('regression (item 10): a header the receiver reads, sent on two lines, is 401 and forgets nothing', async () => {
    const gate = await cachedGate();
    const url = await serve(gate);
    for (const { name, headers } of repeatedHeaderDeliveries(SECRET)) {
      expect({ name, status: (await postRaw(url, headers, HYGIENE_PAYLOAD)).status }).toEqual({ name, status: 401 });
    }
    expect(gate.peek('user_1')).toBeDefined();
  });

  it('a genuine delivery, each header once (one or several signatures on its line), still invalidates', async () => {
    const gate = await cachedGate();
    const url = await serve(gate);
    expect((await postRaw(url, genuineDelivery(SECRET, 'msg_one'), HYGIENE_PAYLOAD)).status).toBe(200);
    expect(gate.peek('user_1')).toBeUndefined();
    await gate.check('user_1');
    const several = genuineDelivery(SECRET, 'msg_several', [`v1,${Buffer.alloc(32, 2).toString('base64')}`, 'v2,abc']);
    expect((await fetch(url, { method: 'POST', headers: several, body: HYGIENE_PAYLOAD })).status).toBe(200);
    expect(gate.peek('user_1')).toBeUndefined();
  });

  it('regression (item 11): a signed payload repeating subject_ref is 400 and forgets nobody', async () => {
    const gate = await cachedGate();
    await gate.check('user_2');
    const { headers, body } = duplicateMemberDelivery(SECRET);
    expect((await postRaw(await serve(gate), headers, body)).status).toBe(400);
    expect(gate.peek('user_1')).toBeDefined();
    expect(gate.peek('user_2')).toBeDefined();
  });
});
