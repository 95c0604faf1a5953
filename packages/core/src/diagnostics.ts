// The events licenzy-gate publishes on node:diagnostics_channel: decisions, Licenzy calls, the circuit, invalidations.
// Nothing is built or published while nobody subscribes. No payload ever holds the API key.
import { diagnosticsChannel } from './node-builtins.js';

const { channel, tracingChannel } = diagnosticsChannel;
import type { LicenzyMode } from './config.js';
import type { ProblemCode } from './problem.js';
import type { AccessDecision, CircuitState } from './vocabulary.js';

/** Channel names, for `diagnostics_channel.subscribe(name, …)` / `tracingChannel(name)`. */
export const CHANNELS = Object.freeze({
  /** TracingChannel: one trace per gate decision (cache hits included). Context: {@link CheckEvent}. */
  check: 'licenzy-gate:check',
  /** TracingChannel: one trace per Licenzy HTTP attempt. Context: {@link UpstreamEvent}. */
  upstream: 'licenzy-gate:upstream',
  /** Channel: circuit transitions. Message: {@link CircuitEvent}. */
  circuit: 'licenzy-gate:circuit',
  /** Channel: forgotten decisions. Message: {@link InvalidateEvent}. */
  invalidate: 'licenzy-gate:invalidate',
  /** Channel: a request let through by `onUnavailable: 'allow'`. Message: {@link FailOpenEvent}. */
  failOpen: 'licenzy-gate:fail-open',
  /** Channel: the shared tier's errors, recoveries and resets (published by the tier, e.g. @licenzy-gate/redis). */
  shared: 'licenzy-gate:shared',
  /** Channel: usage charges and what happened around them (metered routes). Message: {@link UsageEvent}. */
  usage: 'licenzy-gate:usage',
  /** Channel: a request a report-only route let through that enforcement would have refused. Message: {@link ReportEvent}. */
  report: 'licenzy-gate:report',
});

/**
 * Context of a `licenzy-gate:check` trace. `start` carries the question; after it, `result` holds the decision
 * (`allowed`, `source`: `licenzy`, `cache` or `stale`) or `error` the typed refusal (`code`, `status`).
 */
export interface CheckEvent {
  readonly subjectRef: string;
  readonly mode: LicenzyMode;
  readonly fresh: boolean;
  /** `gate.stats()` of the deciding gate, for gauges (cache size, circuit state). */
  readonly stats: () => { size: number; circuit: CircuitState };
  result?: AccessDecision;
  error?: unknown;
}

/** The Licenzy operation of an attempt. */
export type UpstreamOperation = 'access.check' | 'customer.access' | 'entitlements' | 'usage.consume';

/**
 * Context of a `licenzy-gate:upstream` trace, one per HTTP attempt. A `start` subscriber may add propagation headers
 * (e.g. W3C `traceparent`) to `headers`; they are sent with the attempt (never overriding ours). After it,
 * `result.statusCode` or `error`, and `duration` in ms.
 */
export interface UpstreamEvent {
  readonly operation: UpstreamOperation;
  /** 1 for the first attempt of a call, 2 for the first retry, … */
  readonly attempt: number;
  readonly method: string;
  /** The path with the subject replaced by `{subject_ref}`: no subject, no key. */
  readonly urlTemplate: string;
  readonly serverAddress: string;
  readonly serverPort: number;
  readonly headers: Record<string, string>;
  result?: { statusCode: number };
  error?: unknown;
  duration?: number;
}

/** Message of `licenzy-gate:circuit`. */
export interface CircuitEvent {
  readonly mode: LicenzyMode;
  readonly from: CircuitState;
  readonly to: CircuitState;
}

/** Message of `licenzy-gate:invalidate`. `subjectRef` is absent when every decision was forgotten (`clear()`). */
export interface InvalidateEvent {
  readonly mode: LicenzyMode;
  /** `local`: this process called invalidate/clear; `broadcast`: another instance did (shared tier); `webhook`: a Licenzy webhook. */
  readonly reason: 'local' | 'broadcast' | 'webhook';
  readonly subjectRef?: string;
}

