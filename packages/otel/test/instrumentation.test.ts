// LicenzyGateInstrumentation end to end: a real Express app, the mock Licenzy over HTTP, the SDK's in-memory exporters.
import { tracingChannel } from 'node:diagnostics_channel';
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { requireAccess, type AccessGate } from '@licenzy-gate/express';
import { createLicenzyClient } from '@licenzy-gate/core';
import { useLocalLicenzy } from '@licenzy-gate/testing';
import type { Request, Response } from 'express';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DURATION_BUCKETS, LicenzyGateInstrumentation } from '../src/index.js';
import {
  allMetricAttributes,
  clientSpans,
  increasesOf,
  createApp,
  createTelemetry,
  get,
  listen,
  pointsOf,
  serverSpans,
  silentLogger,
  type Running,
  type Telemetry,
} from './harness.js';

let telemetry: Telemetry;
let instrumentation: LicenzyGateInstrumentation;
const licenzy = useLocalLicenzy({ hooks: { beforeAll, afterAll, afterEach } });
let app: Running;
let gate: AccessGate;
let retrying: AccessGate;
let clock = 1_000_000;

beforeAll(async () => {
  telemetry = createTelemetry();
  instrumentation = new LicenzyGateInstrumentation({ enabled: false });
  instrumentation.setMeterProvider(telemetry.meterProvider);
  instrumentation.setTracerProvider(telemetry.tracerProvider);
  instrumentation.enable();
  gate = licenzy.gate({
    retries: 0,
    now: () => clock,
    cache: { ttl: 1_000, deniedTtl: 1_000, staleIfError: 60_000, errorTtl: 0 },
    circuitBreaker: false,
    logger: silentLogger,
  });
  retrying = licenzy.gate({ retries: 1, retryBackoff: 0, circuitBreaker: false, logger: silentLogger });
  const server = createApp(telemetry.tracerProvider);
  const answer = (req: Request, res: Response) => void res.json({ source: req.licenzy?.source });
  server.get('/pro', requireAccess({ gate, logger: silentLogger }), answer);
  server.get('/open', requireAccess({ gate, onUnavailable: 'allow', logger: silentLogger }), answer);
  server.get('/misconfigured', requireAccess({ apiKey: 'lz_test_example_rejected_key', baseUrl: licenzy.mock.url, retries: 0, logger: silentLogger }), answer);
  app = await listen(server);
});

afterAll(async () => {
  instrumentation?.disable();
  await app?.close();
  await telemetry?.shutdown();
});

beforeEach(async () => {
  licenzy.mock.reset();
  gate.clear();
  await telemetry.reader.collect(); // delta temporality: drop what earlier tests recorded
  telemetry.spans.reset();
});

/** What was recorded since the last collection; every collection is checked for subjects and the key. */
async function collect(): Promise<ResourceMetrics> {
  const { resourceMetrics, errors } = await telemetry.reader.collect();
  expect(errors).toEqual([]);
  const attributes = allMetricAttributes(resourceMetrics);
  expect(attributes).not.toMatch(/user_/);
  expect(attributes).not.toContain(licenzy.mock.testKey);
  return resourceMetrics;
}

const decisions = async () => increasesOf(await collect(), 'licenzy.gate.decisions');
const events = (span: ReadableSpan): Array<Record<string, unknown>> => span.events.map((event) => ({ name: event.name, ...event.attributes }));

