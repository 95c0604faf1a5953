// Report-only guards without HTTP: never wait, never refuse, never charge; decide as enforcement would; report once;
// bounded by the gate's slots; never leak into an enforcing route on the same gate.
import { describe, expect, it } from 'vitest';
import { captureLogger } from '@licenzy-gate/testing';
import { LicenzyUnavailableError, createAccessGate } from '../src/index.js';
import { createGuard, createUsageGuard, type GuardOutcome } from '../src/adapter.js';
import { createClock, createFakeChecker, flush } from './fake-checker.js';
import { createFakeClient, summary } from './fake-client.js';
import { captureReports } from './report-only-cases.js';

type Req = { user?: { id?: unknown }; path?: string };
type Hook = (req: Req) => void;
const fromUser = (req: Req) => req.user?.id;
const where = (req: Req) => ({ route: req.path ?? '/pro/:id', method: 'GET' });

const { events } = captureReports();

function setup(options: Record<string, unknown> = {}, gateOptions: Record<string, unknown> = {}) {
  const fake = createFakeChecker();
  const clock = createClock();
  const logger = captureLogger();
  const gate = createAccessGate({ client: fake.checker, now: clock.now, logger, retries: 0, circuitBreaker: false, ...gateOptions });
  const report = createGuard<Req, Hook>({ gate, logger, reportOnly: true, ...options }, fromUser);
  const enforce = createGuard<Req, Hook>({ gate, logger }, fromUser);
  return { fake, gate, report, enforce, logger, clock };
}

describe('report-only access guard', () => {
  it('says at setup how the route reports', () => {
    const { gate } = setup();
    expect(createGuard<Req, Hook>({ gate }, fromUser).reportOnly).toBe(false);
    expect(createGuard<Req, Hook>({ gate, reportOnly: false }, fromUser).reportOnly).toBe(false);
    expect(createGuard<Req, Hook>({ gate, reportOnly: true }, fromUser).reportOnly).toBe(true);
    const perRequest = createGuard<Req, Hook>({ gate, reportOnly: (req: Req) => req.path === '/beta' }, fromUser);
    expect(perRequest.reportOnly).toBe('per-request');
    expect(perRequest.reportsOnly({ path: '/beta' })).toBe(true);
    expect(perRequest.reportsOnly({ path: '/pro' })).toBe(false);
  });

  it('a rollout function that throws or returns anything but true enforces', () => {
    const { gate } = setup();
    const throwing = createGuard<Req, Hook>({ gate, reportOnly: () => { throw new Error('bug'); } }, fromUser);
    const truthy = createGuard<Req, Hook>({ gate, reportOnly: (() => 'yes') as unknown as () => boolean }, fromUser);
    expect(throwing.reportsOnly({})).toBe(false);
    expect(truthy.reportsOnly({})).toBe(false);
  });

  it('rejects a reportOnly that is neither a boolean nor a function, and a misspelling, naming it', () => {
    const { gate } = setup();
    expect(() => createGuard<Req, Hook>({ gate, reportOnly: 'yes' as unknown as boolean }, fromUser)).toThrow(/reportOnly/);
    expect(() => createGuard<Req, Hook>({ gate, reportonly: true } as never, fromUser)).toThrow(/reportOnly/);
  });

  it('a miss returns at once, checks in the background, reports the denial once and warms the cache for enforcement', async () => {
    const { fake, gate, report, enforce } = setup();
    expect(report.observe({ user: { id: 'u1' } }, where)).toBeUndefined();
    expect(events).toEqual([]);
    fake.next().resolve(false);
    await flush();
    expect(events).toEqual([{ route: '/pro/:id', method: 'GET', code: 'access_denied', subjectRef: 'u1', source: 'licenzy' }]);
    // Warm: the enforcing route on the same gate decides from the cache, synchronously, and still refuses.
    const outcome = enforce.decide({ user: { id: 'u1' } }) as GuardOutcome;
    expect(outcome).toMatchObject({ allowed: false, kind: 'denied', decision: { source: 'cache' } });
    expect(gate.stats().upstreamCalls).toBe(1);
  });

  it('a hit is decided synchronously, reported with source cache, and put on the request marked enforced: false (one object per cached decision)', async () => {
    const { fake, report } = setup();
    report.observe({ user: { id: 'u2' } }, where);
    fake.next().resolve(false);
    await flush();
    events.length = 0;
    const first = report.observe({ user: { id: 'u2' } }, where);
    const second = report.observe({ user: { id: 'u2' } }, where);
    expect(first).toMatchObject({ subjectRef: 'u2', allowed: false, source: 'cache', enforced: false });
    expect(Object.isFrozen(first)).toBe(true);
    expect(second).toBe(first);
    expect(events.map((event) => event.source)).toEqual(['cache', 'cache']);
  });

  it('an allowed subject is not reported, and its decision is a grant marked not enforced', async () => {
    const { fake, report } = setup();
    report.observe({ user: { id: 'u3' } }, where);
    fake.next().resolve(true);
    await flush();
    expect(report.observe({ user: { id: 'u3' } }, where)).toMatchObject({ allowed: true, enforced: false });
    expect(events).toEqual([]);
  });

  it('reports no subject, an invalid subject, a throwing resolver and a hostile thenable, and never throws', async () => {
    const { report, gate } = setup();
    expect(report.observe({}, where)).toBeUndefined();
    const throwing = createGuard<Req, Hook>({ gate, reportOnly: true, logger: captureLogger(), subject: () => { throw new Error('session store down'); } }, fromUser);
    expect(throwing.observe({}, where)).toBeUndefined();
    const hostile = createGuard<Req, Hook>({ gate, reportOnly: true, logger: captureLogger(), subject: () => ({ get then() { throw new Error('hostile'); } }) }, fromUser);
    expect(hostile.observe({}, where)).toBeUndefined();
    report.observe({ user: { id: 'not a valid subject\n' } }, where);
    await flush();
    expect(events.map((event) => [event.code, event.source, event.subjectRef])).toEqual([
      ['subject_required', 'request', undefined],
      ['access_misconfigured', 'request', undefined],
      ['access_misconfigured', 'request', undefined],
      ['subject_invalid', 'request', undefined],
    ]);
    // A `where` that throws loses the report, never the request.
    expect(() => report.observe({}, () => { throw new Error('where'); })).not.toThrow();
  });

  it('reports an outage as access_unavailable with the subject, and nothing under onUnavailable: allow', async () => {
    const { fake, report, gate } = setup();
    report.observe({ user: { id: 'u4' } }, where);
    fake.next().reject(new LicenzyUnavailableError('network', 'down'));
    await flush();
    expect(events).toEqual([{ route: '/pro/:id', method: 'GET', code: 'access_unavailable', subjectRef: 'u4', source: 'licenzy' }]);
    const failOpen = createGuard<Req, Hook>({ gate, reportOnly: true, onUnavailable: 'allow', logger: captureLogger() }, fromUser);
    failOpen.observe({ user: { id: 'u5' } }, where);
    fake.next().reject(new LicenzyUnavailableError('network', 'down'));
    await flush();
    expect(events).toHaveLength(1);
  });

  it('never queues: with every slot busy the check is skipped, counted in stats().skipped and in the summary', async () => {
    const { fake, gate, report, enforce, logger } = setup({}, { maxConcurrent: 2 });
    const held = [enforce.decide({ user: { id: 'e1' } }), enforce.decide({ user: { id: 'e2' } })];
    for (let i = 0; i < 100; i++) expect(report.observe({ user: { id: `flood_${i}` } }, where)).toBeUndefined();
    await flush();
    expect(fake.pending).toHaveLength(2);
    expect(gate.stats()).toMatchObject({ active: 2, queued: 0, skipped: 100 });
    expect(logger.text().join('\n')).toContain('background checks skipped');
    // The enforcing routes' calls were never delayed by the flood.
    fake.next().resolve(true);
    fake.next().resolve(false);
    expect(await Promise.all(held)).toMatchObject([{ allowed: true }, { allowed: false, kind: 'denied' }]);
  });

  it('coalesces background checks of one subject with enforcement (one Licenzy call)', async () => {
    const { fake, report, enforce } = setup();
    const enforced = enforce.decide({ user: { id: 'u6' } });
    report.observe({ user: { id: 'u6' } }, where);
    report.observe({ user: { id: 'u6' } }, where);
    expect(fake.calls).toEqual(['u6']);
    fake.next().resolve(false);
    await enforced;
    await flush();
    expect(events).toHaveLength(2);
  });

  it('leaves the enforcing hit path as it was: an enforcing route never carries enforced', async () => {
    const { fake, enforce } = setup();
    const pending = enforce.decide({ user: { id: 'u7' } });
    fake.next().resolve(true);
    await pending;
    const hit = enforce.decide({ user: { id: 'u7' } }) as Extract<GuardOutcome, { allowed: true }>;
    expect(hit.decision.enforced).toBeUndefined();
  });
});

