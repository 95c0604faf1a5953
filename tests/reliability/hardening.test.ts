// Hardening, per class of defect, through every adapter on a real port: one user cannot degrade everyone, the
// guard never throws into the framework, and misconfiguration stays visible in the log.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { captureLogger, useLocalLicenzy } from '@licenzy-gate/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createClock } from '../../packages/core/test/fake-checker.js';
import { FRAMEWORKS, callPaid, startPaidApp, type FrameworkName } from './support/apps.js';
import { environmentLine, table, writeDocSection } from './support/report.js';
import { MOCK_KEYS, TEST_KEY } from './support/secrets.js';

const CHECK = 'POST /v1/access/check';

interface Figures {
  freshFloodRequests: number;
  freshFloodCalls: number;
  circuitAfterOneSubject: string;
  otherUserStatus: number;
  hostileResolverStatus: number;
  concurrentSeen: number;
  shed: number;
  completed: number;
  logLinesFor150Errors: number;
  authLogged: boolean;
}
const figures = new Map<FrameworkName, Partial<Figures>>(FRAMEWORKS.map((f) => [f, {}]));
const record = (framework: FrameworkName, values: Partial<Figures>) => Object.assign(figures.get(framework) ?? {}, values);

const licenzy = useLocalLicenzy({ hooks: { beforeAll, afterAll, afterEach }, mock: { keys: MOCK_KEYS } });

const capture = captureLogger;

/** A Licenzy that holds every access check until released, counting how many it holds at once. */
async function hangingLicenzy() {
  const held: Array<{ subject: string; res: ServerResponse }> = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      res.on('close', () => inFlight--);
      held.push({ subject: (JSON.parse(body) as { subject_ref: string }).subject_ref, res });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get held() {
      return held.length;
    },
    get maxInFlight() {
      return maxInFlight;
    },
    releaseAll() {
      for (const { subject, res } of held.splice(0)) res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ subject_ref: subject, allowed: true }));
    },
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

/** Waits for a condition the test cannot otherwise await, bounded (never a fixed sleep). */
async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe.each(FRAMEWORKS)('hardening through %s', (framework) => {
  const slug = framework.replace(' ', '');

  it('a flood of fresh requests from one user costs one Licenzy call per freshInterval, and others are unaffected', async () => {
    const clock = createClock(Date.now());
    const app = await startPaidApp(framework, { apiKey: TEST_KEY, baseUrl: licenzy.mock.url, now: clock.now, fresh: true, retries: 0 });
    try {
      const flooder = `${slug}_flooder`;
      const entitled = `${slug}_entitled`;
      licenzy.mock.grant(entitled);
      const before = licenzy.mock.count(CHECK);
      const waves = 3;
      const perWave = 100;
      for (let wave = 0; wave < waves; wave++) {
        const seen = await Promise.all(Array.from({ length: perWave }, () => callPaid(app, { 'x-demo-user': flooder })));
        expect(seen.every((r) => r.status === 403)).toBe(true);
        clock.advance(1_000); // one freshInterval
      }
      const flooderCalls = licenzy.mock.count(CHECK) - before;
      expect(flooderCalls).toBe(waves);
      const other = await callPaid(app, { 'x-demo-user': entitled });
      expect(other.status).toBe(200);
      record(framework, { freshFloodRequests: waves * perWave, freshFloodCalls: flooderCalls });
    } finally {
      await app.close();
    }
  });

  it("one subject's failures do not open the circuit for an entitled user elsewhere", async () => {
    const app = await startPaidApp(framework, {
      apiKey: TEST_KEY, baseUrl: licenzy.mock.url, retries: 0, cache: { errorTtl: 0 }, circuitBreaker: { threshold: 5, cooldown: 60_000 },
    });
    try {
      licenzy.mock.fault({ type: 'status', status: 429 });
      for (let i = 0; i < 20; i++) expect((await callPaid(app, { 'x-demo-user': `${slug}_unlucky` })).status).toBe(503);
      licenzy.mock.clearFaults();
      licenzy.mock.grant(`${slug}_elsewhere`);
      const other = await callPaid(app, { 'x-demo-user': `${slug}_elsewhere` });
      expect(other.status).toBe(200);
      record(framework, { circuitAfterOneSubject: 'closed', otherUserStatus: other.status });
    } finally {
      await app.close();
    }
  });

  it('Licenzy calls in flight are bounded: beyond maxConcurrent + maxQueue requests are refused at once with 503', async () => {
    const licenzy = await hangingLicenzy();
    const app = await startPaidApp(framework, {
      apiKey: TEST_KEY, baseUrl: licenzy.url, retries: 0, timeout: 5_000, totalTimeout: 5_000, circuitBreaker: false, maxConcurrent: 8, maxQueue: 8,
    });
    try {
      const results: Array<Awaited<ReturnType<typeof callPaid>> | undefined> = Array.from({ length: 60 }, () => undefined);
      const all = Array.from({ length: 60 }, (_, i) => callPaid(app, { 'x-demo-user': `${slug}_crowd_${i}` }).then((r) => (results[i] = r)));
      // While Licenzy holds every call: 8 out, 8 queued, 44 refused straight away.
      await until(() => licenzy.held === 8 && results.filter(Boolean).length === 44, '8 held calls and 44 answers');
      const shed = results.filter((r): r is NonNullable<typeof r> => r !== undefined);
      expect(shed.every((r) => r.status === 503 && r.headers['retry-after'] === '1')).toBe(true);
      licenzy.releaseAll(); // the first 8 answer; the 8 queued go out next
      await until(() => licenzy.held === 8, 'the queued calls');
      licenzy.releaseAll();
      const settled = await Promise.all(all);
      expect(settled.filter((r) => r.status === 200)).toHaveLength(16);
      expect(licenzy.maxInFlight).toBe(8);
      record(framework, { concurrentSeen: licenzy.maxInFlight, shed: shed.length, completed: 16 });
    } finally {
      await app.close();
      await licenzy.close();
    }
  });

  it('a hostile resolver value never throws into the framework: 500 access_misconfigured, no app text in the response', async () => {
    const hostile = { get then(): never { throw new Error('APP_INTERNAL_TEXT from a then getter'); } };
    const app = await startPaidApp(framework, { apiKey: TEST_KEY, baseUrl: licenzy.mock.url, subjectFromHeaders: () => hostile, logger: capture() });
    try {
      const seen = await callPaid(app, { 'x-demo-user': 'anyone' });
      expect(seen.status).toBe(500);
      expect(JSON.parse(seen.text)).toMatchObject({ code: 'access_misconfigured', status: 500 });
      expect(seen.text).not.toContain('APP_INTERNAL_TEXT');
      expect(app.handlerRuns).toBe(0);
      record(framework, { hostileResolverStatus: seen.status });
    } finally {
      await app.close();
    }
  });

  it('after 150 distinct resolver errors, a rejected key is still logged (one line per code and window)', async () => {
    const logger = framework === 'fastify 5' ? undefined : capture();
    let n = 0;
    const app = await startPaidApp(framework, {
      apiKey: TEST_KEY, baseUrl: licenzy.mock.url, retries: 0, ...(logger ? { logger } : {}),
      subjectFromHeaders: (headers) => {
        if (headers['x-bug'] !== undefined) throw new Error(`resolver bug #${++n}`);
        return headers['x-demo-user'];
      },
    });
    try {
      for (let i = 0; i < 150; i++) expect((await callPaid(app, { 'x-bug': '1' })).status).toBe(500);
      const lines = () => (logger ? logger.text() : app.frameworkLogs).filter((line) => line.includes('misconfigured'));
      const afterErrors = lines().length;
      expect(afterErrors).toBe(1);
      licenzy.mock.fault({ type: 'status', status: 401, body: { error: 'invalid_api_key' } });
      expect((await callPaid(app, { 'x-demo-user': `${slug}_payer` })).status).toBe(500);
      expect(lines()).toHaveLength(2);
      expect(lines()[1]).toContain('ERR_LICENZY_AUTH');
      record(framework, { logLinesFor150Errors: afterErrors, authLogged: true });
    } finally {
      await app.close();
    }
  });
});

