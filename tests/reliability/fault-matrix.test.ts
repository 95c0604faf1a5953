// The fault matrix: every scripted Licenzy fault × failure mode × framework, with the status, upstream calls and wall time observed.
import { OMIT_FIELD, createMockLicenzy, type MockFault, type MockLicenzy } from '@licenzy-gate/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAccessGate, LicenzyResponseError } from '@licenzy-gate/core';
import { MALFORMED_CONSUME_ANSWERS } from '../../packages/core/test/consume-answers.js';
import { createClock } from '../../packages/core/test/fake-checker.js';
import { FRAMEWORKS, callPaid, startPaidApp, type FrameworkName, type PaidRouteOptions } from './support/apps.js';
import { environmentLine, table, writeDocSection } from './support/report.js';
import { MOCK_KEYS, SecretScan, TEST_KEY } from './support/secrets.js';

/**
 * Small budgets so a cell is fast; `circuitBreaker: false` so each cell is independent of the others. The attempt
 * timeout leaves room for a loaded 2-core CI box (apps, mocks and clients of 5 concurrent cells share one event
 * loop): at 100 ms a slow but healthy answer was occasionally cut off and retried, which is correct behaviour but
 * would make the exact call counts flaky.
 */
const BUDGET = { timeout: 250, retries: 2, retryBackoff: 5, totalTimeout: 1000 } as const;
/** Allowance over `totalTimeout` for the framework, the mock and a loaded machine. */
const SLACK_MS = 500;
const MAX_CALLS = BUDGET.retries + 1;
const TTL = 1000;
const STALE_IF_ERROR = 60_000;
const CHECK = 'POST /v1/access/check';

/**
 * What a fault is, for the invariant: `healthy` (Licenzy answers), `outage` (retryable: 5xx, 429, timeouts,
 * resets — up to retries + 1 calls; the only class a stale answer or fail-open may cover), `bad-answer` (a reachable
 * Licenzy answering something that is not a valid answer — one call, never retried, always 503, never covered),
 * `misconfig` (Licenzy rejects the key — one call, 500, never fail-open).
 */
type FaultClass = 'healthy' | 'outage' | 'bad-answer' | 'misconfig';

interface FaultCase {
  id: string;
  label: string;
  faultClass: FaultClass;
  /** Exactly this many calls, or a range for timeouts (a loaded machine may fit fewer attempts in the budget). */
  calls: number | [number, number];
  /** The subject is entitled in the mock, so any fault that still grants is the gate's fault. */
  entitled: boolean;
  fault?: (subject: string, redirectTo: string) => MockFault;
}

