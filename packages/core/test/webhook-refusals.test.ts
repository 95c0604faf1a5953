// Issue 22: a webhook the receiver refuses is said once a minute per reason, with its category and fix; never the
// signature, the body or the secret (it was a silent 401).
import { captureLogger } from '@licenzy-gate/testing';
import { describe, expect, it, vi } from 'vitest';
import { createAccessGate, createWebhookReceiver, signStandardWebhook, type WebhookReceiverOptions } from '../src/index.js';
import { LOG_WINDOW } from '../src/logger.js';

const SECRET = `whsec_${Buffer.alloc(32, 5).toString('base64')}`;
const OTHER_SECRET = `whsec_${Buffer.alloc(32, 6).toString('base64')}`;
const HMAC_SECRET = 'hmac-secret-value-0001';
const NOW = 1_800_000_000_000;
const BODY = JSON.stringify({ type: 'entitlement.updated', data: { subject_ref: 'user_body_marker' } });

function receiver(extra: Partial<WebhookReceiverOptions> = {}) {
  let now = NOW;
  const logger = captureLogger();
  const gate = createAccessGate({ client: { mode: 'test', checkAccess: async (subjectRef) => ({ subjectRef, allowed: true }) } });
  const options = { gate, scheme: 'standard-webhooks', secret: SECRET, now: () => now, logger, ...extra } as WebhookReceiverOptions;
  return { receiver: createWebhookReceiver(options), logger, advance: (ms: number) => (now += ms) };
}

function signed(init: { secret?: string; id?: string; at?: number } = {}) {
  return signStandardWebhook({ secret: init.secret ?? SECRET, id: init.id ?? 'msg_1', timestamp: Math.floor((init.at ?? NOW) / 1000), body: BODY }) as Record<string, string>;
}

/** No signature, body, subject or secret in any line. */
function expectNothingSecret(logger: ReturnType<typeof captureLogger>, headers: Record<string, string> = {}) {
  const text = logger.text().join('\n');
  for (const secret of [SECRET, OTHER_SECRET, HMAC_SECRET, SECRET.slice('whsec_'.length), 'user_body_marker', BODY]) expect(text).not.toContain(secret);
  for (const value of Object.values(headers)) if (value.length > 12) expect(text).not.toContain(value);
}

