// LicenzyGateInstrumentation: licenzy-gate's diagnostics channels turned into OpenTelemetry metrics and spans.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { context, propagation, SpanKind, SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';
import { InstrumentationBase, type InstrumentationConfig } from '@opentelemetry/instrumentation';
import type { CheckEvent, CircuitEvent, FailOpenEvent, InvalidateEvent, ReportEvent, UpstreamEvent } from '@licenzy-gate/core';
import { GateRegistry } from './gate-registry.js';
import { AttributeCache, createInstruments, DecisionTally, type GateInstruments } from './metrics.js';
import { ATTR, CHANNEL, FEATURE_FLAG_EVENT, FEATURE_FLAG_KEY } from './names.js';
import { errorTypeOf, refusalOf, unavailableReasonOf } from './refusal.js';
import { PACKAGE_NAME, PACKAGE_VERSION } from './version.js';

/**
 * Options of {@link LicenzyGateInstrumentation}.
 *
 * @example
 * // Metrics and client spans only: leave the request span alone
 * new LicenzyGateInstrumentation({ featureFlagEvents: false, requestSpanAttributes: false })
 */
export interface LicenzyGateInstrumentationConfig extends InstrumentationConfig {
  /**
   * Add a `feature_flag.evaluation` event (OpenTelemetry feature-flag conventions, flag `licenzy.access`) to the
   * active span for every decision, cache hits included. Default `true`.
   */
  featureFlagEvents?: boolean;
  /**
   * Set `licenzy.decision.source`, `licenzy.decision.allowed` and, on a refusal, `licenzy.refusal.code` on the
   * active span (normally the HTTP server span of the request). Default `true`.
   */
  requestSpanAttributes?: boolean;
}

/** Where a decision came from, as counted: the gate's sources plus `error` and `fail-open`. */
type CountedSource = 'licenzy' | 'cache' | 'stale' | 'error' | 'fail-open';

const FLAG_REASON: Readonly<Record<CountedSource, string>> = Object.freeze({
  licenzy: 'targeting_match',
  cache: 'cached',
  stale: 'stale',
  error: 'error',
  'fail-open': 'default',
});

type Listener = (message: unknown, name: string | symbol) => void;

/** Most distinct `http.route` values of `licenzy.gate.would_refuse`; later ones are counted as `_OTHER`. */
const MAX_REPORT_ROUTES = 200;
/** `http.request.method` values kept as they are (the HTTP semantic conventions' known methods); others are `_OTHER`. */
const HTTP_METHODS: ReadonlySet<string> = new Set(['CONNECT', 'DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT', 'TRACE', 'QUERY']);

/**
 * OpenTelemetry instrumentation for licenzy-gate. It patches no module: `enable()` subscribes to the gate's
 * `node:diagnostics_channel` events and `disable()` unsubscribes, so it can be enabled before or after the gate
 * is created, and the hit path pays nothing while it is disabled.
 *
 * - Metrics: `licenzy.gate.decisions`, `licenzy.client.request.duration` (s), `licenzy.gate.cache.entries`,
 *   `licenzy.gate.circuit.state`, `licenzy.gate.circuit.transitions`, `licenzy.gate.invalidations`,
 *   `licenzy.shared.events`, `licenzy.gate.would_refuse` (report-only routes: `http.route`, `http.request.method`,
 *   `licenzy.refusal.code`). No metric attribute ever holds a subject.
 * - Traces: a CLIENT span per Licenzy HTTP attempt, child of the active span, whose W3C `traceparent` (from the
 *   global propagator) is sent with the attempt; the decision and, on a refusal, why, on the active span.
 *
 * @example
 * import { registerInstrumentations } from '@opentelemetry/instrumentation';
 * import { LicenzyGateInstrumentation } from '@licenzy-gate/otel';
 *
 * registerInstrumentations({ instrumentations: [new LicenzyGateInstrumentation()] });
 *
 * @example
 * // Without the global providers (tests, or several SDKs in one process)
 * const instrumentation = new LicenzyGateInstrumentation({ enabled: false });
 * instrumentation.setMeterProvider(meterProvider);
 * instrumentation.setTracerProvider(tracerProvider);
 * instrumentation.enable();
 */