const FAULTS: FaultCase[] = [
  { id: 'healthy-entitled', label: 'none (entitled subject)', faultClass: 'healthy', calls: 1, entitled: true },
  { id: 'healthy-denied', label: 'none (subject not entitled)', faultClass: 'healthy', calls: 1, entitled: false },
  ...[500, 502, 503, 504].map((status): FaultCase => ({
    id: `status-${status}`, label: `HTTP ${status}`, faultClass: 'outage', calls: MAX_CALLS, entitled: true,
    fault: () => ({ type: 'status', status }),
  })),
  { id: '429', label: 'HTTP 429, no Retry-After', faultClass: 'outage', calls: MAX_CALLS, entitled: true, fault: () => ({ type: 'status', status: 429 }) },
  {
    id: '429-retry-after', label: 'HTTP 429, Retry-After: 1 (longer than the budget left)', faultClass: 'outage', calls: 1, entitled: true,
    fault: () => ({ type: 'status', status: 429, headers: { 'retry-after': '1' } }),
  },
  { id: 'hang', label: `hang past the ${BUDGET.timeout} ms timeout`, faultClass: 'outage', calls: [1, MAX_CALLS], entitled: true, fault: () => ({ type: 'hang' }) },
  { id: 'reset', label: 'connection reset', faultClass: 'outage', calls: MAX_CALLS, entitled: true, fault: () => ({ type: 'reset' }) },
  {
    id: 'drip', label: 'body dripping 1 byte / 60 ms', faultClass: 'outage', calls: [1, MAX_CALLS], entitled: true,
    fault: () => ({ type: 'drip', intervalMs: 60, chunkBytes: 1 }),
  },
  { id: 'invalid-json', label: 'invalid JSON (200)', faultClass: 'bad-answer', calls: 1, entitled: true, fault: (s) => ({ type: 'raw', body: `{"subject_ref":${JSON.stringify(s)},"allowed":tru` }) },
  { id: 'empty-body', label: 'empty 200 body', faultClass: 'bad-answer', calls: 1, entitled: true, fault: () => ({ type: 'raw', body: '' }) },
  { id: 'html-200', label: 'HTML page with 200', faultClass: 'bad-answer', calls: 1, entitled: true, fault: () => ({ type: 'raw', body: '<html>ok</html>', contentType: 'text/html' }) },
  { id: 'allowed-string', label: 'allowed: "true"', faultClass: 'bad-answer', calls: 1, entitled: true, fault: () => ({ type: 'allowed', value: 'true' }) },
  { id: 'allowed-one', label: 'allowed: 1', faultClass: 'bad-answer', calls: 1, entitled: true, fault: () => ({ type: 'allowed', value: 1 }) },
  { id: 'allowed-null', label: 'allowed: null', faultClass: 'bad-answer', calls: 1, entitled: true, fault: () => ({ type: 'allowed', value: null }) },
  { id: 'allowed-missing', label: 'allowed missing', faultClass: 'bad-answer', calls: 1, entitled: true, fault: () => ({ type: 'allowed', value: OMIT_FIELD }) },
  {
    id: 'array-body', label: 'array body [{…"allowed":true}]', faultClass: 'bad-answer', calls: 1, entitled: true,
    fault: (s) => ({ type: 'raw', body: JSON.stringify([{ subject_ref: s, allowed: true }]) }),
  },
  { id: 'subject-mismatch', label: 'subject_ref of another subject', faultClass: 'bad-answer', calls: 1, entitled: true, fault: () => ({ type: 'subject', subjectRef: 'someone_else' }) },
  { id: 'subject-missing', label: 'subject_ref missing', faultClass: 'bad-answer', calls: 1, entitled: true, fault: () => ({ type: 'subject', subjectRef: OMIT_FIELD }) },
  {
    id: 'duplicate-allowed', label: 'duplicate key: "allowed":false,"allowed":true', faultClass: 'bad-answer', calls: 1, entitled: false,
    fault: (s) => ({ type: 'raw', body: `{"subject_ref":${JSON.stringify(s)},"allowed":false,"allowed":true}` }),
  },
  {
    id: 'duplicate-subject', label: 'duplicate key: another subject_ref first', faultClass: 'bad-answer', calls: 1, entitled: false,
    fault: (s) => ({ type: 'raw', body: `{"subject_ref":"someone_else","allowed":true,"subject_ref":${JSON.stringify(s)}}` }),
  },
  { id: 'status-404', label: 'HTTP 404', faultClass: 'bad-answer', calls: 1, entitled: true, fault: () => ({ type: 'status', status: 404 }) },
  { id: 'oversized', label: 'oversized body (70 kB, starts like a grant)', faultClass: 'bad-answer', calls: 1, entitled: true, fault: () => ({ type: 'oversized', bytes: 70_000 }) },
  {
    id: 'redirect-302', label: '302 redirect to another host', faultClass: 'bad-answer', calls: 1, entitled: true,
    fault: (_s, to) => ({ type: 'redirect', status: 302, location: to }),
  },
  {
    id: 'redirect-307', label: '307 redirect to another host', faultClass: 'bad-answer', calls: 1, entitled: true,
    fault: (_s, to) => ({ type: 'redirect', status: 307, location: to }),
  },
  {
    id: '401', label: '401 invalid_api_key', faultClass: 'misconfig', calls: 1, entitled: true,
    fault: () => ({ type: 'status', status: 401, body: { error: 'invalid_api_key' } }),
  },
  {
    id: '403', label: '403 plan_mode_not_allowed', faultClass: 'misconfig', calls: 1, entitled: true,
    fault: () => ({ type: 'status', status: 403, body: { error: 'plan_mode_not_allowed' } }),
  },
];

/**
 * The failure modes: `deny` (default, `staleIfError` off), `stale-allowed` / `stale-denied` (`staleIfError` on; the
 * subject's last answer, now past `ttl` but inside `ttl + staleIfError`, was allowed / denied) and `fail-open`
 * (`onUnavailable: 'allow'` on the route).
 */
