// webhookHandler hygiene over real HTTP on Koa 3 and 2 (issue 23): repeated headers, duplicate members, a body parser first.
import Router from '@koa/router';
import Koa from 'koa';
import Koa2 from 'koa2';
import { afterEach, describe } from 'vitest';
import { captureLogger, listen, type ListeningServer } from '@licenzy-gate/testing';
import { webhookHandler } from '@licenzy-gate/koa';
import { WEBHOOK_NOW, webhookSecret } from '../../core/test/webhook-fixtures.js';
import { webhookHygieneCases } from '../../core/test/webhook-hygiene-cases.js';

const SECRET = webhookSecret(12);
const majors = [
  { name: 'koa 3', Koa },
  { name: 'koa 2', Koa: Koa2 as unknown as typeof Koa },
];

describe.each(majors)('webhookHandler hygiene on $name', ({ Koa: KoaClass }) => {
  let running: ListeningServer | undefined;
  afterEach(() => running?.close());

  webhookHygieneCases(SECRET, {
    parserAdvice: 'mount webhookHandler before koa-bodyparser',
    async serve(gate, { parserFirst, logger = captureLogger() }) {
      const app = new KoaClass();
      app.silent = true;
      if (parserFirst) {
        app.use(async (ctx, next) => {
          // As koa-bodyparser: the stream is consumed and ctx.request.body set.
          Object.assign(ctx.request, { body: JSON.parse(Buffer.concat(await ctx.req.toArray()).toString('utf8')) as unknown });
          await next();
        });
      }
      const router = new Router();
      router.post('/webhooks/licenzy', webhookHandler({ gate, scheme: 'standard-webhooks', secret: SECRET, now: () => WEBHOOK_NOW, logger }));
      app.use(router.routes());
      running = await listen(app.callback());
      return `${running.url}/webhooks/licenzy`;
    },
  });
});
