// Tests outbound webhooks end to end: a real receiver on 127.0.0.1:0 verifies each Standard Webhooks signature itself.
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createMockLicenzy, DEFAULT_TEST_KEY, generateWebhookSecret, MockLicenzyConfigError, signWebhook, type MockLicenzy } from '../src/index.js';

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (closers.length) await closers.pop()?.();
});

/** A webhook receiver; `answer` decides each response (default 204). */
async function receiver(answer: (res: ServerResponse, n: number) => void = (res) => res.writeHead(204).end()) {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      answer(res, received.length);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/licenzy/webhook`, received };
}

async function startMock(webhooks: { url: string; secret: string }[], extra: Parameters<typeof createMockLicenzy>[0] = {}) {
  const mock = await createMockLicenzy({ webhooks, webhookRetryDelays: [0, 0], ...extra });
  closers.push(() => mock.close());
  return mock;
}

/** The receiver's own check: HMAC-SHA256 keyed with the base64 after whsec_, over "id.timestamp.body". */
function verify(secret: string, { headers, body }: Received): boolean {
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const expected = createHmac('sha256', key).update(`${headers['webhook-id']}.${headers['webhook-timestamp']}.${body}`).digest('base64');
  return String(headers['webhook-signature'])
    .split(' ')
    .some((signature) => signature === `v1,${expected}`);
}

const post = (mock: MockLicenzy, path: string, body: unknown = {}) =>
  fetch(`${mock.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('signWebhook', () => {
  it('matches the Standard Webhooks reference vector', () => {
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    expect(signWebhook(secret, 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}')).toBe(
      'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    );
  });

  it('generates whsec_ secrets of 32 random bytes', () => {
    const secret = generateWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(32);
    expect(generateWebhookSecret()).not.toBe(secret);
  });
});

describe('webhook delivery', () => {
  it('sends a signed event per state change, which the receiver verifies itself', async () => {
    const hook = await receiver();
    const secret = generateWebhookSecret();
    const mock = await startMock([{ url: hook.url, secret }]);

    expect((await post(mock, '/_mock/subjects/user_1/grant')).status).toBe(201);
    await post(mock, '/_mock/subjects/user_1/dispute');
    await post(mock, '/_mock/subjects/user_1/revoke');
    mock.grant('user_2', { kind: 'time_pass', expiresAt: Date.now() + 60_000 });
    mock.refund('user_2');
    await mock.webhooksIdle();

    expect(hook.received).toHaveLength(5);
    for (const delivery of hook.received) {
      expect(verify(secret, delivery)).toBe(true);
      expect(delivery.headers['content-type']).toBe('application/json');
      expect(delivery.headers['webhook-id']).toMatch(/^msg_[\w-]+$/);
      expect(Number(delivery.headers['webhook-timestamp'])).toBeCloseTo(Date.now() / 1000, -2);
      const payload = JSON.parse(delivery.body) as { id: string };
      expect(payload.id).toBe(delivery.headers['webhook-id']);
    }
    expect(new Set(hook.received.map((d) => d.headers['webhook-id'])).size).toBe(5);
    const payloads = hook.received.map((d) => JSON.parse(d.body) as { type: string; data: Record<string, unknown> });
    // Deliveries run concurrently, so (as Licenzy documents for its own webhooks) arrival order is not guaranteed.
    const summary = payloads.map((p) => [p.type, p.data.subject_ref, p.data.mode, p.data.has_access]);
    expect(summary).toHaveLength(5);
    expect(summary).toEqual(
      expect.arrayContaining([
        ['purchase.finalized', 'user_1', 'test', true],
        ['subscription.updated', 'user_1', 'test', false],
        ['subscription.deleted', 'user_1', 'test', false],
        ['purchase.finalized', 'user_2', 'test', true],
        ['entitlement.updated', 'user_2', 'test', false],
      ]),
    );
    expect(payloads.find((p) => p.type === 'purchase.finalized' && p.data.subject_ref === 'user_1')?.data.entitlements).toEqual([expect.objectContaining({ kind: 'subscription', status: 'active', available: true })]);
    expect(mock.webhookDeliveries.every((d) => d.ok && d.status === 204 && d.attempt === 1)).toBe(true);
    expect(JSON.stringify(mock.webhookDeliveries)).not.toContain(secret.slice(6));
  });

  it('signs with each target its own secret, and a wrong secret fails verification', async () => {
    const [a, b] = [await receiver(), await receiver()];
    const [secretA, secretB] = [generateWebhookSecret(), generateWebhookSecret()];
    const mock = await startMock([
      { url: a.url, secret: secretA },
      { url: b.url, secret: secretB },
    ]);
    mock.grant('u', undefined, { mode: 'live' });
    await mock.webhooksIdle();
    expect(a.received).toHaveLength(1);
    expect(verify(secretA, a.received[0] as Received)).toBe(true);
    expect(verify(secretB, b.received[0] as Received)).toBe(true);
    expect(verify(secretB, a.received[0] as Received)).toBe(false);
    // A tampered body no longer verifies.
    expect(verify(secretA, { ...(a.received[0] as Received), body: (a.received[0] as Received).body.replace('"live"', '"test"') })).toBe(false);
    expect(JSON.parse((a.received[0] as Received).body).data.mode).toBe('live');
  });

  it('sends usage.consumed once per consumed event: not for an idempotent replay, not when out of units', async () => {
    const hook = await receiver();
    const mock = await startMock([{ url: hook.url, secret: generateWebhookSecret() }]);
    mock.grant('u', { kind: 'usage_pack', usageRemaining: 10 });
    const consume = (key: string, units: number) =>
      fetch(`${mock.url}/v1/usage/consume`, {
        method: 'POST',
        headers: { authorization: `Bearer ${DEFAULT_TEST_KEY}`, 'content-type': 'application/json', 'idempotency-key': key },
        body: JSON.stringify({ subject_ref: 'u', units }),
      }).then((res) => res.status);
    expect(await consume('evt_1', 4)).toBe(200);
    expect(await consume('evt_1', 4)).toBe(200); // the retry of the same business event
    expect(await consume('evt_2', 100)).toBe(409);
    await mock.webhooksIdle();
    const consumed = hook.received
      .map((d) => JSON.parse(d.body) as { type: string; data: Record<string, unknown> })
      .filter((p) => p.type === 'usage.consumed');
    expect(consumed).toEqual([expect.objectContaining({ data: expect.objectContaining({ subject_ref: 'u', consumed: 4, usage_remaining: 6 }) })]);
  });

  it('retries a failed delivery with the same id, a bounded number of times, and logs each attempt', async () => {
    const flaky = await receiver((res, n) => res.writeHead(n === 1 ? 500 : 204).end());
    const down = await receiver((res) => res.writeHead(503).end());
    const mock = await startMock([
      { url: flaky.url, secret: generateWebhookSecret() },
      { url: down.url, secret: generateWebhookSecret() },
    ]);
    mock.grant('u');
    await mock.webhooksIdle();

    expect(flaky.received).toHaveLength(2);
    expect(flaky.received[0]?.headers['webhook-id']).toBe(flaky.received[1]?.headers['webhook-id']);
    expect(down.received).toHaveLength(3); // 1 + webhookRetryDelays.length
    const byUrl = (url: string) => mock.webhookDeliveries.filter((d) => d.url === url).map((d) => [d.attempt, d.status, d.ok]);
    expect(byUrl(flaky.url)).toEqual([
      [1, 500, false],
      [2, 204, true],
    ]);
    expect(byUrl(down.url)).toEqual([
      [1, 503, false],
      [2, 503, false],
      [3, 503, false],
    ]);
    const listed = (await (await fetch(`${mock.url}/_mock/webhooks`)).json()) as { deliveries: unknown[] };
    expect(listed.deliveries).toHaveLength(5);
  });

  it('never blocks the control call on a receiver that hangs, and gives up after the timeout', async () => {
    const hanging = await receiver(() => undefined);
    const mock = await startMock([{ url: hanging.url, secret: generateWebhookSecret() }], { webhookRetryDelays: [], webhookTimeout: 50 });
    const res = await post(mock, '/_mock/subjects/u/grant');
    expect(res.status).toBe(201);
    await mock.webhooksIdle();
    expect(mock.webhookDeliveries).toEqual([expect.objectContaining({ attempt: 1, ok: false, error: expect.any(String) })]);
    expect(mock.webhookDeliveries[0]?.status).toBeUndefined();
  });

  it('does not follow a redirect to a URL nobody configured', async () => {
    const elsewhere = await receiver();
    const redirecting = await receiver((res) => res.writeHead(307, { location: elsewhere.url }).end());
    const mock = await startMock([{ url: redirecting.url, secret: generateWebhookSecret() }], { webhookRetryDelays: [] });
    mock.grant('u');
    await mock.webhooksIdle();
    expect(redirecting.received).toHaveLength(1);
    expect(elsewhere.received).toHaveLength(0);
    expect(mock.webhookDeliveries).toEqual([expect.objectContaining({ status: 307, ok: false })]);
  });

  it('sends nothing for calls that change nothing, and nothing without targets', async () => {
    const hook = await receiver();
    const mock = await startMock([{ url: hook.url, secret: generateWebhookSecret() }]);
    mock.revoke('nobody');
    mock.refund('nobody');
    mock.dispute('nobody');
    await mock.webhooksIdle();
    expect(hook.received).toEqual([]);

    const quiet = await startMock([]);
    quiet.grant('u');
    await quiet.webhooksIdle();
    expect(quiet.webhookDeliveries).toEqual([]);
  });

  it('rejects bad targets by name without echoing the secret', async () => {
    await expect(createMockLicenzy({ webhooks: [{ url: 'ftp://x', secret: generateWebhookSecret() }] })).rejects.toThrow(/webhooks\[0\]\.url/);
    const short = 'whsec_c2hvcnQ=';
    const error = await createMockLicenzy({ webhooks: [{ url: 'http://127.0.0.1:1/', secret: short }] }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(MockLicenzyConfigError);
    expect((error as Error).message).toMatch(/webhooks\[0\]\.secret/);
    expect((error as Error).message).not.toContain('c2hvcnQ');
    await expect(createMockLicenzy({ webhooks: [{ url: 'http://127.0.0.1:1/', secret: 'sk_live_123' }] })).rejects.toThrow(/whsec_/);
    await expect(createMockLicenzy({ webhookRetryDelays: [-1] })).rejects.toThrow(/webhookRetryDelays\[0\]/);
  });
});
