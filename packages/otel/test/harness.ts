// Test harness: an OpenTelemetry SDK in memory (metrics collected on demand, spans exported synchronously) and a
// real Express app gated by @licenzy-gate/express, with a server span per request like an HTTP instrumentation's.
import { context, propagation, SpanKind, type Attributes } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  AggregationTemporality,
  MeterProvider,
  MetricReader,
  type DataPoint,
  type Histogram,
  type MetricData,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import express, { type NextFunction, type Request, type Response } from 'express';
import { listen as listenOn } from '@licenzy-gate/testing';

/** A reader collected on demand (no timer, no sleep), in delta temporality: each collect sees what happened since the last. */
export class OnDemandReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.DELTA });
  }
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

export interface Telemetry {
  readonly reader: OnDemandReader;
  readonly meterProvider: MeterProvider;
  readonly spans: InMemorySpanExporter;
  readonly tracerProvider: BasicTracerProvider;
  shutdown(): Promise<void>;
}

/** The SDK pieces, with the async-hooks context manager and the W3C propagator installed globally (as NodeSDK does). */
export function createTelemetry(): Telemetry {
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  const reader = new OnDemandReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const spans = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
  return {
    reader,
    meterProvider,
    spans,
    tracerProvider,
    async shutdown() {
      await meterProvider.shutdown();
      await tracerProvider.shutdown();
      context.disable();
      propagation.disable();
    },
  };
}

/** One metric's points from a collection, by name (empty when the metric recorded nothing). */
export function pointsOf(collected: ResourceMetrics, name: string): Array<DataPoint<number | Histogram>> {
  return metricsOf(collected)
    .filter((metric) => metric.descriptor.name === name)
    .flatMap((metric) => metric.dataPoints as Array<DataPoint<number | Histogram>>);
}

export function metricsOf(collected: ResourceMetrics): MetricData[] {
  return collected.scopeMetrics.flatMap((scope) => scope.metrics);
}

/** Counter points as `attributes → value` lines, sorted, e.g. `licenzy.decision.source=cache … → 2`. */
export function countsOf(collected: ResourceMetrics, name: string): string[] {
  return pointsOf(collected, name)
    .map((point) => `${describeAttributes(point.attributes)} → ${String(point.value)}`)
    .sort();
}

/**
 * What happened since the last collection on a counter: its non-zero delta points. `licenzy.gate.decisions` is an
 * asynchronous counter, so every attribute set seen before reports again, with 0 when nothing happened.
 */
export function increasesOf(collected: ResourceMetrics, name: string): string[] {
  return countsOf(collected, name).filter((line) => !line.endsWith(' → 0'));
}

export function describeAttributes(attributes: Attributes): string {
  return Object.keys(attributes)
    .sort()
    .map((key) => `${key}=${String(attributes[key])}`)
    .join(' ');
}

/** Every attribute value of every metric point, for the "no subject, no key" checks. */
export function allMetricAttributes(collected: ResourceMetrics): string {
  return JSON.stringify(metricsOf(collected).flatMap((metric) => metric.dataPoints.map((point) => point.attributes)));
}

/** The app under test: demo auth from `x-demo-user`, then a SERVER span made active for the rest of the chain. */
export function createApp(tracerProvider: BasicTracerProvider): express.Express {
  const app = express();
  const tracer = tracerProvider.getTracer('test-http-server');
  app.use((req: Request, _res: Response, next: NextFunction) => {
    const id = req.get('x-demo-user');
    if (id !== undefined) (req as Request & { user?: { id: string } }).user = { id };
    next();
  });
  app.use((req: Request, res: Response, next: NextFunction) => {
    tracer.startActiveSpan(`${req.method} ${req.path}`, { kind: SpanKind.SERVER }, (span) => {
      res.once('finish', () => {
        span.setAttribute('http.response.status_code', res.statusCode);
        span.end();
      });
      next();
    });
  });
  return app;
}

export interface Running {
  readonly url: string;
  close(): Promise<void>;
}

export async function listen(app: express.Express): Promise<Running> {
  return listenOn(app);
}

/** GET as `user` (demo auth), body parsed (JSON answers and problem+json refusals alike). */
export async function get(url: string, user?: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, { headers: user === undefined ? {} : { 'x-demo-user': user } });
  const body = (await response.json()) as Record<string, unknown>;
  return { status: response.status, body };
}

/**
 * The finished SERVER spans of requests to `path`, once there are `count` of them: waits (bounded, a turn of the
 * event loop at a time, no timer) because the client can hold the whole body before the server emits `finish`.
 */
export async function serverSpans(spans: InMemorySpanExporter, path: string, count = 1): Promise<ReadableSpan[]> {
  for (let turn = 0; turn < 200; turn++) {
    const found = spans.getFinishedSpans().filter((span) => span.kind === SpanKind.SERVER && span.name === `GET ${path}`);
    if (found.length >= count) return found;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`fewer than ${count} finished server spans for ${path}`);
}

export function clientSpans(spans: InMemorySpanExporter): ReadableSpan[] {
  return spans.getFinishedSpans().filter((span) => span.kind === SpanKind.CLIENT);
}

export const silentLogger = { warn: () => undefined, error: () => undefined };

