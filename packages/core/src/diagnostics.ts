// The events licenzy-gate publishes on node:diagnostics_channel: decisions, Licenzy calls, the circuit, invalidations.
// Nothing is built or published while nobody subscribes. No payload ever holds the API key.
import { channel, tracingChannel } from 'node:diagnostics_channel';
import type { LicenzyMode } from './config.js';
import type { AccessDecision } from './gate.js';

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
  readonly stats: () => { size: number; circuit: 'closed' | 'open' | 'half-open' };
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
  readonly from: 'closed' | 'open' | 'half-open';
  readonly to: 'closed' | 'open' | 'half-open';
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

export const checkChannel = tracingChannel<CheckEvent>(CHANNELS.check);
export const upstreamChannel = tracingChannel<UpstreamEvent>(CHANNELS.upstream);
export const circuitChannel = channel(CHANNELS.circuit);
export const invalidateChannel = channel(CHANNELS.invalidate);
export const failOpenChannel = channel(CHANNELS.failOpen);
