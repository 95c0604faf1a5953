// Issue 19 §1 over real HTTP, written once and mounted by every adapter's tests (Express 5/4, Koa 3/2, Fastify 5):
// report-only routes run their handler whatever the outcome, report each would-be refusal exactly once (channel and
// the gate's summary; the metric is the channel's subscriber, tested in @licenzy-gate/otel), never charge, never wait
// for Licenzy, and warm the cache for enforcement. Each adapter supplies only how to mount the routes.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { LocalLicenzy } from '@licenzy-gate/testing';
import { captureLogger, uniqueSubject } from '@licenzy-gate/testing';
import { CHANNELS, type GateLogger, type LicenzyGate, type ReportEvent } from '../src/index.js';
import type { RunningApp } from './adapter-regressions.js';

/** Units the report-only metered route costs. */
export const REPORT_USAGE_UNITS = 5;

/**
 * Mounts, with the demo auth (`x-demo-user` → the default subject) and `logger` on every gate middleware:
 * - `GET /ro/:id`: `requireAccess({ gate, reportOnly: true })`;
 * - `POST /ro-usage`: `requireUsage({ gate, units: REPORT_USAGE_UNITS, reportOnly: true })`;
 * - `GET /enforced/:id`: `requireAccess({ gate })`.
 * Each handler counts its run in `runs` and answers 200 `{ decision }`: the request decision (`req.licenzy`,
 * `ctx.state.licenzy`, `request.licenzy`), or `null`.
 */
export type MountReportOnly = (gate: LicenzyGate, logger: GateLogger, runs: { count: number }) => Promise<RunningApp>;

const CONSUME = '/v1/usage/consume';

async function call(url: string, user: string | undefined, method = 'GET'): Promise<{ status: number; body: { decision?: Record<string, unknown> | null }; ms: number }> {
  const started = performance.now();
  const response = await fetch(url, { method, headers: user === undefined ? {} : { 'x-demo-user': user } });
  const body = (await response.json()) as { decision?: Record<string, unknown> | null };
  return { status: response.status, body, ms: performance.now() - started };
}

async function until(condition: () => boolean, maxMs = 5_000): Promise<void> {
  const start = Date.now();
  while (!condition() && Date.now() - start < maxMs) await new Promise((resolve) => setTimeout(resolve, 10));
}

/** Collects `licenzy-gate:report` events during each test of the enclosing describe; `events` is emptied before each. */
export function captureReports(): { readonly events: ReportEvent[] } {
  const events: ReportEvent[] = [];
  const listener = (message: unknown) => void events.push(message as ReportEvent);
  beforeEach(() => {
    events.length = 0;
    subscribe(CHANNELS.report, listener);
  });
  afterEach(() => void unsubscribe(CHANNELS.report, listener));
  return { events };
}

