// Outbound webhooks of the Licenzy emulator: secrets, signing (core's signStandardWebhook) and async delivery with bounded retries.
import { randomBytes } from 'node:crypto';
import { signStandardWebhook, type LicenzyMode } from '@licenzy-gate/core';
import { wait } from './mock-http.js';
import { MockLicenzyConfigError } from './mock-config-error.js';

/**
 * Event types the emulator sends; the names are the ones Licenzy documents for its outbound webhooks.
 * @example
 * const type: MockWebhookType = 'entitlement.updated';
 */
export type MockWebhookType =
  | 'purchase.finalized'
  | 'entitlement.updated'
  | 'usage.consumed'
  | 'subscription.updated'
  | 'subscription.deleted';

/**
 * Where the emulator sends webhooks. `secret` is a Standard Webhooks secret: `whsec_` then base64 of 24–64 random bytes.
 * @example
 * createMockLicenzy({ webhooks: [{ url: 'http://127.0.0.1:3000/licenzy/webhook', secret: generateWebhookSecret() }] });
 */
export interface MockWebhookTarget {
  /** An `http:` or `https:` URL. Redirects are never followed. */
  url: string;
  /** `whsec_…`; the HMAC key is the base64-decoded part after `whsec_`. */
  secret: string;
}

/**
 * The JSON body of one webhook.
 * @example
 * { type: 'entitlement.updated', id: 'msg_…', created_at: '2026-01-01T00:00:00.000Z', data: { subject_ref: 'u', mode: 'test', has_access: false } }
 */
export interface MockWebhookPayload {
  type: MockWebhookType;
  /** The same value as the `webhook-id` header, unchanged across retries, so a receiver can drop duplicates. */
  id: string;
  /** ISO time from the mock's clock. */
  created_at: string;
  data: { subject_ref: string; mode: LicenzyMode; [field: string]: unknown };
}

/**
 * One delivery attempt, as kept in `mock.webhookDeliveries` and `GET /_mock/webhooks`. Never contains the secret.
 * @example
 * expect(mock.webhookDeliveries.at(-1)).toMatchObject({ type: 'entitlement.updated', ok: true, status: 204 });
 */
export interface MockWebhookDelivery {
  /** The webhook's id (`webhook-id`). */
  id: string;
  type: MockWebhookType;
  url: string;
  /** 1 for the first try. */
  attempt: number;
  /** True for a 2xx answer. */
  ok: boolean;
  /** The receiver's status, when it answered. */
  status?: number;
  /** Why the attempt failed without a status (timeout, connection refused, …). */
  error?: string;
  /** When the attempt ended, from the mock's clock (epoch ms). */
  at: number;
}

const SECRET_PREFIX = 'whsec_';

/**
 * A fresh Standard Webhooks secret: `whsec_` and base64 of 32 random bytes.
 * @example
 * const secret = generateWebhookSecret(); // 'whsec_3q2+7w…'
 */
export function generateWebhookSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString('base64');
}

/**
 * The `webhook-signature` value for one message: `v1,` and the base64 HMAC-SHA256 of `${id}.${timestamp}.${body}`
 * keyed with the base64-decoded part of the secret after `whsec_`.
 * @example
 * signWebhook(secret, 'msg_1', 1767225600, '{"type":"entitlement.updated"}'); // 'v1,K5oZ…='
 */
export function signWebhook(secret: string, id: string, timestamp: number, body: string): string {
  // Written once, in core: the receiver verifies with the same code the emulator signs with.
  return signStandardWebhook({ secret, id, timestamp, body })['webhook-signature'];
}

/**
 * Validates webhook targets; throws {@link MockLicenzyConfigError} naming the bad entry (never echoing a secret).
 * @example
 * checkWebhookTargets([{ url: 'http://127.0.0.1:3000/hook', secret }]);
 */