describe('licenzy.gate.decisions', () => {
  it('counts a Licenzy answer then a cache hit, with source, allowed and mode, and no subject', async () => {
    licenzy.mock.grant('user_paid');
    expect(await get(`${app.url}/pro`, 'user_paid')).toMatchObject({ status: 200, body: { source: 'licenzy' } });
    expect(await get(`${app.url}/pro`, 'user_paid')).toMatchObject({ status: 200, body: { source: 'cache' } });
    expect(await decisions()).toEqual([
      'licenzy.decision.allowed=true licenzy.decision.source=cache licenzy.mode=test → 1',
      'licenzy.decision.allowed=true licenzy.decision.source=licenzy licenzy.mode=test → 1',
    ]);
  });

  it('counts denials as allowed=false, and the request span says access_denied with a feature_flag.evaluation event', async () => {
    expect(await get(`${app.url}/pro`, 'user_free')).toMatchObject({ status: 403, body: { code: 'access_denied' } });
    expect(await get(`${app.url}/pro`, 'user_free')).toMatchObject({ status: 403, body: { code: 'access_denied' } });
    expect(await decisions()).toEqual([
      'licenzy.decision.allowed=false licenzy.decision.source=cache licenzy.mode=test → 1',
      'licenzy.decision.allowed=false licenzy.decision.source=licenzy licenzy.mode=test → 1',
    ]);
    const [miss, hit] = await serverSpans(telemetry.spans, '/pro', 2);
    expect(miss?.attributes).toMatchObject({ 'licenzy.decision.source': 'licenzy', 'licenzy.decision.allowed': false, 'licenzy.refusal.code': 'access_denied' });
    expect(events(miss!)).toEqual([
      {
        name: 'feature_flag.evaluation',
        'feature_flag.key': 'licenzy.access',
        'feature_flag.provider.name': 'licenzy-gate',
        'feature_flag.result.reason': 'targeting_match',
        'feature_flag.result.variant': 'denied',
        'feature_flag.result.value': false,
      },
    ]);
    expect(hit?.attributes).toMatchObject({ 'licenzy.decision.source': 'cache', 'licenzy.refusal.code': 'access_denied' });
    expect(events(hit!)).toEqual([expect.objectContaining({ name: 'feature_flag.evaluation', 'feature_flag.result.reason': 'cached' })]);
  });

  it('counts an outage as an error with its code and reason; the request span says access_unavailable', async () => {
    licenzy.mock.fault({ type: 'status', status: 503 });
    expect(await get(`${app.url}/pro`, 'user_new')).toMatchObject({ status: 503, body: { code: 'access_unavailable' } });
    const collected = await collect();
    expect(increasesOf(collected, 'licenzy.gate.decisions')).toEqual([
      'error.type=ERR_LICENZY_UNAVAILABLE licenzy.decision.allowed=false licenzy.decision.source=error licenzy.mode=test licenzy.unavailable.reason=status → 1',
    ]);
    const [attempt] = pointsOf(collected, 'licenzy.client.request.duration');
    expect(attempt?.attributes).toEqual({
      'licenzy.operation': 'access.check',
      'http.request.method': 'POST',
      'server.address': '127.0.0.1',
      'server.port': licenzy.mock.port,
      'http.response.status_code': 503,
      'error.type': '503',
    });
    const [span] = await serverSpans(telemetry.spans, '/pro');
    expect(span?.attributes).toMatchObject({ 'licenzy.decision.source': 'error', 'licenzy.refusal.code': 'access_unavailable' });
    expect(events(span!)).toEqual([expect.objectContaining({ 'feature_flag.result.reason': 'error', 'error.type': 'ERR_LICENZY_UNAVAILABLE' })]);
    const [client] = clientSpans(telemetry.spans);
    expect(client?.status).toEqual({ code: SpanStatusCode.ERROR, message: '503' });
    expect(client?.attributes['error.type']).toBe('503');
  });

  it('counts a stale answer served during an outage as stale', async () => {
    licenzy.mock.grant('user_paid');
    await get(`${app.url}/pro`, 'user_paid');
    clock += 1_000; // past the 1 s ttl, inside staleIfError
    licenzy.mock.fault({ type: 'status', status: 503 });
    expect(await get(`${app.url}/pro`, 'user_paid')).toMatchObject({ status: 200, body: { source: 'stale' } });
    expect(await decisions()).toEqual([
      'licenzy.decision.allowed=true licenzy.decision.source=licenzy licenzy.mode=test → 1',
      'licenzy.decision.allowed=true licenzy.decision.source=stale licenzy.mode=test → 1',
    ]);
    const spans = await serverSpans(telemetry.spans, '/pro', 2);
    expect(events(spans[1]!)).toEqual([expect.objectContaining({ 'feature_flag.result.reason': 'stale', 'feature_flag.result.variant': 'allowed' })]);
  });

  it('counts a fail-open request twice: the gate\'s error, then the route\'s fail-open (allowed)', async () => {
    licenzy.mock.fault({ type: 'status', status: 503 });
    expect(await get(`${app.url}/open`, 'user_new')).toMatchObject({ status: 200, body: { source: 'fail-open' } });
    expect(await decisions()).toEqual([
      'error.type=ERR_LICENZY_UNAVAILABLE licenzy.decision.allowed=false licenzy.decision.source=error licenzy.mode=test licenzy.unavailable.reason=status → 1',
      'error.type=ERR_LICENZY_UNAVAILABLE licenzy.decision.allowed=true licenzy.decision.source=fail-open licenzy.mode=test → 1',
    ]);
    const [span] = await serverSpans(telemetry.spans, '/open');
    // The route let it through; the refusal code keeps why the gate could not decide.
    expect(span?.attributes).toMatchObject({ 'licenzy.decision.source': 'fail-open', 'licenzy.decision.allowed': true, 'licenzy.refusal.code': 'access_unavailable' });
    expect(events(span!).map((event) => event['feature_flag.result.reason'])).toEqual(['error', 'default']);
  });

  it('counts a key Licenzy rejects as an ERR_LICENZY_AUTH error; the request span says access_misconfigured', async () => {
    expect(await get(`${app.url}/misconfigured`, 'user_paid')).toMatchObject({ status: 500, body: { code: 'access_misconfigured' } });
    expect(await decisions()).toEqual(['error.type=ERR_LICENZY_AUTH licenzy.decision.allowed=false licenzy.decision.source=error licenzy.mode=test → 1']);
    const [span] = await serverSpans(telemetry.spans, '/misconfigured');
    expect(span?.attributes).toMatchObject({ 'licenzy.refusal.code': 'access_misconfigured' });
  });
});

