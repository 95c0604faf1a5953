// webhookHandler hygiene over real HTTP on Koa 3 and 2 (issue 23): repeated headers, duplicate members, a body parser first.
import Router from '@koa/router';
import Koa from 'koa';
import Koa2 from 'koa2';
import { afterEach, describe, expect, it } from 'vitest';
import { captureLogger, listen, type ListeningServer } from '@licenzy-gate/testing';
import { webhookHandler, type AccessGate } from '@licenzy-gate/koa';
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

const SECRET = webhookSecret(12);
const majors = [
  { name: 'koa 3', Koa },
  { name: 'koa 2', Koa: Koa2 as unknown as typeof Koa },
];

describe.each(majors)('webhookHandler hygiene on $name', ({ Koa: KoaClass }) => {
  let running: ListeningServer | undefined;
  afterEach(() => running?.close());

  async function serve(gate: AccessGate, options: { parserFirst?: boolean; logger?: ReturnType<typeof captureLogger> } = {}) {
    const app = new KoaClass();
    app.silent = true;
    if (options.parserFirst) {
      // What koa-bodyparser does: consume the stream, set ctx.request.body.
      app.use(async (ctx, next) => {
        let text = '';
        for await (const chunk of ctx.req) text += String(chunk);
        (ctx.request as { body?: unknown }).body = JSON.parse(text);
        await next();
      });
    }
    const router = new Router();
    const logger = options.logger ?? captureLogger();
    router.post('/webhooks/licenzy', webhookHandler({ gate, scheme: 'standard-webhooks', secret: SECRET, now: () => WEBHOOK_NOW, logger }));
    app.use(router.routes());
    running = await listen(app.callback());
    return `${running.url}/webhooks/licenzy`;
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

  it('regression (item 12): 300 posts after a body parser are 300 × 500 but one log line', async () => {
    const gate = await cachedGate();
    const logger = captureLogger();
    const url = await serve(gate, { parserFirst: true, logger });
    const statuses = new Set<number>();
    for (let i = 0; i < 300; i++) {
      const response = await fetch(url, { method: 'POST', headers: genuineDelivery(SECRET, `msg_${i}`), body: HYGIENE_PAYLOAD });
      statuses.add(response.status);
      await response.arrayBuffer();
    }
    expect([...statuses]).toEqual([500]);
    expect(logger.text()).toEqual([expect.stringContaining('mount webhookHandler before koa-bodyparser')]);
    expect(gate.peek('user_1')).toBeDefined();
  });
});
