// The HTTP client for Licenzy's runtime endpoints: each endpoint's request and validated answer (transport apart).
import { parseClientOptions, type LicenzyClientOptions } from './client-options.js';
import { createTransport, type Endpoint } from './client-transport.js';
import type { LicenzyMode } from './config.js';
import { LicenzyResponseError, LicenzySubjectInvalidError, type UpstreamRequest } from './errors.js';
import { deriveSharedScope, type SharedTierScope } from './shared-tier.js';
import { validateSubjectRef } from './subject.js';
import { chargedExactly, requireIdempotencyKey, requireUnits } from './usage-input.js';
import type { AccessCheckResult, CallOptions, ConsumeUsageResult, CustomerAccess, EntitlementSummary } from './vocabulary.js';

export { CLIENT_OPTION_KEYS } from './client-options.js';
export type { FetchLike, LicenzyClientOptions } from './client-options.js';
export type { AccessCheckResult, CallOptions, ConsumeUsageResult, CustomerAccess, EntitlementSummary } from './vocabulary.js';

/**
 * A Licenzy client bound to one key and so to one mode: the full HTTP client (every endpoint, its base URL). The gate
 * needs less: an `AccessChecker`, which this is.
 */
export interface LicenzyClient {
  /** `test` or `live`, from the key prefix. */
  readonly mode: LicenzyMode;
  /** The base URL in use (no secret in it). */
  readonly baseUrl: string;
  /** `POST /v1/access/check` with exactly `{"subject_ref": …}`. */
  checkAccess(subjectRef: string, options?: CallOptions): Promise<AccessCheckResult>;
  /** `GET /v1/customer/access/:subject_ref`. */
  getCustomerAccess(subjectRef: string, options?: CallOptions): Promise<CustomerAccess>;
  /** `GET /v1/entitlements/:subject_ref`; the row shape is not documented, so the JSON body is returned as is. */
  getEntitlements(subjectRef: string, options?: CallOptions): Promise<Record<string, unknown>>;
  /** `POST /v1/usage/consume`; the idempotency key identifies the business event and is reused on every retry. */
  consumeUsage(subjectRef: string, units: number, options: CallOptions & { idempotencyKey: string }): Promise<ConsumeUsageResult>;
}

/** The scope (namespace and shared-tier secret) of each client this module built, kept off the object itself. */
/**
 * The one status a consume succeeds with: 200, as Licenzy answers `{"ok":true,"consumed":…}`. Every other 2xx (201
 * created, 202 queued, 204 nothing) is a malformed answer, and 409 `insufficient_usage` is the only refusal.
 */
export const CONSUME_SUCCESS_STATUS = 200;

const clientScopes = new WeakMap<object, SharedTierScope>();

/** The scope of a client made by {@link createLicenzyClient}; `undefined` for any other object. */
export function scopeOfClient(client: object): SharedTierScope | undefined {
  return clientScopes.get(client);
}

/**
 * Creates a Licenzy client. Validates every option up front (a {@link LicenzyConfigError} names the option).
 *
 * @example
 * const licenzy = createLicenzyClient({ apiKey: process.env.LICENZY_API_KEY, baseUrl: 'https://licenzy.example' })
 * const { allowed } = await licenzy.checkAccess('user_123')
 */
