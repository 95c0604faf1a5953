// The words every layer passes along (decisions, charges, Licenzy's answers, the circuit's state); no engine here.
import type { LicenzyMode } from './config.js';

/** Where a decision came from: a Licenzy answer just now, the fresh cache, or a stale entry during an outage. */
export type DecisionSource = 'licenzy' | 'cache' | 'stale';

/** The gate's answer for one subject. Frozen; the same object may be handed to many requests. */
export interface AccessDecision {
  readonly subjectRef: string;
  readonly allowed: boolean;
  readonly source: DecisionSource;
  /** When Licenzy gave this answer: wall-clock ms (`Date.now()`), or the injected `now`. For display; never for expiry. */
  readonly checkedAt: number;
  /** The key's mode the answer holds for. */
  readonly mode: LicenzyMode;
}

/** What a metered request was charged, on the request decision as `usage` (`req.licenzy.usage`, …). */
export interface UsageCharge {
  /** Units this request costs. */
  readonly units: number;
  /** Units Licenzy took for this request: `units` when charged before the handler, `0` otherwise. */
  readonly consumed: number;
  /** Units left after the charge (or, with `charge: 'after'`, before it), when Licenzy said. */
  readonly remaining: number | undefined;
  /**
   * `'licenzy'`: charged before the handler; `'after'`: charged once the response is 2xx/3xx (`charge: 'after'`);
   * `'fail-open'`: not charged, Licenzy was unavailable and the route opted in with `onUnavailable: 'allow'`.
   */
  readonly source: 'licenzy' | 'after' | 'fail-open';
}

/** A decision as adapters put it on the request; `fail-open` marks an outage let through by `onUnavailable: 'allow'`. */
export interface RequestDecision extends Omit<AccessDecision, 'source'> {
  readonly source: AccessDecision['source'] | 'fail-open';
  /** On a metered route (`requireUsage()`): what this request was charged. */
  readonly usage?: UsageCharge;
  /**
   * `false` on a report-only route (`reportOnly`): the handler ran whatever this decision says, so an app may show a
   * banner instead of blocking. Absent where the gate enforced the decision. Read `allowed` for what Licenzy said:
   * a report-only denial is `allowed: false`, never a grant.
   */
  readonly enforced?: false;
}

/** The request decision on a metered route: who, and what it cost. */
export interface UsageDecision extends RequestDecision {
  readonly usage: UsageCharge;
}

/** The circuit breaker's state: `closed` (calling Licenzy), `open` (failing fast), `half-open` (one probe let through). */
export type CircuitState = 'closed' | 'open' | 'half-open';

/** Per-call options. */
export interface CallOptions {
  /** Aborts this call (answer: `ERR_LICENZY_ABORTED`). */
  signal?: AbortSignal;
}

/** Answer of `POST /v1/access/check`. */
export interface AccessCheckResult {
  subjectRef: string;
  allowed: boolean;
}

/** One entitlement row of the customer access summary; unknown fields are kept. */
export interface EntitlementSummary {
  kind?: string;
  status?: string;
  available?: boolean;
  usage_remaining?: number | null;
  availability_reason?: string;
  expires_at?: string | null;
  [field: string]: unknown;
}

/** Answer of `GET /v1/customer/access/:subject_ref`. */
export interface CustomerAccess {
  subjectRef: string;
  hasAccess: boolean;
  status: string | undefined;
  entitlements: EntitlementSummary[];
  /** The whole JSON body as received. */
  raw: Record<string, unknown>;
}

/** Answer of `POST /v1/usage/consume`: running out of units is a result, not an error. */
export type ConsumeUsageResult =
  | { ok: true; consumed: number; usageRemaining: number | undefined }
  | { ok: false; reason: 'insufficient_usage' };