const MODES = ['deny', 'stale-allowed', 'stale-denied', 'fail-open'] as const;
type Mode = (typeof MODES)[number];
const MODE_LABEL: Record<Mode, string> = {
  deny: 'staleIfError off',
  'stale-allowed': 'staleIfError on, last answer allowed',
  'stale-denied': 'staleIfError on, last answer denied',
  'fail-open': "onUnavailable: 'allow'",
};

/** What the invariant demands for a fault in a mode: the status, and the decision source of a 2xx. */
function expected(fault: FaultCase, mode: Mode): { status: number; source?: string } {
  switch (fault.faultClass) {
    case 'healthy':
      if (mode === 'stale-denied' || !fault.entitled) return { status: 403 };
      return { status: 200, source: 'licenzy' };
    case 'misconfig':
      return { status: 500 };
    case 'bad-answer':
      // Licenzy was reached and answered nonsense: refused in every mode; no stale grant, no fail-open.
      return { status: 503 };
    case 'outage':
      if (mode === 'stale-allowed') return { status: 200, source: 'stale' };
      if (mode === 'stale-denied') return { status: 403 };
      if (mode === 'fail-open') return { status: 200, source: 'fail-open' };
      return { status: 503 };
  }
}

interface Row {
  framework: FrameworkName;
  mode: Mode;
  fault: FaultCase;
  status: number;
  source: string | undefined;
  calls: number;
  ms: number;
}

const rows: Row[] = [];
const scan = new SecretScan();
let redirectTarget: MockLicenzy;

beforeAll(async () => {
  redirectTarget = await createMockLicenzy({ keys: MOCK_KEYS });
  // Anything the packages print to the console is scanned too (and kept out of the test output).
  for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => scan.add(`console.${level}`, args.map((a) => (a instanceof Error ? `${a.stack}` : JSON.stringify(a) ?? String(a))).join(' ')));
  }
});
afterAll(async () => {
  vi.restoreAllMocks();
  await redirectTarget.close();
});

async function runMode(framework: FrameworkName, mode: Mode): Promise<void> {
  const mock = await createMockLicenzy({ keys: MOCK_KEYS });
  const clock = createClock(Date.now());
  // Fastify reports through the request's pino logger (captured by the app); the others get a capturing logger.
  const logger = framework === 'fastify 5' ? undefined : scan.logger();
  const options: PaidRouteOptions = {
    apiKey: TEST_KEY,
    baseUrl: mock.url,
    ...BUDGET,
    circuitBreaker: false,
    now: clock.now,
    cache: { ttl: TTL, deniedTtl: TTL, staleIfError: mode.startsWith('stale') ? STALE_IF_ERROR : 0 },
    onUnavailable: mode === 'fail-open' ? 'allow' : 'deny',
    ...(logger ? { logger } : {}),
  };
  const app = await startPaidApp(framework, options);
  const redirectTo = `${redirectTarget.url}/v1/access/check`;
  try {
    for (const fault of FAULTS) {
      const subject = `${framework.replace(' ', '')}_${mode}_${fault.id}`;
      const headers = { 'x-demo-user': subject };
      if (mode.startsWith('stale')) {
        // History first: one answer (allowed or denied), then the clock moves past ttl but inside staleIfError.
        if (mode === 'stale-allowed') mock.grant(subject);
        const primed = await callPaid(app, headers);
        expect(primed.status).toBe(mode === 'stale-allowed' ? 200 : 403);
        if (mode === 'stale-allowed' && !fault.entitled) mock.revoke(subject); // a refund since the last answer
        clock.advance(TTL + 1000);
      } else if (fault.entitled) {
        mock.grant(subject);
      }
      if (fault.fault) mock.fault(fault.fault(subject, redirectTo));
      const runsBefore = app.handlerRuns;
      const callsBefore = mock.count(CHECK);
      const logBefore = mock.requests.length;
      const seen = await callPaid(app, headers);
      const calls = mock.count(CHECK) - callsBefore;
      const upstream = mock.requests.slice(logBefore).map((r) => `${(r.body as { subject_ref?: string } | undefined)?.subject_ref}→${r.status ?? 'none'}`);
      mock.clearFaults();
      rows.push({ framework, mode, fault, status: seen.status, source: seen.source, calls, ms: seen.ms });
      scan.add(`${framework} ${mode} ${fault.id}`, `${seen.text} ${JSON.stringify(seen.headers)}`);

      const label = `${framework} / ${MODE_LABEL[mode]} / ${fault.label} (upstream: ${upstream.join(', ')}; answered ${seen.status})`;
      const want = expected(fault, mode);
      expect(seen.status, label).toBe(want.status);
      if (want.source) expect(seen.source, label).toBe(want.source);
      // The paid handler runs exactly when the answer is 2xx.
      expect(app.handlerRuns - runsBefore, label).toBe(seen.status < 300 ? 1 : 0);
      if (seen.status >= 400) {
        expect(seen.headers['content-type'], label).toMatch(/^application\/problem\+json/);
        expect(seen.headers['cache-control'], label).toBe('no-store');
      }
      if (seen.status === 503) expect(Number(seen.headers['retry-after']), label).toBeGreaterThanOrEqual(1);
      if (Array.isArray(fault.calls)) {
        expect(calls, label).toBeGreaterThanOrEqual(fault.calls[0]);
        expect(calls, label).toBeLessThanOrEqual(fault.calls[1]);
      } else {
        expect(calls, label).toBe(fault.calls);
      }
      expect(seen.ms, label).toBeLessThanOrEqual(BUDGET.totalTimeout + SLACK_MS);
      expect(redirectTarget.count(), `${label}: the redirect target was reached`).toBe(0);
    }
    if (mode === 'fail-open') {
      // Fail-opens are reported once per window (with how many were held back), never one line per request.
      const logs = logger ? logger.lines : app.frameworkLogs;
      const failOpens = rows.filter((r) => r.framework === framework && r.mode === mode && r.source === 'fail-open').length;
      expect(failOpens).toBeGreaterThan(1);
      expect(logs.filter((line) => line.includes('onUnavailable: allow')).length).toBe(1);
    }
    expect(mock.violations).toEqual([]);
  } finally {
    for (const line of app.frameworkLogs) scan.add(`${framework} log`, line);
    await app.close();
    await mock.close();
  }
}