export class LicenzyGateInstrumentation extends InstrumentationBase<LicenzyGateInstrumentationConfig> {
  // The base constructor calls `_updateMetricInstruments()` and `enable()` before this class's fields would be
  // initialised, so state is declared (not initialised) and created on first use.
  declare private _instruments: GateInstruments | undefined;
  declare private _gates: GateRegistry | undefined;
  declare private _listeners: Array<[string, Listener]> | undefined;
  declare private _attributes: AttributeCache | undefined;
  declare private _decisions: DecisionTally | undefined;
  declare private _clientSpans: WeakMap<UpstreamEvent, Span> | undefined;
  declare private _reportRoutes: Set<string> | undefined;

  /**
   * @param config `enabled` (default `true`: subscribe at once), `featureFlagEvents` (default `true`),
   * `requestSpanAttributes` (default `true`).
   */
  constructor(config: LicenzyGateInstrumentationConfig = {}) {
    super(PACKAGE_NAME, PACKAGE_VERSION, config);
  }

  /** No module to patch: the gate publishes on diagnostics channels by itself. */
  protected override init(): undefined {
    return undefined;
  }

  protected override _updateMetricInstruments(): void {
    this._instruments?.detach();
    // Totals live here, not on the instruments: a new meter provider goes on from them.
    this._instruments = createInstruments(this.meter, {
      gates: () => (this._listeners === undefined ? [] : this.gates().snapshot()),
      decisions: () => (this._listeners === undefined ? undefined : this._decisions),
    });
  }

  /** Subscribes to every licenzy-gate channel (idempotent). */
  override enable(): void {
    super.enable();
    if (this._listeners !== undefined) return;
    const listeners: Array<[string, Listener]> = [
      [CHANNEL.checkEnd, this.guarded((event: CheckEvent) => this.onCheckEnd(event))],
      [CHANNEL.checkAsyncEnd, this.guarded((event: CheckEvent) => this.onCheckSettled(event))],
      [CHANNEL.upstreamStart, this.guarded((event: UpstreamEvent) => this.onUpstreamStart(event))],
      [CHANNEL.upstreamAsyncEnd, this.guarded((event: UpstreamEvent) => this.onUpstreamSettled(event))],
      [CHANNEL.failOpen, this.guarded((event: FailOpenEvent) => this.onFailOpen(event))],
      [CHANNEL.circuit, this.guarded((event: CircuitEvent) => this.onCircuit(event))],
      [CHANNEL.invalidate, this.guarded((event: InvalidateEvent) => this.onInvalidate(event))],
      [CHANNEL.shared, this.guarded((event: { type?: unknown }) => this.onShared(event))],
      [CHANNEL.report, this.guarded((event: ReportEvent) => this.onReport(event))],
    ];
    for (const [name, listener] of listeners) subscribe(name, listener);
    this._listeners = listeners;
  }

  /** Unsubscribes from every channel and forgets the gates seen; the gauges report nothing until re-enabled. */
  override disable(): void {
    super.disable();
    const listeners = this._listeners;
    this._listeners = undefined;
    for (const [name, listener] of listeners ?? []) unsubscribe(name, listener);
    this._gates?.clear();
  }

  private gates(): GateRegistry {
    return (this._gates ??= new GateRegistry());
  }

  private attributes(): AttributeCache {
    return (this._attributes ??= new AttributeCache());
  }

  /**
   * A subscriber that throws would surface as an uncaught exception in the app: never let one escape. Built once
   * per subscription, so an event costs no allocation here.
   */
  private guarded<T>(handle: (event: T) => void): Listener {
    return (message) => {
      try {
        handle(message as T);
      } catch (error) {
        this._diag.error('licenzy-gate instrumentation failed to record an event', error);
      }
    };
  }

