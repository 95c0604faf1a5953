// licenzy.gate.would_refuse over real HTTP (issue 19 §1): one count per request a report-only route served that
// enforcement would have refused, by route pattern, method and problem code; never a subject; bounded routes.
import { channel } from 'node:diagnostics_channel';
import { CHANNELS } from '@licenzy-gate/core';
import { requireAccess } from '@licenzy-gate/express';
import { useLocalLicenzy } from '@licenzy-gate/testing';
import type { Request, Response } from 'express';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LicenzyGateInstrumentation } from '../src/index.js';
import { allMetricAttributes, createApp, createTelemetry, get, increasesOf, listen, silentLogger, type Telemetry } from './harness.js';

const licenzy = useLocalLicenzy({ hooks: { beforeAll, afterAll, afterEach } });
let telemetry: Telemetry;
let instrumentation: LicenzyGateInstrumentation;

beforeAll(() => {
  telemetry = createTelemetry();
  instrumentation = new LicenzyGateInstrumentation({ enabled: false });
  instrumentation.setMeterProvider(telemetry.meterProvider);
  instrumentation.setTracerProvider(telemetry.tracerProvider);
  instrumentation.enable();
});
afterAll(async () => {
  instrumentation.disable();
  await telemetry.shutdown();
});

async function collect() {
  const { resourceMetrics, errors } = await telemetry.reader.collect();
  expect(errors).toEqual([]);
  return resourceMetrics;
}

async function until(condition: () => Promise<boolean>): Promise<void> {
  for (let turn = 0; turn < 100 && !(await condition()); turn++) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe('licenzy.gate.would_refuse', () => {
  it('counts each would-be refusal once by route pattern, method and code, with no subject and never the raw URL', async () => {
    await collect();
    const gate = licenzy.gate({ retries: 0, circuitBreaker: false, logger: silentLogger });
    const app = createApp(telemetry.tracerProvider);
    app.get('/ro/:id', requireAccess({ gate, logger: silentLogger, reportOnly: true }), (_req: Request, res: Response) => void res.json({ ok: true }));
    const running = await listen(app);
    try {
      expect((await get(`${running.url}/ro/98765`, 'user_ro_metric')).status).toBe(200);
      expect((await get(`${running.url}/ro/98766`)).status).toBe(200);
      const seen: string[] = [];
      await until(async () => (seen.push(...increasesOf(await collect(), 'licenzy.gate.would_refuse')), seen.length >= 2));
      expect(seen.sort()).toEqual([
        'http.request.method=GET http.route=/ro/:id licenzy.refusal.code=access_denied → 1',
        'http.request.method=GET http.route=/ro/:id licenzy.refusal.code=subject_required → 1',
      ]);
      const all = allMetricAttributes(await collect());
      expect(all).not.toMatch(/user_ro_metric|9876/);
    } finally {
      await running.close();
    }
  });

  it('keeps label cardinality bounded: beyond 200 routes, unknown methods and codes count as _OTHER', async () => {
    await collect();
    const reports = channel(CHANNELS.report);
    const publish = (name: string, message: unknown) => void (name === CHANNELS.report && reports.publish(message));
    for (let i = 0; i < 210; i++) publish(CHANNELS.report, { route: `/flood/${i}`, method: 'GET', code: 'access_denied', subjectRef: 'user_x', source: 'cache' });
    publish(CHANNELS.report, { route: '/odd', method: 'BREW', code: 'Not A Code!', subjectRef: undefined, source: 'request' });
    const lines = increasesOf(await collect(), 'licenzy.gate.would_refuse');
    expect(lines.filter((line) => line.includes('http.route=_OTHER'))).toEqual([
      'http.request.method=GET http.route=_OTHER licenzy.refusal.code=access_denied → 11',
      'http.request.method=_OTHER http.route=_OTHER licenzy.refusal.code=_OTHER → 1',
    ]);
    // The first test's /ro/:id is one of the 200 routes: 199 flood routes each on a series of their own, then _OTHER.
    expect(lines).toHaveLength(201);
  });
});