describe('licenzy.client.request.duration', () => {
  it('records each attempt in seconds, with the status code and the advised buckets', async () => {
    licenzy.mock.grant('user_paid');
    await get(`${app.url}/pro`, 'user_paid');
    const collected = await collect();
    const metric = collected.scopeMetrics.flatMap((scope) => scope.metrics).find((m) => m.descriptor.name === 'licenzy.client.request.duration');
    expect(metric?.descriptor.unit).toBe('s');
    const [point] = pointsOf(collected, 'licenzy.client.request.duration');
    expect(point?.attributes).toEqual({
      'licenzy.operation': 'access.check',
      'http.request.method': 'POST',
      'server.address': '127.0.0.1',
      'server.port': licenzy.mock.port,
      'http.response.status_code': 200,
    });
    const histogram = point?.value as { count: number; sum: number; buckets: { boundaries: number[] } };
    expect(histogram.count).toBe(1);
    expect(histogram.sum).toBeGreaterThan(0);
    expect(histogram.sum).toBeLessThan(2); // seconds, not milliseconds
    expect(histogram.buckets.boundaries).toEqual(DURATION_BUCKETS);
  });
});

describe('Licenzy client spans', () => {
  it('are CLIENT children of the request span, and the mock receives their traceparent', async () => {
    licenzy.mock.grant('user_paid');
    await get(`${app.url}/pro`, 'user_paid');
    const [server] = await serverSpans(telemetry.spans, '/pro');
    const clients = clientSpans(telemetry.spans);
    expect(clients).toHaveLength(1);
    const client = clients[0]!;
    expect(client.name).toBe('POST /v1/access/check');
    expect(client.kind).toBe(SpanKind.CLIENT);
    expect(client.spanContext().traceId).toBe(server!.spanContext().traceId);
    expect(client.parentSpanContext?.spanId).toBe(server!.spanContext().spanId);
    expect(client.attributes).toEqual({
      'http.request.method': 'POST',
      'url.template': '/v1/access/check',
      'server.address': '127.0.0.1',
      'server.port': licenzy.mock.port,
      'licenzy.operation': 'access.check',
      'http.response.status_code': 200,
    });
    expect(client.status.code).toBe(SpanStatusCode.UNSET);
    const sent = licenzy.mock.requests.filter((r) => r.path === '/v1/access/check');
    expect(sent.map((r) => r.headers.traceparent)).toEqual([`00-${client.spanContext().traceId}-${client.spanContext().spanId}-01`]);
    const exported = JSON.stringify(telemetry.spans.getFinishedSpans().map((s) => ({ name: s.name, attributes: s.attributes, events: s.events })));
    expect(exported).not.toContain(licenzy.mock.testKey);
    expect(JSON.stringify(client.attributes)).not.toContain('user_paid');
  });

  it('gets one span per attempt: a retry carries http.request.resend_count and its own traceparent', async () => {
    licenzy.mock.grant('user_retry');
    licenzy.mock.fault({ type: 'status', status: 503 }, { times: 1 });
    const tracer = telemetry.tracerProvider.getTracer('test');
    const decision = await tracer.startActiveSpan('job', async (span) => {
      try {
        return await retrying.check('user_retry');
      } finally {
        span.end();
      }
    });
    expect(decision).toMatchObject({ allowed: true, source: 'licenzy' });
    const job = telemetry.spans.getFinishedSpans().find((s) => s.name === 'job')!;
    const [first, second] = clientSpans(telemetry.spans);
    expect([first?.attributes['http.response.status_code'], second?.attributes['http.response.status_code']]).toEqual([503, 200]);
    expect(first?.attributes['http.request.resend_count']).toBeUndefined();
    expect(second?.attributes['http.request.resend_count']).toBe(1);
    for (const span of [first, second]) expect(span?.parentSpanContext?.spanId).toBe(job.spanContext().spanId);
    expect(licenzy.mock.requests.map((r) => r.headers.traceparent)).toEqual(
      [first, second].map((span) => `00-${span!.spanContext().traceId}-${span!.spanContext().spanId}-01`),
    );
  });

  it('names GET calls by their URL template: no subject in the span name, attributes or metrics', async () => {
    licenzy.mock.grant('user_secret_42');
    const client = createLicenzyClient({ apiKey: licenzy.mock.testKey, baseUrl: licenzy.mock.url });
    const tracer = telemetry.tracerProvider.getTracer('test');
    await tracer.startActiveSpan('job', async (span) => {
      try {
        await client.getCustomerAccess('user_secret_42');
      } finally {
        span.end();
      }
    });
    const [get] = clientSpans(telemetry.spans);
    expect(get?.name).toBe('GET /v1/customer/access/{subject_ref}');
    expect(get?.attributes).toMatchObject({ 'http.request.method': 'GET', 'url.template': '/v1/customer/access/{subject_ref}', 'licenzy.operation': 'customer.access', 'http.response.status_code': 200 });
    expect(JSON.stringify({ name: get?.name, attributes: get?.attributes })).not.toContain('user_secret_42');
    expect(licenzy.mock.requests.at(-1)?.headers.traceparent).toBe(`00-${get!.spanContext().traceId}-${get!.spanContext().spanId}-01`);
    const [point] = pointsOf(await collect(), 'licenzy.client.request.duration');
    expect(point?.attributes).toMatchObject({ 'licenzy.operation': 'customer.access', 'http.request.method': 'GET' });
  });

  it('starts a root span when no request span is active, and sends its traceparent all the same', async () => {
    licenzy.mock.grant('user_paid');
    await context.with(trace.deleteSpan(context.active()), () => retrying.check('user_paid'));
    const [client] = clientSpans(telemetry.spans);
    expect(client?.parentSpanContext).toBeUndefined();
    expect(licenzy.mock.requests.at(-1)?.headers.traceparent).toBe(`00-${client!.spanContext().traceId}-${client!.spanContext().spanId}-01`);
  });
});