  /** `end` of a `gate.peek()` hit (traceSync: the result is set); a `gate.check()` ends in `asyncEnd` instead. */
  private onCheckEnd(event: CheckEvent): void {
    if (event.result !== undefined) this.onCheckSettled(event);
  }

  private onCheckSettled(event: CheckEvent): void {
    this.gates().add(event.stats, event.mode);
    const result = event.result;
    if (result !== undefined) {
      const allowed = result.allowed === true;
      this.recordDecision(result.source, allowed, event.mode, undefined, undefined, allowed ? undefined : 'access_denied');
      return;
    }
    this.recordDecision('error', false, event.mode, errorTypeOf(event.error), unavailableReasonOf(event.error), refusalOf(event.error));
  }

  /** A request let through by `onUnavailable: 'allow'`, after the gate's `error` decision for it. */
  private onFailOpen(event: FailOpenEvent): void {
    this.recordDecision('fail-open', true, event.mode, errorTypeOf({ code: event.code }), undefined, undefined);
  }

  private recordDecision(source: CountedSource, allowed: boolean, mode: string, errorType: string | undefined, reason: string | undefined, refusal: string | undefined): void {
    const tally = (this._decisions ??= new DecisionTally());
    if (errorType === undefined) {
      // The hit path: no closure, no string built.
      tally.countResult(mode, source, allowed);
    } else {
      tally.countOther(`${source}|${allowed}|${mode}|${errorType}|${reason ?? ''}`, () => ({
        [ATTR.source]: source,
        [ATTR.allowed]: allowed,
        [ATTR.mode]: mode,
        [ATTR.errorType]: errorType,
        ...(reason === undefined ? {} : { [ATTR.unavailableReason]: reason }),
      }));
    }

    const span = trace.getSpan(context.active());
    if (span === undefined || !span.isRecording()) return;
    const cache = this.attributes();
    const key = `${source}|${allowed}|${mode}|${errorType ?? ''}|${reason ?? ''}`;
    const config = this.getConfig();
    if (config.requestSpanAttributes !== false) {
      span.setAttributes(cache.get(`s|${key}|${refusal ?? ''}`, () => ({
        [ATTR.source]: source,
        [ATTR.allowed]: allowed,
        ...(refusal === undefined ? {} : { [ATTR.refusal]: refusal }),
      })));
    }
    if (config.featureFlagEvents !== false) {
      span.addEvent(FEATURE_FLAG_EVENT, cache.get(`f|${key}`, () => flagAttributes(source, allowed, errorType)));
    }
  }

  /** A Licenzy attempt begins: a CLIENT span under the active span, and its `traceparent` on the request. */
  private onUpstreamStart(event: UpstreamEvent): void {
    const parent = context.active();
    const span = this.tracer.startSpan(
      `${event.method} ${event.urlTemplate}`,
      {
        kind: SpanKind.CLIENT,
        attributes: {
          [ATTR.httpMethod]: event.method,
          [ATTR.urlTemplate]: event.urlTemplate,
          [ATTR.serverAddress]: event.serverAddress,
          [ATTR.serverPort]: event.serverPort,
          [ATTR.operation]: event.operation,
          ...(event.attempt > 1 ? { [ATTR.resendCount]: event.attempt - 1 } : {}),
        },
      },
      parent,
    );
    this.clientSpans().set(event, span);
    // Core sends only well-formed propagation headers and never lets one replace its own (authorization, …).
    propagation.inject(trace.setSpan(parent, span), event.headers);
  }