afterAll(() => {
  const rows = FRAMEWORKS.map((framework) => {
    const f = figures.get(framework) ?? {};
    return [
      framework,
      `${f.freshFloodRequests ?? '–'} → ${f.freshFloodCalls ?? '–'}`,
      `${f.circuitAfterOneSubject ?? '–'}, other user ${f.otherUserStatus ?? '–'}`,
      `${f.concurrentSeen ?? '–'} max in flight, ${f.shed ?? '–'} shed at once, ${f.completed ?? '–'} completed`,
      String(f.hostileResolverStatus ?? '–'),
      `${f.logLinesFor150Errors ?? '–'} line; key rejection logged: ${f.authLogged ? 'yes' : '–'}`,
    ];
  });
  if (rows.every((row) => row[1] === '– → –')) return;
  writeDocSection('hardening', `## Hardening: one user cannot degrade everyone

${environmentLine()}

Observed through each adapter on a real port (\`tests/reliability/hardening.test.ts\`):

- **Fresh flood** — 3 waves of 100 concurrent requests to a \`fresh: true\` route by one unpaid user, one
  \`freshInterval\` (1 s, injected clock) apart: Licenzy calls made. Before the fix: one call per request.
- **One subject failing** — 20 consecutive 429s for one subject (\`errorTtl: 0\`, breaker threshold 5): the circuit
  stays closed and an entitled user elsewhere gets 200. Before: the circuit opened for everyone (503).
- **Bounded calls** — 60 distinct subjects while Licenzy holds every call, \`maxConcurrent: 8, maxQueue: 8\`:
  at most 8 calls reach Licenzy at once; the 44 beyond the queue get 503 with \`Retry-After: 1\` while Licenzy still
  hangs. Before: one socket per subject.
- **Hostile resolver** — a subject resolver returning a thenable whose \`then\` getter throws: 500
  \`access_misconfigured\`, the app's text kept off the response. Before: the guard threw into the framework.
- **Log de-duplication** — 150 distinct resolver errors, then a rejected API key: log lines. Before: 100 lines, then
  silence (the key rejection was never logged).

${table(['Framework', 'Fresh flood: requests → calls', 'Circuit after one subject', 'Bounded calls', 'Hostile resolver', 'Misconfiguration log'], rows)}`);
});