export function reportOnlyCases(licenzy: () => LocalLicenzy, mount: MountReportOnly): void {
  const { events } = captureReports();

  /** A fresh gate (so a fresh summary) and app; `events` kept to this scenario. */
  async function scenario(run: (app: RunningApp, parts: { gate: LicenzyGate; logger: ReturnType<typeof captureLogger>; runs: { count: number } }) => Promise<void>): Promise<void> {
    const logger = captureLogger();
    // A per-attempt timeout above the 2 s Licenzy is made to hold calls for in the latency case (the default is 2 s).
    const gate = licenzy().gate({ retries: 0, circuitBreaker: false, logger, timeout: 4_000, totalTimeout: 5_000 });
    const runs = { count: 0 };
    const app = await mount(gate, logger, runs);
    try {
      await run(app, { gate, logger, runs });
    } finally {
      await app.close();
    }
  }

  /** Waits for the background report, then a little longer to see that no second one follows. */
  async function reported(count = 1): Promise<ReportEvent[]> {
    await until(() => events.length >= count);
    await new Promise((resolve) => setTimeout(resolve, 50));
    return events;
  }

  function summaryOf(logger: ReturnType<typeof captureLogger>) {
    return logger.lines.filter((line) => line.message.startsWith('report-only:')).map((line) => line.details);
  }

  it('a denied request reaches the handler, is reported once by its route pattern (never the raw URL), and enforcement still refuses', async () => {
    await scenario(async (app, { logger, runs }) => {
      const subject = uniqueSubject('ro_denied');
      const reply = await call(`${app.url}/ro/12345`, subject);
      expect(reply.status).toBe(200);
      expect(runs.count).toBe(1);
      expect(await reported()).toEqual([{ route: '/ro/:id', method: 'GET', code: 'access_denied', subjectRef: subject, source: 'licenzy' }]);
      expect(summaryOf(logger)).toEqual([expect.objectContaining({ requests: 1, routes: 1, byCode: { access_denied: 1 }, topRoutes: [{ route: 'GET /ro/:id', requests: 1 }] })]);
      // The decision is cached now: the next report-only request carries it, marked not enforced (never a grant).
      const again = await call(`${app.url}/ro/12345`, subject);
      expect(again.body.decision).toMatchObject({ subjectRef: subject, allowed: false, source: 'cache', enforced: false });
      // An enforcing route on the same gate refuses, and its handler does not run.
      const enforced = await call(`${app.url}/enforced/1`, subject);
      expect(enforced.status).toBe(403);
      expect(runs.count).toBe(2);
    });
  });

  it('an anonymous request reaches the handler and is reported once as subject_required, without a subject', async () => {
    await scenario(async (app, { logger, runs }) => {
      expect((await call(`${app.url}/ro/1`, undefined)).status).toBe(200);
      expect(runs.count).toBe(1);
      expect(await reported()).toEqual([{ route: '/ro/:id', method: 'GET', code: 'subject_required', subjectRef: undefined, source: 'request' }]);
      expect(summaryOf(logger)).toEqual([expect.objectContaining({ requests: 1, byCode: { subject_required: 1 } })]);
    });
  });

  it('an outage reaches the handler and is reported once as access_unavailable', async () => {
    await scenario(async (app, { logger, runs }) => {
      licenzy().mock.fault({ type: 'status', status: 503 });
      const subject = uniqueSubject('ro_outage');
      expect((await call(`${app.url}/ro/1`, subject)).status).toBe(200);
      expect(runs.count).toBe(1);
      expect(await reported()).toEqual([{ route: '/ro/:id', method: 'GET', code: 'access_unavailable', subjectRef: subject, source: 'licenzy' }]);
      expect(summaryOf(logger)).toEqual([expect.objectContaining({ requests: 1, byCode: { access_unavailable: 1 } })]);
    });
  });

  it('Licenzy answering nonsense reaches the handler and is reported once as access_unavailable', async () => {
    await scenario(async (app, { runs }) => {
      licenzy().mock.fault({ type: 'raw', body: '{"allowed":' });
      expect((await call(`${app.url}/ro/1`, uniqueSubject('ro_nonsense'))).status).toBe(200);
      expect(runs.count).toBe(1);
      expect((await reported()).map((event) => event.code)).toEqual(['access_unavailable']);
    });
  });

  it('an exhausted metered request reaches the handler, is reported once as usage_exhausted, and nothing is charged', async () => {
    await scenario(async (app, { logger, runs }) => {
      const subject = uniqueSubject('ro_exhausted');
      licenzy().mock.grant(subject, { kind: 'usage_pack', usageRemaining: REPORT_USAGE_UNITS - 1 });
      expect((await call(`${app.url}/ro-usage`, subject, 'POST')).status).toBe(200);
      expect(runs.count).toBe(1);
      expect(await reported()).toEqual([{ route: '/ro-usage', method: 'POST', code: 'usage_exhausted', subjectRef: subject, source: 'usage' }]);
      expect(summaryOf(logger)).toEqual([expect.objectContaining({ requests: 1, byCode: { usage_exhausted: 1 }, topRoutes: [{ route: 'POST /ro-usage', requests: 1 }] })]);
      expect(licenzy().mock.requests.filter((entry) => entry.path === CONSUME)).toEqual([]);
    });
  });

  it('a metered request with units left is not reported and not charged', async () => {
    await scenario(async (app, { runs }) => {
      const subject = uniqueSubject('ro_units_left');
      licenzy().mock.grant(subject, { kind: 'usage_pack', usageRemaining: REPORT_USAGE_UNITS });
      expect((await call(`${app.url}/ro-usage`, subject, 'POST')).status).toBe(200);
      await until(() => licenzy().mock.requests.some((entry) => entry.path.startsWith('/v1/customer/access/')));
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(runs.count).toBe(1);
      expect(events).toEqual([]);
      expect(licenzy().mock.requests.filter((entry) => entry.path === CONSUME)).toEqual([]);
    });
  });

  it('with Licenzy holding every call for 2 s, a report-only miss is served without waiting, and the cache is warm afterwards', async () => {
    await scenario(async (app, { gate }) => {
      const subject = uniqueSubject('ro_latency');
      licenzy().mock.grant(subject);
      licenzy().mock.setLatency(2_000);
      try {
        const reply = await call(`${app.url}/ro/1`, subject);
        expect(reply.status).toBe(200);
        expect(reply.body.decision).toBeNull();
        // Measured around 5-30 ms on a shared 2-core machine; the bound is generous on purpose.
        expect(reply.ms).toBeLessThan(1_000);
        console.info(`[report-only] miss served in ${reply.ms.toFixed(1)} ms while Licenzy held the call 2 s`);
        await until(() => gate.peek(subject) !== undefined, 5_000);
        const enforced = await call(`${app.url}/enforced/1`, subject);
        expect(enforced.status).toBe(200);
        expect(enforced.body.decision).toMatchObject({ subjectRef: subject, allowed: true, source: 'cache' });
        expect(enforced.body.decision).not.toHaveProperty('enforced');
        expect(enforced.ms).toBeLessThan(1_000);
      } finally {
        licenzy().mock.setLatency(0);
      }
    });
  }, 15_000);
}
