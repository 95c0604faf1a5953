// Licenzy's webhooks as the tests send them to the runtime's app: the emulator's body shape, signed with core's
// signStandardWebhook (the code the emulator signs with), genuine or forged.
import { randomUUID } from 'node:crypto';
import { signStandardWebhook } from '@licenzy-gate/core';

/** The secret the app verifies with (fake: base64 of a readable 32-byte sentence). */
export const WEBHOOK_SECRET = `whsec_${Buffer.from('runtime tests: example secret 32').toString('base64')}`;
/** Well-formed, but not the app's: what a forger without the secret could sign with. */
const FORGER_SECRET = `whsec_${Buffer.from('runtime tests: forger secret 032').toString('base64')}`;

/** The emulator's `entitlement.updated` body for a subject that lost access (packages/mock: MockWebhookPayload). */
function entitlementUpdated(subjectRef: string): string {
  return JSON.stringify({
    type: 'entitlement.updated',
    id: `msg_${randomUUID()}`,
    created_at: new Date().toISOString(),
    data: { subject_ref: subjectRef, mode: 'test', has_access: false },
  });
}

/**
 * How a delivery is signed: `genuine` with the app's secret; `wrong-secret` with another one; `other-body` with the
 * app's secret over a body for another subject, then sent with this subject's body (a replayed signature, a swapped body).
 */
export type Signing = 'genuine' | 'wrong-secret' | 'other-body';

/** Posts an `entitlement.updated` delivery for `subjectRef` to the app's webhook route; resolves with the status. */
export async function deliver(appUrl: string, subjectRef: string, signing: Signing = 'genuine'): Promise<number> {
  const body = entitlementUpdated(subjectRef);
  const signed = signing === 'other-body' ? entitlementUpdated('user_someone_else') : body;
  const secret = signing === 'wrong-secret' ? FORGER_SECRET : WEBHOOK_SECRET;
  const headers = signStandardWebhook({ secret, id: `msg_${randomUUID()}`, timestamp: Math.floor(Date.now() / 1000), body: signed });
  const response = await fetch(`${appUrl}/webhooks/licenzy`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body });
  await response.arrayBuffer();
  return response.status;
}
