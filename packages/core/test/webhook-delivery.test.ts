// headerValue and the receivers' refusal of repeated headers: a header sent on two lines is never resolved to one.
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createAccessGate, createWebhookReceiver, signStandardWebhook, type WebhookReceiverOptions } from '../src/index.js';
import { headerValue } from '../src/webhook-delivery.js';

const SECRET = `whsec_${Buffer.alloc(32, 4).toString('base64')}`;
const HMAC_SECRET = 'shared-secret-value';
const NOW = 1_800_000_000_000;
const body = JSON.stringify({ type: 'entitlement.updated', subject_ref: 'user_1' });
const junk = `v1,${Buffer.alloc(32, 1).toString('base64')}`;

async function gateWithGrant() {
  const gate = createAccessGate({ client: { mode: 'test', checkAccess: async (s) => ({ subjectRef: s, allowed: true }) } });
  await gate.check('user_1');
  return gate;
}

function receiver(gate: Awaited<ReturnType<typeof gateWithGrant>>, scheme: 'standard-webhooks' | 'hmac-sha256') {
  const options = scheme === 'standard-webhooks'
    ? { gate, scheme, secret: SECRET, now: () => NOW }
    : { gate, scheme, header: 'x-licenzy-signature', secret: HMAC_SECRET, now: () => NOW };
  return createWebhookReceiver(options as WebhookReceiverOptions);
}

/** The three Standard Webhooks headers of a genuine delivery of `body`. */
const standardHeaders = (id = 'msg_1') => signStandardWebhook({ secret: SECRET, id, timestamp: NOW / 1000, body }) as Record<string, string>;
const hmacOf = (text: string) => createHmac('sha256', HMAC_SECRET).update(text).digest('hex');

/** `rawHeaders` as Node records them: one name/value pair per line, `extra` lines appended. */
function rawLines(headers: Record<string, string>, extra: Array<[string, string]> = []): string[] {
  return [...Object.entries(headers), ...extra].flat();
}

describe('headerValue', () => {
  it('reads one line, from a plain object or a fetch Headers', () => {
    expect(headerValue({ headers: { 'x-a': '1' }, rawBody: '' }, 'x-a')).toBe('1');
    expect(headerValue({ headers: new Headers({ 'X-A': '1' }), rawBody: '' }, 'x-a')).toBe('1');
    expect(headerValue({ headers: { 'x-a': '1' }, rawHeaders: ['X-A', '1', 'x-b', '2'], rawBody: '' }, 'x-a')).toBe('1');
  });

  it('is undefined when absent, an array, or on two lines of rawHeaders (whatever case the names use)', () => {
    expect(headerValue({ headers: {}, rawBody: '' }, 'x-a')).toBeUndefined();
    expect(headerValue({ headers: { 'x-a': ['1', '2'] }, rawBody: '' }, 'x-a')).toBeUndefined();
    expect(headerValue({ headers: { 'x-a': '1, 2' }, rawHeaders: ['X-A', '1', 'x-a', '2'], rawBody: '' }, 'x-a')).toBeUndefined();
    expect(headerValue({ headers: null as never, rawBody: '' }, 'x-a')).toBeUndefined();
  });
});

describe('regression: a repeated signature header is refused (issue 23, item 10)', () => {
  it('refuses `junk, v1,<valid>` (two lines joined by Node or fetch), which matched the valid one before', async () => {
    const gate = await gateWithGrant();
    const headers = standardHeaders();
    const joined = { ...headers, 'webhook-signature': `${junk}, ${headers['webhook-signature']}` };
    expect((await receiver(gate, 'standard-webhooks').handle({ headers: joined, rawBody: body })).status).toBe(401);
    const fetchHeaders = new Headers(headers);
    fetchHeaders.append('webhook-signature', junk);
    expect((await receiver(gate, 'standard-webhooks').handle({ headers: fetchHeaders, rawBody: body })).status).toBe(401);
    // Joined without the space, as some proxies do.
    const tight = { ...headers, 'webhook-signature': `garbage,${headers['webhook-signature']}` };
    expect((await receiver(gate, 'standard-webhooks').handle({ headers: tight, rawBody: body })).status).toBe(401);
    expect(gate.peek('user_1')).toBeDefined();
  });

  // Every header a scheme reads, sent twice; `headers` holds what a framework might keep (the genuine value), and
  // only rawHeaders shows the second line. Each was accepted before.
  it.each(['webhook-id', 'webhook-timestamp', 'webhook-signature'])('standard-webhooks: refuses %s on two lines of rawHeaders', async (name) => {
    const gate = await gateWithGrant();
    const headers = standardHeaders();
    const raw = rawLines(headers, [[name.replace(/^w/, 'W'), name === 'webhook-signature' ? junk : 'other']]);
    expect((await receiver(gate, 'standard-webhooks').handle({ headers, rawHeaders: raw, rawBody: body })).status).toBe(401);
    expect(gate.peek('user_1')).toBeDefined();
  });

  it('hmac-sha256: refuses the configured header on two lines of rawHeaders', async () => {
    const gate = await gateWithGrant();
    const headers = { 'x-licenzy-signature': hmacOf(body) };
    const raw = rawLines(headers, [['X-Licenzy-Signature', 'f'.repeat(64)]]);
    expect((await receiver(gate, 'hmac-sha256').handle({ headers, rawHeaders: raw, rawBody: body })).status).toBe(401);
    expect(gate.peek('user_1')).toBeDefined();
  });

  it('still accepts one line carrying several space-separated signatures, and a genuine single-line delivery', async () => {
    const gate = await gateWithGrant();
    const headers = standardHeaders();
    const several = { ...headers, 'webhook-signature': `${junk} v1a,abc ${headers['webhook-signature']}` };
    expect((await receiver(gate, 'standard-webhooks').handle({ headers: several, rawHeaders: rawLines(several), rawBody: body })).status).toBe(200);
    expect(gate.peek('user_1')).toBeUndefined();
    await gate.check('user_1');
    const single = standardHeaders('msg_2');
    expect((await receiver(gate, 'standard-webhooks').handle({ headers: single, rawHeaders: rawLines(single), rawBody: body })).status).toBe(200);
    expect(gate.peek('user_1')).toBeUndefined();
    await gate.check('user_1');
    const hmac = { 'x-licenzy-signature': hmacOf(body) };
    expect((await receiver(gate, 'hmac-sha256').handle({ headers: hmac, rawHeaders: rawLines(hmac), rawBody: body })).status).toBe(200);
    expect(gate.peek('user_1')).toBeUndefined();
  });
});