export function checkWebhookTargets(targets: unknown): MockWebhookTarget[] {
  if (!Array.isArray(targets)) throw new MockLicenzyConfigError('webhooks', 'expected an array of { url, secret }');
  return targets.map((target: unknown, index) => {
    const name = `webhooks[${index}]`;
    if (target === null || typeof target !== 'object') throw new MockLicenzyConfigError(name, 'expected { url, secret }');
    const { url, secret } = target as Record<string, unknown>;
    let parsed: URL | undefined;
    try {
      parsed = typeof url === 'string' ? new URL(url) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
      throw new MockLicenzyConfigError(`${name}.url`, 'expected an http: or https: URL');
    }
    const key = typeof secret === 'string' && secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : undefined;
    const bytes = key !== undefined && /^[A-Za-z0-9+/]+={0,2}$/.test(key) ? Buffer.from(key, 'base64').length : 0;
    if (bytes < 24 || bytes > 64) {
      throw new MockLicenzyConfigError(`${name}.secret`, 'expected "whsec_" followed by base64 of 24 to 64 bytes');
    }
    return { url: parsed.href, secret: secret as string };
  });
}

/**
 * Sends signed webhooks to configured targets only, in the background: `send()` returns at once, each target is
 * tried up to `1 + retryDelays.length` times, and every attempt is logged.
 * @example
 * const sender = new WebhookSender(targets, { now: Date.now, retryDelays: [0], timeout: 1000, signal });
 * sender.send('entitlement.updated', { subject_ref: 'u', mode: 'test' }); await sender.idle();
 */
export class WebhookSender {
  /** Attempts, oldest first (at most `maxDeliveries`). */
  readonly deliveries: MockWebhookDelivery[] = [];
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly targets: readonly MockWebhookTarget[],
    private readonly options: { now: () => number; retryDelays: readonly number[]; timeout: number; signal: AbortSignal; maxDeliveries?: number },
  ) {}

  /** Queues one event for every target; does nothing when no target is configured. */
  send(type: MockWebhookType, data: MockWebhookPayload['data']): void {
    if (this.targets.length === 0) return;
    const id = `msg_${randomBytes(12).toString('base64url')}`;
    const createdAt = this.options.now();
    const body = JSON.stringify({ type, id, created_at: new Date(createdAt).toISOString(), data } satisfies MockWebhookPayload);
    for (const target of this.targets) {
      const delivery = this.deliver(target, id, type, Math.floor(createdAt / 1000), body).finally(() => this.pending.delete(delivery));
      this.pending.add(delivery);
    }
  }

  /** Resolves once every queued delivery has succeeded or given up. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  /** Forgets the attempt log. */
  clear(): void {
    this.deliveries.length = 0;
  }

  private async deliver(target: MockWebhookTarget, id: string, type: MockWebhookType, timestamp: number, body: string): Promise<void> {
    // Yield first, so the control call that caused the event answers before any delivery starts.
    await new Promise<void>((resolve) => setImmediate(resolve));
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'licenzy-mock',
      ...signStandardWebhook({ secret: target.secret, id, timestamp, body }),
    };
    const delays = [0, ...this.options.retryDelays];
    for (let attempt = 1; attempt <= delays.length; attempt += 1) {
      if (!(await wait(delays[attempt - 1] ?? 0, this.options.signal)) || this.options.signal.aborted) return;
      const record: MockWebhookDelivery = { id, type, url: target.url, attempt, ok: false, at: 0 };
      try {
        const res = await fetch(target.url, {
          method: 'POST',
          headers,
          body,
          // A redirect could carry the signed event to a host nobody configured.
          redirect: 'manual',
          signal: AbortSignal.any([this.options.signal, AbortSignal.timeout(this.options.timeout)]),
        });
        await res.arrayBuffer().catch(() => undefined);
        record.status = res.status;
        record.ok = res.status >= 200 && res.status < 300;
      } catch (err) {
        record.error = err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
      }
      record.at = this.options.now();
      this.deliveries.push(record);
      if (this.deliveries.length > (this.options.maxDeliveries ?? 1000)) this.deliveries.shift();
      if (record.ok) return;
    }
  }
}