/** Message of `licenzy-gate:fail-open`. */
export interface FailOpenEvent {
  readonly mode: LicenzyMode;
  readonly subjectRef: string;
  /** Why Licenzy could not decide (`ERR_LICENZY_UNAVAILABLE`). */
  readonly code: string;
}

/**
 * Message of `licenzy-gate:usage`. `type`:
 * - `charged`: Licenzy took `units` (`remaining` after it, when Licenzy said);
 * - `exhausted`: Licenzy answered `409 insufficient_usage` (nothing taken);
 * - `failed`: the charge could not be made or confirmed (`error`: outage, conflict, malformed answer). After a
 *   timeout the charge may still have happened at Licenzy; a retry with the same `idempotencyKey` cannot double it;
 * - `handler_failed`: the route was charged (`charge: 'before'`) but its response was a 5xx (`status`), or the
 *   connection closed before the response was complete (`status` absent): the customer paid for nothing. Refund or
 *   reconcile from here (the `idempotencyKey` identifies the event at Licenzy);
 * - `overspent`: `charge: 'after'` served a response, then Licenzy refused the charge (concurrent requests spent the
 *   units first): the customer got this one for free.
 * Never holds the API key; `idempotencyKey` is the key sent to Licenzy (derived and hashed, never the client's header).
 */
export interface UsageEvent {
  readonly type: 'charged' | 'exhausted' | 'failed' | 'handler_failed' | 'overspent';
  readonly mode: LicenzyMode;
  readonly subjectRef: string;
  readonly units: number;
  readonly idempotencyKey: string;
  /** Method and URL of the metered request (adapters only). */
  readonly route?: string;
  readonly remaining?: number;
  /** The response status (`handler_failed`). */
  readonly status?: number;
  readonly error?: unknown;
}

/**
 * Message of `licenzy-gate:report`: one per request a report-only route (`reportOnly`) served that enforcement would
 * have refused, published once its decision is known (at once on a cache hit, else when the background check ends).
 */
export interface ReportEvent {
  /** The route's pattern (`/pro/:id`, with the router's mount path), never the raw URL; `(unknown route)` when none is known. */
  readonly route: string;
  readonly method: string;
  /** The problem code enforcement would have answered (`access_denied`, `subject_required`, `usage_exhausted`, …). */
  readonly code: ProblemCode;
  /** The subject, when one was resolved (absent for `subject_required` and a resolver that failed). */
  readonly subjectRef: string | undefined;
  /**
   * What decided it: `cache` (a cached decision, at once), `licenzy` (the background check: an answer or a failure to
   * get one), `stale` (a stale decision during an outage), `request` (refused before any decision: no or an invalid
   * subject, a failing resolver), `usage` (a metered route: the subject's usage summary, or a failure to load it).
   */
  readonly source: 'cache' | 'licenzy' | 'stale' | 'request' | 'usage';
}

type Traced<T extends object> = ReturnType<typeof tracingChannel<T>>;

/**
 * Gives a TracingChannel the `hasSubscribers` flag where the runtime lacks it (Bun 1.4's has none: read as
 * `undefined`, every decision and Licenzy call went unpublished there, so `@licenzy-gate/otel` saw nothing). The flag
 * is then true while any of its five channels has a subscriber, as Node defines it. Node's own getter is kept as is.
 */
export function withSubscriberFlag<T extends object>(traced: Traced<T>): Traced<T> {
  if (typeof traced.hasSubscribers === 'boolean') return traced;
  Object.defineProperty(traced, 'hasSubscribers', {
    configurable: true,
    get: () =>
      traced.start.hasSubscribers || traced.end.hasSubscribers || traced.asyncStart.hasSubscribers ||
      traced.asyncEnd.hasSubscribers || traced.error.hasSubscribers,
  });
  return traced;
}

export const checkChannel = withSubscriberFlag(tracingChannel<CheckEvent>(CHANNELS.check));
export const upstreamChannel = withSubscriberFlag(tracingChannel<UpstreamEvent>(CHANNELS.upstream));
export const circuitChannel = channel(CHANNELS.circuit);
export const invalidateChannel = channel(CHANNELS.invalidate);
export const failOpenChannel = channel(CHANNELS.failOpen);
export const usageChannel = channel(CHANNELS.usage);
export const reportChannel = channel(CHANNELS.report);
