// webhookHandler over real HTTP on Koa 3 and 2 (via @koa/router): signed deliveries make the gate forget.
import { afterEach, describe, expect, it } from 'vitest';
import { webhookHandler, type AccessGate } from '@licenzy-gate/koa';
import { WEBHOOK_NOW, cachedGate, signedDelivery, webhookSecret } from '../../core/test/webhook-fixtures.js';
import { capturingLogger, koaMajors, listen, Router, type KoaClass, type Running } from './app.js';

const SECRET = webhookSecret(6);
const NOW = WEBHOOK_NOW;
const signed = (payload: unknown, id?: string, at?: number) => ({ ...signedDelivery(SECRET, payload, id, at) });

const refunded = { type: 'entitlement.updated', subject_ref: 'user_1' };

describe.each(koaMajors)('webhookHandler on $name', ({ Koa }) => {
  let running: Running | undefined;
  afterEach(() => running?.close());

  async function serve(gate: AccessGate, options: { bodyParserFirst?: boolean; logger?: ReturnType<typeof capturingLogger> } = {}) {
    const app = new (Koa as KoaClass)();
    app.silent = true;
    if (options.bodyParserFirst) {
      // What koa-bodyparser does: consume the stream, set ctx.request.body.
      app.use(async (ctx, next) => {
        let text = '';
        for await (const chunk of ctx.req) text += String(chunk);
        (ctx.request as { body?: unknown }).body = JSON.parse(text);
        await next();
      });
    }
    const router = new Router();
    router.post('/webhooks/licenzy', webhookHandler({ gate, scheme: 'standard-webhooks', secret: SECRET, now: () => NOW, maxBodyBytes: 4096, logger: options.logger ?? capturingLogger() }));
    app.use(router.routes());
    running = await listen(app);
    return `${running.url}/webhooks/licenzy`;
  }

  it('a valid delivery answers 200 and the next peek finds nothing', async () => {
    const gate = await cachedGate();
    const response = await fetch(await serve(gate), signed(refunded));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ received: true });
    expect(gate.peek('user_1')).toBeUndefined();
  });

  it('bad signature, old timestamp: 401; replay: acknowledged, no effect', async () => {
    const gate = await cachedGate();
    const url = await serve(gate);
    const forged = signed(refunded);
    forged.headers['webhook-signature'] = `v1,${Buffer.alloc(32, 1).toString('base64')}`;
    expect((await fetch(url, forged)).status).toBe(401);
    expect((await fetch(url, signed(refunded, 'msg_old', NOW + 10 * 60 * 1000))).status).toBe(401);
    expect(gate.peek('user_1')).toBeDefined();
    expect((await fetch(url, signed(refunded, 'msg_once'))).status).toBe(200);
    await gate.check('user_1');
    expect((await fetch(url, signed(refunded, 'msg_once'))).status).toBe(200);
    expect(gate.peek('user_1')).toBeDefined();
  });

  it('oversize (declared or streamed) is 413 and invalid JSON is 400, nothing forgotten', async () => {
    const gate = await cachedGate();
    const url = await serve(gate);
    expect((await fetch(url, signed({ ...refunded, pad: 'x'.repeat(8000) }))).status).toBe(413);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 16; i++) controller.enqueue(new Uint8Array(1024).fill(120));
        controller.close();
      },
    });
    expect((await fetch(url, { ...signed(refunded, 'msg_stream'), body: stream, duplex: 'half' } as RequestInit)).status).toBe(413);
    expect((await fetch(url, signed('[1,', 'msg_bad_json'))).status).toBe(400);
    expect(gate.peek('user_1')).toBeDefined();
  });

  it('after a body parser it cannot verify: 500 and one log line saying to mount it first', async () => {
    const gate = await cachedGate();
    const logger = capturingLogger();
    const url = await serve(gate, { bodyParserFirst: true, logger });
    expect((await fetch(url, signed(refunded))).status).toBe(500);
    expect(logger.lines).toEqual([expect.objectContaining({ level: 'error', message: expect.stringContaining('before koa-bodyparser') })]);
    expect(gate.peek('user_1')).toBeDefined();
  });
});