  private onUpstreamSettled(event: UpstreamEvent): void {
    const status = event.result?.statusCode;
    // HTTP client conventions: a 4xx/5xx answer is an error, named by its status code; a transport failure by its reason.
    const errorType = status !== undefined ? (status >= 400 ? String(status) : undefined) : event.error === undefined ? undefined : (unavailableReasonOf(event.error) ?? errorTypeOf(event.error));
    const span = this._clientSpans?.get(event);
    if (span !== undefined) {
      this._clientSpans?.delete(event);
      if (status !== undefined) span.setAttribute(ATTR.httpStatus, status);
      if (errorType !== undefined) {
        span.setAttribute(ATTR.errorType, errorType);
        // Only the type: error messages are ours and hold no key, but an attribute needs no prose.
        span.setStatus({ code: SpanStatusCode.ERROR, message: errorType });
      }
      span.end();
    }
    if (typeof event.duration !== 'number' || !Number.isFinite(event.duration)) return;
    const key = `u|${event.operation}|${event.method}|${event.serverAddress}|${event.serverPort}|${status ?? ''}|${errorType ?? ''}`;
    this._instruments?.clientDuration.record(event.duration / 1000, this.attributes().get(key, () => ({
      [ATTR.operation]: event.operation,
      [ATTR.httpMethod]: event.method,
      [ATTR.serverAddress]: event.serverAddress,
      [ATTR.serverPort]: event.serverPort,
      ...(status === undefined ? {} : { [ATTR.httpStatus]: status }),
      ...(errorType === undefined ? {} : { [ATTR.errorType]: errorType }),
    })));
  }

  private clientSpans(): WeakMap<UpstreamEvent, Span> {
    return (this._clientSpans ??= new WeakMap());
  }

  private onCircuit(event: CircuitEvent): void {
    this._instruments?.circuitTransitions.add(1, this.attributes().get(`c|${event.mode}|${event.to}`, () => ({ [ATTR.mode]: event.mode, [ATTR.circuitState]: event.to })));
  }

  private onInvalidate(event: InvalidateEvent): void {
    // The subject is never an attribute; only whether one subject or every decision was forgotten.
    const scope = event.subjectRef === undefined ? 'all' : 'subject';
    this._instruments?.invalidations.add(1, this.attributes().get(`i|${event.mode}|${event.reason}|${scope}`, () => ({
      [ATTR.mode]: event.mode,
      [ATTR.invalidationReason]: event.reason,
      [ATTR.invalidationScope]: scope,
    })));
  }

  /** A request a report-only route served that enforcement would have refused: route pattern, method, code; never a subject. */
  private onReport(event: ReportEvent): void {
    const routes = (this._reportRoutes ??= new Set());
    // Patterns are bounded by the app's routes; a cap still keeps a bad pattern source from growing the series.
    let route = typeof event.route === 'string' ? event.route : '_OTHER';
    if (!routes.has(route)) {
      if (routes.size >= MAX_REPORT_ROUTES) route = '_OTHER';
      else routes.add(route);
    }
    const method = typeof event.method === 'string' && HTTP_METHODS.has(event.method.toUpperCase()) ? event.method.toUpperCase() : '_OTHER';
    const code = typeof event.code === 'string' && /^[a-z_]{1,40}$/.test(event.code) ? event.code : '_OTHER';
    this._instruments?.wouldRefuse.add(1, this.attributes().get(`r|${method}|${code}|${route}`, () => ({
      [ATTR.httpRoute]: route,
      [ATTR.httpMethod]: method,
      [ATTR.refusal]: code,
    })));
  }

  private onShared(event: { type?: unknown }): void {
    const type = event.type === 'error' || event.type === 'recovered' || event.type === 'reset' ? event.type : '_OTHER';
    this._instruments?.sharedEvents.add(1, this.attributes().get(`x|${type}`, () => ({ [ATTR.sharedEvent]: type })));
  }
}

function flagAttributes(source: CountedSource, allowed: boolean, errorType: string | undefined): Attributes {
  return {
    [ATTR.flagKey]: FEATURE_FLAG_KEY,
    [ATTR.flagProvider]: 'licenzy-gate',
    [ATTR.flagReason]: FLAG_REASON[source],
    ...(source === 'error'
      ? { [ATTR.errorType]: errorType ?? '_OTHER' }
      : { [ATTR.flagVariant]: allowed ? 'allowed' : 'denied', [ATTR.flagValue]: allowed }),
  };
}