describe('a refused webhook is one throttled warning with its reason', () => {
  it('a wrong secret: "refused with 401: bad signature" with the fix; N deliveries give one line, the next window says how many were held back', async () => {
    const { receiver: r, logger, advance } = receiver();
    const headers = signed({ secret: OTHER_SECRET });
    for (let i = 0; i < 4; i++) expect((await r.handle({ headers, rawBody: BODY })).status).toBe(401);
    expect(logger.lines).toEqual([
      {
        level: 'warn',
        message:
          'Licenzy webhook refused with 401: bad signature. Is `secret` the signing secret of this endpoint, and is the body passed on unchanged (mounted before any body parser)?',
        details: { reason: 'bad signature' },
      },
    ]);
    advance(LOG_WINDOW);
    await r.handle({ headers, rawBody: BODY });
    expect(logger.lines[1]?.details).toEqual({ reason: 'bad signature', suppressed: 3 });
    expectNothingSecret(logger, headers);
  });

  it.each([
    ['missing headers', () => ({ 'webhook-id': 'msg_1' })],
    ['malformed headers', () => ({ ...signed(), 'webhook-timestamp': 'yesterday' })],
    ['no v1 signature', () => ({ ...signed(), 'webhook-signature': 'v2,abc' })],
    ['repeated header', () => ({ ...signed(), 'webhook-signature': `v1,abc, ${signed()['webhook-signature']}` })],
  ])('%s', async (reason, headers) => {
    const { receiver: r, logger } = receiver();
    expect((await r.handle({ headers: headers(), rawBody: BODY })).status).toBe(401);
    expect(logger.lines).toHaveLength(1);
    expect(logger.lines[0]?.message).toMatch(new RegExp(`^Licenzy webhook refused with 401: ${reason}\\. `));
    expect(logger.lines[0]?.details).toEqual({ reason });
    expectNothingSecret(logger, headers());
  });

  it('a header sent on two lines (rawHeaders) is "repeated header"', async () => {
    const { receiver: r, logger } = receiver();
    const headers = signed();
    const rawHeaders = ['webhook-id', 'msg_1', 'webhook-id', 'msg_2', 'webhook-timestamp', headers['webhook-timestamp']!, 'webhook-signature', headers['webhook-signature']!];
    expect((await r.handle({ headers, rawHeaders, rawBody: BODY })).status).toBe(401);
    expect(logger.lines.map((line) => line.details?.reason)).toEqual(['repeated header']);
  });

  it('a stale and a future timestamp name the clock and the tolerance, each on its own line', async () => {
    const { receiver: r, logger } = receiver({ tolerance: 60_000 });
    await r.handle({ headers: signed({ at: NOW - 61_000 }), rawBody: BODY });
    await r.handle({ headers: signed({ at: NOW + 61_000, id: 'msg_2' }), rawBody: BODY });
    expect(logger.lines.map((line) => line.message)).toEqual([
      "Licenzy webhook refused with 401: stale timestamp. Is this server's clock right? Deliveries older than `tolerance` (60000 ms) are refused.",
      "Licenzy webhook refused with 401: future timestamp. Is this server's clock right? Deliveries stamped more than `tolerance` (60000 ms) ahead are refused.",
    ]);
  });

  it('a replay is acknowledged with 200 and said once, as replayed', async () => {
    const { receiver: r, logger } = receiver();
    const headers = signed();
    for (let i = 0; i < 3; i++) expect((await r.handle({ headers, rawBody: BODY })).status).toBe(200);
    expect(logger.lines).toEqual([
      { level: 'warn', message: 'Licenzy webhook replayed: acknowledged with 200 and ignored (this delivery id was already processed)', details: { reason: 'replayed' } },
    ]);
  });

  it('hmac-sha256: a missing header, a malformed one and a wrong secret, never the signature or the secret', async () => {
    const { receiver: r, logger } = receiver({ scheme: 'hmac-sha256', header: 'x-licenzy-signature', secret: HMAC_SECRET } as Partial<WebhookReceiverOptions>);
    const wrong = 'a'.repeat(64);
    await r.handle({ headers: {}, rawBody: BODY });
    await r.handle({ headers: { 'x-licenzy-signature': 'sha256=zz' }, rawBody: BODY });
    await r.handle({ headers: { 'x-licenzy-signature': `sha256=${wrong}` }, rawBody: BODY });
    expect(logger.lines.map((line) => line.details?.reason)).toEqual(['missing headers', 'malformed headers', 'bad signature']);
    expectNothingSecret(logger, { signature: wrong });
  });

  it('custom: a verify that returns false or throws', async () => {
    const verify = vi.fn().mockResolvedValueOnce(false).mockRejectedValueOnce(new Error('boom'));
    const { receiver: r, logger } = receiver({ scheme: 'custom', verify, secret: undefined } as Partial<WebhookReceiverOptions>);
    expect((await r.handle({ headers: {}, rawBody: BODY })).status).toBe(401);
    expect((await r.handle({ headers: {}, rawBody: BODY })).status).toBe(401);
    expect(logger.lines.map((line) => line.message)).toEqual([
      'Licenzy webhook refused with 401: refused by verify. Your `verify` function returned false.',
      'Licenzy webhook refused with 401: verify threw. Your `verify` function threw.',
    ]);
  });

  it('without a `logger`, the line goes to the console with the gate\'s prefix', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const gate = createAccessGate({ client: { mode: 'test', checkAccess: async (subjectRef) => ({ subjectRef, allowed: true }) } });
      const r = createWebhookReceiver({ gate, scheme: 'standard-webhooks', secret: SECRET, now: () => NOW });
      await r.handle({ headers: signed({ secret: OTHER_SECRET }), rawBody: BODY });
      expect(warn).toHaveBeenCalledWith(expect.stringMatching(/^\[licenzy-gate\] Licenzy webhook refused with 401: bad signature\. /), { reason: 'bad signature' });
    } finally {
      warn.mockRestore();
    }
  });
});
