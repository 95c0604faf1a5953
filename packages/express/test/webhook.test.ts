// webhookHandler over real HTTP on Express 5 and 4: signed deliveries make the gate forget; bad ones change nothing.
import { afterEach, describe, expect, it } from 'vitest';
import { webhookHandler, type AccessGate } from '@licenzy-gate/express';
import { WEBHOOK_NOW, cachedGate, signedDelivery, webhookSecret } from '../../core/test/webhook-fixtures.js';
import { captureLogger, listen, majors, type Running } from './serve.js';

const SECRET = webhookSecret(5);
const NOW = WEBHOOK_NOW;
const signed = (payload: unknown, id?: string, at?: number) => ({ ...signedDelivery(SECRET, payload, id, at) });

const revoked = { type: 'subscription.deleted', data: { object: { subject_ref: 'user_1' } } };

describe.each(majors)('webhookHandler on $major', ({ createApp }) => {
  let running: Running | undefined;
  afterEach(() => running?.close());

  async function serve(gate: AccessGate, before?: (app: ReturnType<typeof createApp>) => void, logger = captureLogger()) {
    const app = createApp();
    before?.(app);
    app.post('/webhooks/licenzy', webhookHandler({ gate, scheme: 'standard-webhooks', secret: SECRET, now: () => NOW, maxBodyBytes: 4096, logger }));
    running = await listen(app);
    return `${running.url}/webhooks/licenzy`;
  }

  it('a valid delivery answers 200 and the next peek finds nothing', async () => {
    const gate = await cachedGate();
    const response = await fetch(await serve(gate), signed(revoked));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ received: true });
    expect(gate.peek('user_1')).toBeUndefined();
  });

  it('bad signature and old timestamp: 401 without detail, nothing forgotten', async () => {
    const gate = await cachedGate();
    const url = await serve(gate);
    const forged = signed(revoked);
    forged.headers['webhook-signature'] = `v1,${Buffer.alloc(32, 1).toString('base64')}`;
    const old = signed(revoked, 'msg_old', NOW - 10 * 60 * 1000);
    for (const init of [forged, old]) {
      const response = await fetch(url, init);
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({ error: 'unauthorized' });
    }
    expect(gate.peek('user_1')).toBeDefined();
  });

  it('a replayed delivery is acknowledged but forgets nothing the second time', async () => {
    const gate = await cachedGate();
    const url = await serve(gate);
    await fetch(url, signed(revoked, 'msg_once'));
    await gate.check('user_1');
    expect((await fetch(url, signed(revoked, 'msg_once'))).status).toBe(200);
    expect(gate.peek('user_1')).toBeDefined();
  });

  it('oversize (declared or streamed) is 413 and invalid JSON is 400, nothing forgotten', async () => {
    const gate = await cachedGate();
    const url = await serve(gate);
    const big = signed({ ...revoked, pad: 'x'.repeat(8000) });
    expect((await fetch(url, big)).status).toBe(413);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 16; i++) controller.enqueue(new Uint8Array(1024).fill(120));
        controller.close();
      },
    });
    const chunked = await fetch(url, { ...signed(revoked, 'msg_stream'), body: stream, duplex: 'half' } as RequestInit);
    expect(chunked.status).toBe(413);
    expect((await fetch(url, signed('{"type":', 'msg_bad_json'))).status).toBe(400);
    expect(gate.peek('user_1')).toBeDefined();
  });

  it('after express.json() it cannot verify: 500 and one log line saying to mount it first', async () => {
    const gate = await cachedGate();
    const logger = captureLogger();
    const { default: express } = await import('express');
    const url = await serve(gate, (app) => app.use(express.json()), logger);
    const response = await fetch(url, signed(revoked));
    expect(response.status).toBe(500);
    expect(logger.text()).toEqual([expect.stringContaining('mount webhookHandler before express.json()')]);
    expect(gate.peek('user_1')).toBeDefined();
  });

  it('behind express.raw() it verifies the exact bytes', async () => {
    const gate = await cachedGate();
    const { default: express } = await import('express');
    const url = await serve(gate, (app) => app.use(express.raw({ type: '*/*' })));
    expect((await fetch(url, signed(revoked))).status).toBe(200);
    expect(gate.peek('user_1')).toBeUndefined();
  });
});
