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
