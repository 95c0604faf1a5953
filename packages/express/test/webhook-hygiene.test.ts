// webhookHandler hygiene over real HTTP on Express 5 and 4 (issue 23): repeated headers, duplicate members, a body parser first.
import express from 'express';
import express4 from 'express4';
import { afterEach, describe } from 'vitest';
import { captureLogger, listen, type ListeningServer } from '@licenzy-gate/testing';
import { webhookHandler } from '@licenzy-gate/express';
import { WEBHOOK_NOW, webhookSecret } from '../../core/test/webhook-fixtures.js';
import { webhookHygieneCases } from '../../core/test/webhook-hygiene-cases.js';

const SECRET = webhookSecret(11);
const majors = [
  { major: 'express 5', createApp: express },
  { major: 'express 4', createApp: express4 as unknown as typeof express },
];

describe.each(majors)('webhookHandler hygiene on $major', ({ createApp }) => {
  let running: ListeningServer | undefined;
  afterEach(() => running?.close());

  webhookHygieneCases(SECRET, {
    parserAdvice: 'mount webhookHandler before express.json()',
    async serve(gate, { parserFirst, logger = captureLogger() }) {
      const app = createApp();
      if (parserFirst) app.use(express.json());
      app.post('/webhooks/licenzy', webhookHandler({ gate, scheme: 'standard-webhooks', secret: SECRET, now: () => WEBHOOK_NOW, logger }));
      running = await listen(app);
      return `${running.url}/webhooks/licenzy`;
    },
  });
});