describe('fault matrix: every fault × failure mode × framework keeps the invariant within the budget', () => {
  describe.concurrent.each(FRAMEWORKS)('%s', (framework) => {
    for (const mode of MODES) {
      it(`${MODE_LABEL[mode]}: status, upstream calls and wall time per fault`, async () => {
        await runMode(framework, mode);
      }, 60_000);
    }
  });
});

/**
 * The consume column of the matrix (issue 23, item 9): a consume answer is a charge only with status 200 and exactly
 * the units asked. Every answer that does not add up is a bad answer: one call (never retried), 503, never a charge the
 * route serves on. Over real HTTP against the local Licenzy's fault injection; the adapters' own cases (503, handler not
 * run) are in each adapter's issue-23-regressions.test.ts.
 */
describe('fault matrix: consume answers that do not add up are bad answers (503), never a charge', () => {
  const CONSUME = 'POST /v1/usage/consume';
  let mock: MockLicenzy;
  beforeAll(async () => {
    mock = await createMockLicenzy({ keys: MOCK_KEYS });
  });
  afterAll(async () => {
    await mock.close();
  });

  it.each(MALFORMED_CONSUME_ANSWERS)('%s: refused as malformed after one call', async (label, status, body) => {
    const gate = createAccessGate({ apiKey: TEST_KEY, baseUrl: mock.url, ...BUDGET, circuitBreaker: false });
    const subject = `consume_${label.replace(/\W+/g, '_')}`;
    mock.grant(subject, { kind: 'usage_pack', usageRemaining: 100 });
    mock.fault({ type: 'status', status, body }, { path: '/v1/usage/consume' });
    const before = mock.count(CONSUME);
    const error = await gate.consumeUsage(subject, 5, { idempotencyKey: `evt_${subject}` }).then(() => undefined, (e: unknown) => e);
    mock.clearFaults();
    expect(error).toBeInstanceOf(LicenzyResponseError);
    expect((error as LicenzyResponseError).status).toBe(503);
    expect(mock.count(CONSUME) - before).toBe(1);
  });

  it('a 200 with exactly the units asked is a charge, and 409 insufficient_usage a refusal', async () => {
    const gate = createAccessGate({ apiKey: TEST_KEY, baseUrl: mock.url, ...BUDGET, circuitBreaker: false });
    mock.grant('consume_exact', { kind: 'usage_pack', usageRemaining: 7 });
    await expect(gate.consumeUsage('consume_exact', 5, { idempotencyKey: 'evt_exact' })).resolves.toEqual({ ok: true, consumed: 5, usageRemaining: 2 });
    await expect(gate.consumeUsage('consume_exact', 5, { idempotencyKey: 'evt_exact_2' })).resolves.toEqual({ ok: false, reason: 'insufficient_usage' });
  });
});

