// Shared by the adapters' webhook tests: a gate holding a cached grant, and Standard Webhooks deliveries signed for it.
import { createAccessGate, signStandardWebhook, type AccessGate } from '../src/index.js';

/** The receivers' fixed clock, so signed timestamps are inside (or, on purpose, outside) the tolerance window. */
export const WEBHOOK_NOW = 1_800_000_000_000;

/** A `whsec_` secret; each suite passes its own fill byte so secrets differ between suites. */
export const webhookSecret = (fill: number): string => `whsec_${Buffer.alloc(32, fill).toString('base64')}`;

/** A gate whose decision for `user_1` is cached (a checker that always grants): a webhook must make it forget. */
export async function cachedGate(): Promise<AccessGate> {
  const gate = createAccessGate({ client: { mode: 'test', checkAccess: async (s) => ({ subjectRef: s, allowed: true }) } });
  await gate.check('user_1');
  return gate;
}

/** A POST carrying `payload`, signed with `secret` as Standard Webhooks does (`id`, timestamp in seconds). */
export function signedDelivery(secret: string, payload: unknown, id = 'msg_1', at = WEBHOOK_NOW) {
  const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
  const headers = signStandardWebhook({ secret, id, timestamp: Math.floor(at / 1000), body });
  return { method: 'POST' as const, body, headers: { ...headers, 'content-type': 'application/json' } as Record<string, string> };
}

/** An answer read off the wire by {@link postRaw}. */
export interface RawReply {
  status: number;
  body: string;
}

/**
 * POSTs with Node's own client, which sends an array header value as one line per element: the only way to send a
 * header twice (fetch joins repeats into one `a, b` line before sending).
 */
export async function postRaw(url: string, headers: Record<string, string | string[]>, body: string): Promise<RawReply> {
  const { request } = await import('node:http');
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The payload the hygiene cases send: an event that makes the gate forget `user_1`. */
export const HYGIENE_PAYLOAD = JSON.stringify({ type: 'entitlement.updated', subject_ref: 'user_1' });

/**
 * Deliveries of {@link HYGIENE_PAYLOAD} with one header the Standard Webhooks receiver reads sent on two lines
 * (issue 23, item 10): each must be refused with 401 and forget nothing, in every adapter.
 */
export function repeatedHeaderDeliveries(secret: string, at = WEBHOOK_NOW): Array<{ name: string; headers: Record<string, string | string[]> }> {
  const signed = signStandardWebhook({ secret, id: 'msg_twice', timestamp: Math.floor(at / 1000), body: HYGIENE_PAYLOAD });
  const junk = `v1,${Buffer.alloc(32, 1).toString('base64')}`;
  const base = { ...signed, 'content-type': 'application/json' };
  return [
    { name: 'webhook-signature: junk, then the valid one', headers: { ...base, 'webhook-signature': [junk, signed['webhook-signature']] } },
    { name: 'webhook-signature: the valid one, then junk', headers: { ...base, 'webhook-signature': [signed['webhook-signature'], junk] } },
    { name: 'webhook-signature: the valid one twice', headers: { ...base, 'webhook-signature': [signed['webhook-signature'], signed['webhook-signature']] } },
    { name: 'webhook-id twice', headers: { ...base, 'webhook-id': [signed['webhook-id'], signed['webhook-id']] } },
    { name: 'webhook-timestamp twice', headers: { ...base, 'webhook-timestamp': [signed['webhook-timestamp'], signed['webhook-timestamp']] } },
  ];
}

/** A genuine delivery of {@link HYGIENE_PAYLOAD}: each header once, the signature line holding `extra` signatures too. */
export function genuineDelivery(secret: string, id: string, extra: string[] = [], at = WEBHOOK_NOW): Record<string, string> {
  const signed = signStandardWebhook({ secret, id, timestamp: Math.floor(at / 1000), body: HYGIENE_PAYLOAD });
  return { ...signed, 'webhook-signature': [...extra, signed['webhook-signature']].join(' '), 'content-type': 'application/json' };
}

/** The same event signed with a payload repeating `subject_ref` (issue 23, item 11): 400 in every adapter. */
export function duplicateMemberDelivery(secret: string, at = WEBHOOK_NOW): { headers: Record<string, string>; body: string } {
  const body = '{"type":"entitlement.updated","subject_ref":"user_2","subject_ref":"user_1"}';
  const signed = signStandardWebhook({ secret, id: 'msg_dup', timestamp: Math.floor(at / 1000), body });
  return { headers: { ...signed, 'content-type': 'application/json' }, body };
}
