// webhookHandler and accessStatus in a Nest controller on both platforms: the raw body Nest keeps (`rawBody: true`)
// is verified, a valid delivery makes the gate forget, and without a raw body it answers 500 rather than guess.
import { Controller, Inject, Module, Post, Req, Res } from '@nestjs/common';
import { afterEach, describe, expect, it } from 'vitest';
import { captureLogger } from '@licenzy-gate/testing';
import { LICENZY_GATE, LicenzyModule, webhookHandler, type AccessGate } from '../src/index.js';
import { WEBHOOK_NOW, cachedGate, signedDelivery, webhookSecret } from '../../core/test/webhook-fixtures.js';
import { platforms, startApp, type RunningApp } from './serve.js';

const SECRET = webhookSecret(7);
const revoked = { type: 'subscription.deleted', data: { object: { subject_ref: 'user_1' } } };

describe.each(platforms)('webhookHandler on $platform', (platform) => {
  let running: RunningApp | undefined;
  afterEach(() => running?.close());

  async function serve(gate: AccessGate, rawBody: boolean, logger = captureLogger()): Promise<string> {
    @Controller('webhooks')
    class WebhookController {
      private readonly webhook: ReturnType<typeof webhookHandler>;
      constructor(@Inject(LICENZY_GATE) moduleGate: AccessGate) {
        this.webhook = webhookHandler({ gate: moduleGate, scheme: 'standard-webhooks', secret: SECRET, now: () => WEBHOOK_NOW, logger });
      }
      @Post('licenzy') receive(@Req() request: object, @Res() response: object) {
        return this.webhook(request, response);
      }
    }
    @Module({ imports: [LicenzyModule.forRoot({ gate })], controllers: [WebhookController] })
    class WebhookModule {}
    running = await startApp(platform, { imports: [WebhookModule] }, { rawBody });
    return `${running.url}/webhooks/licenzy`;
  }

  it('verifies the raw body Nest kept (rawBody: true) and forgets the subject', async () => {
    const gate = await cachedGate();
    const response = await fetch(await serve(gate, true), signedDelivery(SECRET, revoked));
    expect([response.status, await response.json()]).toEqual([200, { received: true }]);
    expect(gate.peek('user_1')).toBeUndefined();
  });

  it('refuses a forged signature with 401 and forgets nothing', async () => {
    const gate = await cachedGate();
    const forged = signedDelivery(SECRET, revoked);
    forged.headers['webhook-signature'] = `v1,${Buffer.alloc(32, 1).toString('base64')}`;
    const response = await fetch(await serve(gate, true), forged);
    expect([response.status, await response.json()]).toEqual([401, { error: 'unauthorized' }]);
    expect(gate.peek('user_1')).toBeDefined();
  });

  it('answers 500 and says why when the body was parsed and no raw copy kept', async () => {
    const gate = await cachedGate();
    const logger = captureLogger();
    const response = await fetch(await serve(gate, false, logger), signedDelivery(SECRET, revoked));
    expect([response.status, await response.json()]).toEqual([500, { error: 'misconfigured' }]);
    expect(logger.text().join('\n')).toContain('rawBody: true');
    expect(gate.peek('user_1')).toBeDefined();
  });
});