describe('across the whole matrix', () => {
  it('the key appears in no response body or header, log line or console output', () => {
    expect(scan.scanned).toBeGreaterThanOrEqual(rows.length);
    expect(scan.leaks()).toEqual([]);
  });

  it('no 2xx outside what the invariant allows (stale within the window, fail-open route, a real grant)', () => {
    const wrongGrants = rows.filter((r) => r.status < 300 && expected(r.fault, r.mode).status !== 200);
    expect(wrongGrants.map((r) => `${r.framework} ${r.mode} ${r.fault.id}`)).toEqual([]);
  });

  afterAll(() => {
    if (rows.length === 0) return;
    writeDocSection('matrix', renderMatrix());
  });
});

function renderMatrix(): string {
  const maxMs = Math.max(...rows.map((r) => r.ms));
  const body = FAULTS.flatMap((fault) =>
    MODES.map((mode) => {
      const cells = rows.filter((r) => r.fault === fault && r.mode === mode);
      const want = expected(fault, mode);
      const statuses = FRAMEWORKS.map((framework) => {
        const row = cells.find((r) => r.framework === framework);
        return row === undefined ? '–' : `${row.status}${row.source && row.status < 300 ? ` ${row.source}` : ''}`;
      });
      const calls = cells.map((r) => r.calls);
      const callRange = calls.length === 0 ? '–' : Math.min(...calls) === Math.max(...calls) ? String(calls[0]) : `${Math.min(...calls)}–${Math.max(...calls)}`;
      const expectedCalls = Array.isArray(fault.calls) ? `${fault.calls[0]}–${fault.calls[1]}` : String(fault.calls);
      return [
        fault.label,
        fault.faultClass,
        MODE_LABEL[mode],
        `${want.status}${want.source ? ` ${want.source}` : ''}`,
        ...statuses,
        `${callRange} (${expectedCalls})`,
        Math.round(Math.max(...cells.map((r) => r.ms))),
      ];
    }),
  );
  return `## Fault matrix

${environmentLine()}

Every cell: a fresh subject, the fault scripted on the mock Licenzy (\`@licenzy-gate/testing\`), one request to a paid
route through the adapter on a real port. Budget: \`timeout: ${BUDGET.timeout}, retries: ${BUDGET.retries}, retryBackoff: ${BUDGET.retryBackoff}, totalTimeout: ${BUDGET.totalTimeout}\`
(ms), \`circuitBreaker: false\`, cache \`ttl: ${TTL}\`, \`staleIfError: ${STALE_IF_ERROR}\` where on (the last answer is ${TTL + 1000} ms old:
past \`ttl\`, inside \`ttl + staleIfError\`; time moved with an injected clock). In the fault rows the subject **is**
entitled, so any grant would have come from the faulty answer; in the "last answer denied" mode it is not.

Asserted in every cell: the status below (never a 2xx the invariant does not allow); the paid handler ran iff 2xx;
refusals are \`application/problem+json\` with \`Cache-Control: no-store\`, 503s carry \`Retry-After\`; upstream calls
as expected (retryable faults: at most \`retries + 1\` = ${MAX_CALLS}; bad answers and rejected keys: exactly 1); wall time
≤ \`totalTimeout\` + ${SLACK_MS} ms slack = ${BUDGET.totalTimeout + SLACK_MS} ms; the redirect target got no request; fail-opens are logged;
no response, log line or console output contains the API key.

Classes: **outage** = transport-level unavailability (5xx, 429, timeouts, resets): the only class a stale answer or
\`onUnavailable: 'allow'\` may cover; **bad-answer** = a reachable Licenzy answering something that is not a valid answer
(2xx/3xx/404 with a bad body, duplicated member names, another subject): never retried, never trusted, and 503 in every
mode — no stale grant, no fail-open; **misconfig** = Licenzy rejected the key (500 \`access_misconfigured\`, never fail-open or stale).

${rows.length} cells observed; slowest ${Math.round(maxMs)} ms; wrong grants: 0.

${table(['Fault', 'Class', 'Mode', 'Expected', ...FRAMEWORKS, 'Upstream calls (expected)', 'Max wall ms'], body)}

Reproduce: \`npm run reliability:docs\` (or \`npx vitest run --project reliability fault-matrix\` without writing).`;
}
