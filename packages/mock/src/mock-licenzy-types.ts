// The public shape of a running emulator: the MockLicenzy interface and its per-call mode option.
import type { LicenzyMode } from '@licenzy-gate/core';
import type { MockActiveFault, MockSubject } from './mock-control.js';
import type { MockFault, MockFaultHandle, MockFaultOptions } from './mock-faults.js';
import type { MockRequestLogEntry } from './mock-log.js';
import type { MockEntitlement, MockEntitlementInput } from './mock-state.js';
import type { MockWebhookDelivery } from './mock-webhooks.js';

/**
 * Which environment a state operation targets.
 * @example
 * mock.grant('user_1', undefined, { mode: 'live' });
 */
export interface MockModeOption {
  /** Default `'test'`. */
  mode?: LicenzyMode;
}

/**
 * A running Licenzy emulator. Create it with `createMockLicenzy`; always `await mock.close()` when done.
 * @example
 * const mock = await createMockLicenzy();
 * mock.grant('user_123');
 * const res = await fetch(`${mock.url}/v1/access/check`, {
 *   method: 'POST',
 *   headers: { authorization: `Bearer ${mock.testKey}`, 'content-type': 'application/json' },
 *   body: JSON.stringify({ subject_ref: 'user_123' }),
 * }); // 200 {"subject_ref":"user_123","allowed":true}
 * await mock.close();
 */
export interface MockLicenzy {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:53121`. */
  readonly url: string;
  /** The port actually bound. */
  readonly port: number;
  /** First accepted `lz_test_` key; throws `MockLicenzyConfigError` if `keys` had none. */
  readonly testKey: string;
  /** First accepted `lz_live_` key; throws `MockLicenzyConfigError` if `keys` had none. */
  readonly liveKey: string;
  /** Logged requests, oldest first (at most `maxLoggedRequests` entries and `maxLoggedBytes` bytes). */
  readonly requests: readonly MockRequestLogEntry[];
  /** Contract violations seen, as human-readable strings, oldest first (at most 1 MiB; each cut to 1,024 characters). */
  readonly violations: readonly string[];
  /** TCP connections accepted since start (not reset by `clearLog()`); 1 after N keep-alive requests. */
  readonly connections: number;
  /** Adds an entitlement (default: an active subscription without expiry) and returns a copy of it. */
  grant(subjectRef: string, entitlement?: MockEntitlementInput, options?: MockModeOption): MockEntitlement;
  /** Removes every entitlement of the subject in that mode. */
  revoke(subjectRef: string, options?: MockModeOption): void;
  /**
   * A full refund as Licenzy documents it: time passes expire now, usage packs drop to 0 units, subscriptions
   * become `past_due`. Returns copies of the subject's entitlements afterwards.
   */
  refund(subjectRef: string, options?: MockModeOption): MockEntitlement[];
  /**
   * Adds `units` (a positive integer) to the subject's usage pack, the latest `active`, unexpired one (spent or not);
   * grants a new pack of `units` when it has none. Returns a copy of the pack and whether it was created.
   */
  topUp(subjectRef: string, units: number, options?: MockModeOption): { entitlement: MockEntitlement; created: boolean };
  /** A payment dispute: every entitlement of the subject becomes `past_due`, so access ends. Returns copies. */
  dispute(subjectRef: string, options?: MockModeOption): MockEntitlement[];
  /** Every subject with entitlements, test mode first, each with its current access. */
  subjects(): MockSubject[];
  /** Scripted faults that still have uses left, oldest first. */
  activeFaults(): MockActiveFault[];
  /** Webhook delivery attempts, oldest first (secrets never included). */
  readonly webhookDeliveries: readonly MockWebhookDelivery[];
  /** Resolves once every webhook queued so far was delivered or given up on (retries included). */
  webhooksIdle(): Promise<void>;
  /** URL of the console page (`${url}/`). */
  readonly consoleUrl: string;
  /** The mock's clock (the `now` option, else `Date.now`), in epoch milliseconds. */
  now(): number;
  /** Copies of the subject's entitlements in that mode, e.g. to assert remaining usage. */
  entitlements(subjectRef: string, options?: MockModeOption): MockEntitlement[];
  /** Clears all state: entitlements, idempotency keys, faults, the log, violations and webhook deliveries. Latency is kept. */
  reset(): void;
  /** Scripts a fault for the next `times` matching requests (FIFO). */
  fault(fault: MockFault, options?: MockFaultOptions): MockFaultHandle;
  /** Withdraws every scripted fault. */
  clearFaults(): void;
  /** Sets the latency in milliseconds added before every response. */
  setLatency(ms: number): void;
  /** Requests seen for `'POST /v1/access/check'`, for `'/v1/access/check'` (any method), or in total. */
  count(pathOrEndpoint?: string): number;
  /** Requests seen per endpoint, e.g. `{ 'POST /v1/access/check': 3 }`. */
  counts(): Record<string, number>;
  /** Clears the request log, counts and violations. */
  clearLog(): void;
  /** Stops listening and destroys every open socket, hung requests included. Idempotent. */
  close(): Promise<void>;
}