describe('report-only usage guard', () => {
  function usageSetup(options: Record<string, unknown> = {}) {
    const fake = createFakeClient();
    const clock = createClock();
    const logger = captureLogger();
    const gate = createAccessGate({ client: fake.client, now: clock.now, logger, retries: 0, circuitBreaker: false });
    const guard = createUsageGuard<Req, Hook>({ gate, logger, units: 8, reportOnly: true, ...options }, fromUser);
    return { fake, gate, guard };
  }
  const info = { method: 'POST', url: '/reports', idempotencyKey: undefined };

  it('never charges: would exhaust is read from the usage summary (7 left < 8) and reported once', async () => {
    const { fake, guard } = usageSetup();
    expect(guard.reportOnly).toBe(true);
    guard.observe({ user: { id: 'm1' } }, info, () => ({ route: '/reports', method: 'POST' }));
    await flush();
    expect(fake.summaries).toHaveLength(1);
    fake.summaries[0]?.resolve(summary('m1', true));
    await flush();
    expect(fake.consumes).toEqual([]);
    expect(events).toEqual([{ route: '/reports', method: 'POST', code: 'usage_exhausted', subjectRef: 'm1', source: 'usage' }]);
  });

  it('enough units left: nothing reported; no subject, a bad units function and an outage are', async () => {
    const { fake, guard, gate } = usageSetup({ units: 7 });
    const at = () => ({ route: '/reports', method: 'POST' });
    guard.observe({ user: { id: 'm2' } }, info, at);
    await flush();
    fake.summaries.shift()?.resolve(summary('m2', true));
    guard.observe({}, info, at);
    createUsageGuard<Req, Hook>({ gate, units: () => 0, reportOnly: true, logger: captureLogger() }, fromUser).observe({ user: { id: 'm3' } }, info, at);
    guard.observe({ user: { id: 'm4' } }, info, at);
    await flush();
    fake.summaries.shift()?.reject(new LicenzyUnavailableError('network', 'down'));
    await flush();
    expect(events.map((event) => [event.code, event.source, event.subjectRef])).toEqual([
      ['subject_required', 'request', undefined],
      ['access_misconfigured', 'request', 'm3'],
      ['access_unavailable', 'usage', 'm4'],
    ]);
    expect(fake.consumes).toEqual([]);
  });
});