export function createLicenzyClient(options: LicenzyClientOptions = {}): LicenzyClient {
  // Options are parsed (and every bad one named) in one place; what follows is behaviour only.
  const config = parseClientOptions(options);
  const { apiKey, mode, baseUrl } = config;
  const call = createTransport(config);

  function subjectPath(prefix: string, subjectRef: string): string {
    const subject = validateSubjectRef(subjectRef);
    // URL parsing resolves "." and ".." segments even when percent-encoded, so no encoding can carry them:
    // the request would reach another endpoint with our key.
    if (subject === '.' || subject === '..') {
      throw new LicenzySubjectInvalidError('subject_ref "." or ".." cannot be sent in a URL path');
    }
    return prefix + encodeURIComponent(subject);
  }

  const client: LicenzyClient = {
    mode,
    baseUrl,

    async checkAccess(subjectRef, callOptions = {}) {
      const subject = validateSubjectRef(subjectRef);
      const endpoint: Endpoint = { operation: 'access.check', method: 'POST', path: '/v1/access/check', template: '/v1/access/check' };
      const { body, status, request } = await call({ endpoint, body: { subject_ref: subject }, signal: callOptions.signal });
      const record = asRecord(body, status, request);
      if (typeof record.allowed !== 'boolean') throw new LicenzyResponseError('Licenzy answer has no boolean `allowed`', { upstreamStatus: status, request });
      if (record.subject_ref !== subject) throw new LicenzyResponseError('Licenzy answered for a different subject_ref', { upstreamStatus: status, request });
      return { subjectRef: subject, allowed: record.allowed };
    },

    async getCustomerAccess(subjectRef, callOptions = {}) {
      const path = subjectPath('/v1/customer/access/', subjectRef);
      const endpoint: Endpoint = { operation: 'customer.access', method: 'GET', path, template: '/v1/customer/access/{subject_ref}' };
      const { body, status, request } = await call({ endpoint, signal: callOptions.signal });
      const record = asRecord(body, status, request);
      if (record.subject_ref !== subjectRef) throw new LicenzyResponseError('Licenzy answered for a different subject_ref', { upstreamStatus: status, request });
      if (typeof record.has_access !== 'boolean') throw new LicenzyResponseError('Licenzy answer has no boolean `has_access`', { upstreamStatus: status, request });
      const rows = Array.isArray(record.entitlements) ? record.entitlements : [];
      return {
        subjectRef,
        hasAccess: record.has_access,
        status: typeof record.status === 'string' ? record.status : undefined,
        entitlements: rows.filter((row): row is EntitlementSummary => typeof row === 'object' && row !== null && !Array.isArray(row)),
        raw: record,
      };
    },

    async getEntitlements(subjectRef, callOptions = {}) {
      const path = subjectPath('/v1/entitlements/', subjectRef);
      const endpoint: Endpoint = { operation: 'entitlements', method: 'GET', path, template: '/v1/entitlements/{subject_ref}' };
      const { body, status, request } = await call({ endpoint, signal: callOptions.signal });
      return asRecord(body, status, request);
    },

    async consumeUsage(subjectRef, units, callOptions) {
      const subject = validateSubjectRef(subjectRef);
      requireUnits(units);
      const idempotencyKey = requireIdempotencyKey(callOptions?.idempotencyKey);
      const endpoint: Endpoint = { operation: 'usage.consume', method: 'POST', path: '/v1/usage/consume', template: '/v1/usage/consume' };
      const { body, status, request } = await call({
        endpoint, body: { subject_ref: subject, units }, headers: { 'idempotency-key': idempotencyKey }, signal: callOptions.signal,
        accept: (s) => s === 409,
      });
      const record = asRecord(body, status, request);
      if (status === 409) {
        if (record.error === 'insufficient_usage') return { ok: false, reason: 'insufficient_usage' };
        throw new LicenzyResponseError('Licenzy refused the usage event (409)', { upstreamStatus: status, request });
      }
      // Success is 200 with exactly the units asked (issue 23, item 9): a 201/202/204 (created, queued, nothing) or a
      // `consumed` of 0, fewer or a fraction is not the charge the route is about to serve, so it is malformed (503).
      if (status !== CONSUME_SUCCESS_STATUS || record.ok !== true || !chargedExactly(record.consumed, units)) {
        throw new LicenzyResponseError('Licenzy usage answer is malformed', { upstreamStatus: status, request });
      }
      return {
        ok: true,
        consumed: units,
        usageRemaining: typeof record.usage_remaining === 'number' ? record.usage_remaining : undefined,
      };
    },
  };
  clientScopes.set(client, deriveSharedScope(apiKey, mode, baseUrl));
  return client;
}

function asRecord(body: unknown, status: number, request: UpstreamRequest): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new LicenzyResponseError('Licenzy answer is not a JSON object', { upstreamStatus: status, request });
  }
  return body as Record<string, unknown>;
}