describe('robustness', () => {
  it('never lets its own failure reach the app: a span that throws on setAttributes leaves the decision intact', async () => {
    licenzy.mock.grant('user_robust');
    await retrying.check('user_robust');
    const hostile = trace.wrapSpanContext({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1 });
    Object.assign(hostile, { isRecording: () => true, setAttributes: () => { throw new Error('exporter bug'); } });
    const decision = context.with(trace.setSpan(context.active(), hostile), () => retrying.peek('user_robust'));
    expect(decision).toMatchObject({ allowed: true, source: 'cache' });
    // diagnostics_channel rethrows a subscriber's error on the next tick, which would fail this run.
    await new Promise((resolve) => setImmediate(resolve));
    expect(await decisions()).toEqual([
      'licenzy.decision.allowed=true licenzy.decision.source=cache licenzy.mode=test → 1',
      'licenzy.decision.allowed=true licenzy.decision.source=licenzy licenzy.mode=test → 1',
    ]);
  });
});

describe('disable()', () => {
  it('unsubscribes from every channel: no metric, no span, no traceparent; enable() brings them back', async () => {
    licenzy.mock.grant('user_paid');
    instrumentation.disable();
    try {
      expect(tracingChannel('licenzy-gate:check').hasSubscribers).toBe(false);
      expect(tracingChannel('licenzy-gate:upstream').hasSubscribers).toBe(false);
      expect(await get(`${app.url}/pro`, 'user_paid')).toMatchObject({ status: 200, body: { source: 'licenzy' } });
      expect(await get(`${app.url}/pro`, 'user_paid')).toMatchObject({ status: 200, body: { source: 'cache' } });
      const collected = await collect();
      expect(pointsOf(collected, 'licenzy.gate.decisions')).toEqual([]); // not even zeros: nothing is observed while disabled
      expect(pointsOf(collected, 'licenzy.client.request.duration')).toEqual([]);
      expect(pointsOf(collected, 'licenzy.gate.cache.entries')).toEqual([]);
      await serverSpans(telemetry.spans, '/pro', 2);
      expect(clientSpans(telemetry.spans)).toEqual([]);
      expect(licenzy.mock.requests.at(-1)?.headers.traceparent).toBeUndefined();
      const [span] = await serverSpans(telemetry.spans, '/pro');
      expect(span?.events).toEqual([]);
    } finally {
      instrumentation.enable();
    }
    expect(await get(`${app.url}/pro`, 'user_paid')).toMatchObject({ status: 200, body: { source: 'cache' } });
    expect(await decisions()).toEqual(['licenzy.decision.allowed=true licenzy.decision.source=cache licenzy.mode=test → 1']);
  });
});
