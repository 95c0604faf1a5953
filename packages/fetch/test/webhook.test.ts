// webhookHandler over real HTTP on Node: the raw body read from the Request, capped; signed deliveries make the gate forget.
import { afterEach, describe, expect, it } from 'vitest';
import { captureLogger } from '@licenzy-gate/testing';
import { WEBHOOK_NOW, cachedGate, signedDelivery, webhookSecret } from '../../core/test/webhook-fixtures.js';
import { webhookHandler, type AccessGate } from '../src/index.js';
import { serveFetch } from './serve.js';

const SECRET = webhookSecret(5);
const revoked = { type: 'subscription.deleted', data: { object: { subject_ref: 'user_1' } } };

describe('webhookHandler (fetch)', () => {
  let running: { url: string; close(): Promise<void> } | undefined;
  afterEach(() => running?.close());
  const logger = captureLogger();

  async function serve(gate: AccessGate, read?: (request: Request) => Promise<unknown>) {
    const handler = webhookHandler({ gate, scheme: 'standard-webhooks', secret: SECRET, now: () => WEBHOOK_NOW, maxBodyBytes: 4096, logger });
    running = await serveFetch(async (request) => {
      if (read) await read(request);
      return handler(request);
    });
    return running.url;
  }

  it('a valid delivery answers 200 and the gate forgets the subject', async () => {
    const gate = await cachedGate();
    const response = await fetch(await serve(gate), signedDelivery(SECRET, revoked));
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await response.json()).toEqual({ received: true });
    expect(gate.peek('user_1')).toBeUndefined();
  });

  it('a forged signature is 401 and forgets nothing', async () => {
    const gate = await cachedGate();
    const forged = signedDelivery(SECRET, revoked);
    forged.headers['webhook-signature'] = `v1,${Buffer.alloc(32, 1).toString('base64')}`;
    const response = await fetch(await serve(gate), forged);
    expect(response.status).toBe(401);
    expect(gate.peek('user_1')).toBeDefined();
  });

  it('a body over maxBodyBytes is 413, streamed or declared', async () => {
    const gate = await cachedGate();
    const url = await serve(gate);
    const big = JSON.stringify({ ...revoked, pad: 'x'.repeat(5000) });
    expect((await fetch(url, { ...signedDelivery(SECRET, revoked), body: big })).status).toBe(413);
    const stream = new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode(big)); c.close(); } });
    expect((await fetch(url, { ...signedDelivery(SECRET, revoked), body: stream, duplex: 'half' } as RequestInit)).status).toBe(413);
    expect(gate.peek('user_1')).toBeDefined();
  });

  it('anything but POST is 405 with Allow', async () => {
    const response = await fetch(await serve(await cachedGate()));
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
  });

  it('a body the app already read is 500 misconfigured, not a bad signature', async () => {
    const gate = await cachedGate();
    const response = await fetch(await serve(gate, (request) => request.text()), signedDelivery(SECRET, revoked));
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ error: 'misconfigured' });
  });
});
