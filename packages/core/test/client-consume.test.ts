// Regression (issue 23, item 9): a consume answer counts only as exactly the units asked, with status 200; anything else
// is malformed (LicenzyResponseError, 503 in the adapters), never a charge the route serves on.
import { useLocalLicenzy } from '@licenzy-gate/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LicenzyResponseError, createAccessGate, createLicenzyClient } from '../src/index.js';
import { MALFORMED_CONSUME_ANSWERS } from './consume-answers.js';

const licenzy = useLocalLicenzy({ hooks: { beforeAll, afterAll, afterEach } });
const CONSUME = '/v1/usage/consume';

beforeEach(() => {
  licenzy.mock.reset();
  licenzy.mock.grant('u', { kind: 'usage_pack', usageRemaining: 100 });
});

const client = () => createLicenzyClient({ apiKey: licenzy.mock.testKey, baseUrl: licenzy.mock.url, retries: 0 });


describe('consumeUsage: answers that do not add up (issue 23, item 9)', () => {
  it('accepts 200 with exactly the units asked', async () => {
    await expect(client().consumeUsage('u', 5, { idempotencyKey: 'evt_ok' })).resolves.toEqual({ ok: true, consumed: 5, usageRemaining: 95 });
  });

  it.each(MALFORMED_CONSUME_ANSWERS)('the client refuses %s as malformed', async (_label, status, body) => {
    licenzy.mock.fault({ type: 'status', status, body }, { path: CONSUME });
    await expect(client().consumeUsage('u', 5, { idempotencyKey: 'evt_1' })).rejects.toBeInstanceOf(LicenzyResponseError);
  });

  it('the client refuses a 204 with no body', async () => {
    licenzy.mock.fault({ type: 'raw', status: 204, body: '' }, { path: CONSUME });
    await expect(client().consumeUsage('u', 5, { idempotencyKey: 'evt_2' })).rejects.toBeInstanceOf(LicenzyResponseError);
  });

  it.each(MALFORMED_CONSUME_ANSWERS)('the gate refuses %s too (a custom client answering the same is no charge either)', async (_label, status, body) => {
    licenzy.mock.fault({ type: 'status', status, body }, { path: CONSUME });
    const gate = createAccessGate({ apiKey: licenzy.mock.testKey, baseUrl: licenzy.mock.url, retries: 0 });
    await expect(gate.consumeUsage('u', 5, { idempotencyKey: 'evt_3' })).rejects.toBeInstanceOf(LicenzyResponseError);
    // A custom client's answer passes the same rule.
    const record = body as { ok?: unknown; consumed?: unknown };
    const custom = createAccessGate({
      client: {
        mode: 'test',
        checkAccess: async (subjectRef) => ({ subjectRef, allowed: true }),
        consumeUsage: async () => ({ ok: record.ok, consumed: record.consumed, usageRemaining: 1 }) as never,
      },
    });
    if (status === 200) await expect(custom.consumeUsage('u', 5, { idempotencyKey: 'evt_4' })).rejects.toBeInstanceOf(LicenzyResponseError);
  });
});
