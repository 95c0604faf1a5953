// Hostile input: odd subjects refused or encoded exactly, client-controlled identity ignored, modes isolated, the key kept secret.
import type { IncomingHttpHeaders } from 'node:http';
import {
  LicenzyConfigError,
  createAccessGate,
  createLicenzyClient,
  type AccessGate,
} from '@licenzy-gate/core';
import { createLruDecisionStore } from '../../packages/core/src/decision-store.js';
import { useLocalLicenzy } from '@licenzy-gate/testing';
import { createClock } from '../../packages/core/test/fake-checker.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FRAMEWORKS, callPaid, startPaidApp, type PaidApp } from './support/apps.js';
import { LIVE_KEY, MOCK_KEYS, SecretScan, TEST_KEY } from './support/secrets.js';

const CHECK_PATH = '/v1/access/check';
const licenzy = useLocalLicenzy({ hooks: { beforeAll, afterAll, afterEach }, mock: { keys: MOCK_KEYS } });
const apps: PaidApp[] = [];
const scan = new SecretScan();

afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
  licenzy.mock.reset();
});

function gateOptions() {
  return { apiKey: TEST_KEY, baseUrl: licenzy.mock.url, retries: 0, circuitBreaker: false as const };
}

/** A subject a resolver may return, and what must happen to it. */
interface SubjectCase {
  name: string;
  value: unknown;
  /** 401/400 refusals, or the exact subject_ref Licenzy must be asked about. */
  expect: { status: 401 | 400; code: 'subject_required' | 'subject_invalid' } | { subjectRef: string };
}

const required = { status: 401, code: 'subject_required' } as const;
const invalid = { status: 400, code: 'subject_invalid' } as const;
const SUBJECT_CASES: SubjectCase[] = [
  { name: 'undefined', value: undefined, expect: required },
  { name: 'null', value: null, expect: required },
  { name: 'empty string', value: '', expect: required },
  { name: 'spaces', value: '   ', expect: invalid },
  { name: 'tab', value: '\t', expect: invalid },
  { name: 'leading space', value: ' alice', expect: invalid },
  { name: 'trailing newline', value: 'alice\n', expect: invalid },
  { name: '10 KB', value: 'x'.repeat(10 * 1024), expect: invalid },
  { name: '257 chars', value: 'y'.repeat(257), expect: invalid },
  { name: '256 chars (the limit)', value: 'z'.repeat(256), expect: { subjectRef: 'z'.repeat(256) } },
  { name: 'NUL', value: 'a\u0000b', expect: invalid },
  { name: 'CR LF injection', value: 'a\r\nx-evil: 1', expect: invalid },
  { name: 'DEL', value: 'a\u007fb', expect: invalid },
  { name: 'C1 NEL', value: 'a\u0085b', expect: invalid },
  { name: 'lone surrogate', value: 'a\uD800b', expect: invalid },
  { name: '../x', value: '../x', expect: { subjectRef: '../x' } },
  { name: '..', value: '..', expect: { subjectRef: '..' } },
  { name: '%2F', value: '%2F', expect: { subjectRef: '%2F' } },
  { name: 'a/b', value: 'a/b', expect: { subjectRef: 'a/b' } },
  { name: '?', value: 'a?subject_ref=mallory', expect: { subjectRef: 'a?subject_ref=mallory' } },
  { name: '#', value: 'a#frag', expect: { subjectRef: 'a#frag' } },
  { name: 'JSON-ish', value: '","allowed":true,"x":"', expect: { subjectRef: '","allowed":true,"x":"' } },
  { name: 'unicode', value: 'ユーザー😀é', expect: { subjectRef: 'ユーザー😀é' } },
  { name: '__proto__', value: '__proto__', expect: { subjectRef: '__proto__' } },
  { name: 'constructor', value: 'constructor', expect: { subjectRef: 'constructor' } },
  { name: 'RTL override', value: 'user\u202Eevil', expect: { subjectRef: 'user\u202Eevil' } },
  { name: 'number 42', value: 42, expect: { subjectRef: '42' } },
  { name: 'number -1', value: -1, expect: invalid },
  { name: 'number 1.5', value: 1.5, expect: invalid },
  { name: 'NaN', value: Number.NaN, expect: invalid },
  { name: 'unsafe integer', value: 2 ** 60, expect: invalid },
  { name: 'boolean', value: true, expect: invalid },
  { name: 'array', value: ['alice'], expect: invalid },
  { name: 'object', value: { id: 'alice' }, expect: invalid },
  { name: 'String object', value: Object('alice') as unknown, expect: invalid },
  { name: 'bigint', value: 1n, expect: invalid },
  { name: 'symbol', value: Symbol('alice'), expect: invalid },
  { name: 'function', value: () => 'alice', expect: invalid },
  { name: 'promise of a valid subject', value: 'promise:alice', expect: { subjectRef: 'alice' } },
];

/** The resolver: a server-side table indexed by a header, so the value reaches the adapter untouched by HTTP. */
function resolveCase(headers: IncomingHttpHeaders): unknown {
  const subjectCase = SUBJECT_CASES[Number(headers['x-case'])];
  const value = subjectCase?.value;
  return value === 'promise:alice' ? Promise.resolve('alice') : value;
}

describe('hostile subjects from a subject resolver', () => {
  describe.each(FRAMEWORKS)('%s', (framework) => {
    it('refuses each unusable subject with 401/400 before any call, and asks Licenzy about exactly each valid one', async () => {
      for (const subjectCase of SUBJECT_CASES) {
        if ('subjectRef' in subjectCase.expect) licenzy.mock.grant(subjectCase.expect.subjectRef);
      }
      const logger = scan.logger();
      const app = await startPaidApp(framework, { ...gateOptions(), cache: false, logger, subjectFromHeaders: resolveCase });
      apps.push(app);
      for (const [index, subjectCase] of SUBJECT_CASES.entries()) {
        licenzy.mock.clearLog();
        const seen = await callPaid(app, { 'x-case': String(index) });
        scan.add(`${framework} ${subjectCase.name}`, seen.text + JSON.stringify(seen.headers));
        const label = `${framework}: ${subjectCase.name}`;
        if ('subjectRef' in subjectCase.expect) {
          expect(seen.status, label).toBe(200);
          expect(licenzy.mock.requests.map((r) => [r.method, r.path, r.body]), label).toEqual([['POST', CHECK_PATH, { subject_ref: subjectCase.expect.subjectRef }]]);
          expect(JSON.parse(seen.text).decision.subjectRef, label).toBe(subjectCase.expect.subjectRef);
        } else {
          expect(seen.status, label).toBe(subjectCase.expect.status);
          expect(JSON.parse(seen.text), label).toMatchObject({ code: subjectCase.expect.code, status: subjectCase.expect.status });
          expect(seen.headers['content-type'], label).toMatch(/^application\/problem\+json/);
          expect(licenzy.mock.count(), label).toBe(0);
        }
      }
      expect(app.handlerRuns).toBe(SUBJECT_CASES.filter((c) => 'subjectRef' in c.expect).length);
      expect(licenzy.mock.violations).toEqual([]);
    });
  });
});

describe('hostile subjects at the core', () => {
  it('gate.check refuses invalid strings with ERR_LICENZY_SUBJECT_INVALID and sends valid ones verbatim in the body', async () => {
    const gate = createAccessGate({ ...gateOptions(), cache: false });
    for (const subjectCase of SUBJECT_CASES) {
      if (typeof subjectCase.value !== 'string' || subjectCase.value.startsWith('promise:') || subjectCase.value === '') continue;
      licenzy.mock.clearLog();
      const result = await gate.check(subjectCase.value).then(
        (decision) => ({ decision }),
        (error: unknown) => ({ error: error as { code?: string; status?: number } }),
      );
      if ('subjectRef' in subjectCase.expect) {
        expect('decision' in result, subjectCase.name).toBe(true);
        expect(licenzy.mock.requests.map((r) => [r.path, r.body]), subjectCase.name).toEqual([[CHECK_PATH, { subject_ref: subjectCase.value }]]);
      } else {
        expect(result, subjectCase.name).toMatchObject({ error: { code: 'ERR_LICENZY_SUBJECT_INVALID', status: 400 } });
        expect(licenzy.mock.count(), subjectCase.name).toBe(0);
      }
    }
  });

  it('GET endpoints percent-encode the subject into exactly one path segment', async () => {
    const client = createLicenzyClient({ apiKey: TEST_KEY, baseUrl: licenzy.mock.url, retries: 0 });
    // Expected paths written out by hand, not computed with the function under test.
    const cases: Array<[subject: string, segment: string]> = [
      ['../x', '..%2Fx'],
      ['%2F', '%252F'],
      ['a/b', 'a%2Fb'],
      ['a?subject_ref=mallory', 'a%3Fsubject_ref%3Dmallory'],
      ['a#frag', 'a%23frag'],
      ['a b+c', 'a%20b%2Bc'],
      ['ユーザー😀', '%E3%83%A6%E3%83%BC%E3%82%B6%E3%83%BC%F0%9F%98%80'],
      ['...', '...'],
    ];
    for (const [subject, segment] of cases) {
      licenzy.mock.clearLog();
      licenzy.mock.grant(subject);
      const access = await client.getCustomerAccess(subject);
      expect(access, subject).toMatchObject({ subjectRef: subject, hasAccess: true });
      await client.getEntitlements(subject);
      expect(licenzy.mock.requests.map((r) => `${r.method} ${r.path}`), subject).toEqual([
        `GET /v1/customer/access/${segment}`,
        `GET /v1/entitlements/${segment}`,
      ]);
    }
    expect(licenzy.mock.violations).toEqual([]);
  });
});

describe('client-controlled identity is ignored by the default resolvers', () => {
  /** Server-side sessions: only the `sid` cookie value, looked up here, makes an identity. */
  const sessions = new Map([['s-alice', 'alice']]);
  const identifyBySession = (headers: IncomingHttpHeaders) => {
    const sid = /(?:^|;\s*)sid=([^;]+)/.exec(headers.cookie ?? '')?.[1];
    const user = sid === undefined ? undefined : sessions.get(sid);
    return user === undefined ? undefined : { id: user };
  };
  const spoof = {
    'x-user-id': 'mallory',
    'x-subject-ref': 'mallory',
    'x-licenzy-subject': 'mallory',
    'x-forwarded-user': 'mallory',
    'x-remote-user': 'mallory',
    'x-demo-user': 'mallory',
    'x-auth-request-user': 'mallory',
    authorization: 'Bearer mallory',
  };
  const query = '?subject_ref=mallory&user=mallory&user[id]=mallory&sub=mallory&auth[sub]=mallory';

  describe.each(FRAMEWORKS)('%s', (framework) => {
    it('asks about the session user only, whatever headers, cookies and query say; anonymous stays 401', async () => {
      licenzy.mock.grant('mallory');
      const app = await startPaidApp(framework, { ...gateOptions(), logger: scan.logger() }, identifyBySession);
      apps.push(app);

      const asAlice = await callPaid(app, { ...spoof, cookie: 'sid=s-alice; subject_ref=mallory; user=mallory; user_id=mallory' }, query);
      expect(asAlice.status).toBe(403);
      const basic = await callPaid(app, { ...spoof, authorization: `Basic ${Buffer.from('mallory:pw').toString('base64')}`, cookie: 'sid=s-alice' }, query);
      expect(basic.status).toBe(403);
      expect(licenzy.mock.requests.map((r) => r.body)).toEqual([{ subject_ref: 'alice' }]); // the second was a cache hit
      licenzy.mock.clearLog();

      const anonymous = await callPaid(app, { ...spoof, cookie: 'subject_ref=mallory; user=mallory; sid=s-mallory' }, query);
      expect(anonymous.status).toBe(401);
      expect(JSON.parse(anonymous.text)).toMatchObject({ code: 'subject_required' });
      expect(licenzy.mock.count()).toBe(0);
      expect(app.handlerRuns).toBe(0);
    });
  });
});

describe('test and live gates never share a decision', () => {
  let testGate: AccessGate;
  let liveGate: AccessGate;
  const clock = createClock();
  beforeAll(() => {
    // One store for both, as a shared cache tier would be; the gate namespaces keys by mode, account and base URL.
    const store = createLruDecisionStore(100);
    const common = { retries: 0, circuitBreaker: false as const, store, now: clock.now, cache: { ttl: 60_000, deniedTtl: 60_000, staleIfError: 60_000 } };
    testGate = createAccessGate({ ...common, baseUrl: licenzy.mock.url, apiKey: TEST_KEY });
    liveGate = createAccessGate({ ...common, baseUrl: licenzy.mock.url, apiKey: LIVE_KEY });
  });

  it('a test-mode grant does not open live mode, and the reverse, with one shared store', async () => {
    licenzy.mock.grant('paid_in_test', undefined, { mode: 'test' });
    licenzy.mock.grant('paid_in_live', undefined, { mode: 'live' });
    expect(await testGate.check('paid_in_test')).toMatchObject({ allowed: true, mode: 'test', source: 'licenzy' });
    expect(await liveGate.check('paid_in_test')).toMatchObject({ allowed: false, mode: 'live', source: 'licenzy' });
    expect(await liveGate.check('paid_in_live')).toMatchObject({ allowed: true, mode: 'live', source: 'licenzy' });
    expect(await testGate.check('paid_in_live')).toMatchObject({ allowed: false, mode: 'test', source: 'licenzy' });
    expect(licenzy.mock.requests.map((r) => [r.mode, (r.body as { subject_ref: string }).subject_ref])).toEqual([
      ['test', 'paid_in_test'],
      ['live', 'paid_in_test'],
      ['live', 'paid_in_live'],
      ['test', 'paid_in_live'],
    ]);
    expect(testGate.peek('paid_in_test')?.allowed).toBe(true);
    expect(liveGate.peek('paid_in_test')?.allowed).toBe(false);
    // Invalidating in one mode leaves the other's decision alone.
    liveGate.invalidate('paid_in_test');
    expect(testGate.peek('paid_in_test')?.allowed).toBe(true);
  });

  it("during an outage a live gate does not fall back on test mode's stale grant", async () => {
    licenzy.mock.grant('only_test', undefined, { mode: 'test' });
    expect((await testGate.check('only_test')).allowed).toBe(true);
    licenzy.mock.fault({ type: 'status', status: 503 });
    await expect(liveGate.check('only_test')).rejects.toMatchObject({ code: 'ERR_LICENZY_UNAVAILABLE' });
    // Past freshInterval (the gates' injected clock), a fresh check asks Licenzy, finds it down and serves the stale grant.
    clock.advance(1_000);
    expect(await testGate.check('only_test', { fresh: true })).toMatchObject({ allowed: true, source: 'stale', mode: 'test' });
  });
});

describe('the API key never leaks', () => {
  it('not in errors from bad configuration', () => {
    const attempts: Array<() => unknown> = [
      () => createLicenzyClient({ apiKey: `${TEST_KEY} `, baseUrl: licenzy.mock.url }),
      () => createLicenzyClient({ apiKey: TEST_KEY.replace('lz_test_', 'lz_prod_'), baseUrl: licenzy.mock.url }),
      () => createLicenzyClient({ apiKey: TEST_KEY, baseUrl: `http://user:${TEST_KEY}@127.0.0.1:1` }),
      () => createLicenzyClient({ apiKey: TEST_KEY, baseUrl: `http://127.0.0.1:1/?key=${TEST_KEY}` }),
      () => createLicenzyClient({ apiKey: TEST_KEY, baseUrl: licenzy.mock.url, timeout: TEST_KEY as unknown as number }),
      () => createAccessGate({ apiKey: TEST_KEY, baseUrl: licenzy.mock.url, cache: TEST_KEY as unknown as object }),
    ];
    for (const attempt of attempts) {
      let thrown: unknown;
      try {
        attempt();
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(LicenzyConfigError);
      scan.addError('config', thrown);
    }
    expect(scan.leaks()).toEqual([]);
  });

  it('not in errors from every kind of failed call (status, network, timeout, bad answer, redirect, rejected key)', async () => {
    const client = createLicenzyClient({ apiKey: TEST_KEY, baseUrl: licenzy.mock.url, retries: 0, timeout: 50 });
    const faults = [
      { type: 'status', status: 401, body: { error: TEST_KEY } },
      { type: 'status', status: 500, body: { error: 'internal', echo: TEST_KEY } },
      { type: 'raw', body: `{"subject_ref":"${TEST_KEY}"` },
      { type: 'raw', body: `{"subject_ref":"u","allowed":"${TEST_KEY}"}` },
      { type: 'redirect', location: `http://127.0.0.1:1/steal?key=${TEST_KEY}` },
      { type: 'reset' },
      { type: 'hang' },
      { type: 'oversized', bytes: 70_000 },
    ] as const;
    for (const fault of faults) {
      licenzy.mock.clearFaults();
      licenzy.mock.fault(fault);
      const error = await client.checkAccess('u').then(() => undefined, (e: unknown) => e);
      expect(error, fault.type).toBeDefined();
      scan.addError(`call ${fault.type}`, error);
    }
    licenzy.mock.clearFaults();
    const refused = createLicenzyClient({ apiKey: TEST_KEY, baseUrl: 'http://127.0.0.1:1', retries: 0 });
    scan.addError('connection refused', await refused.checkAccess('u').then(() => undefined, (e: unknown) => e));
    // The rejected key case: a key the mock does not know (Licenzy's 401 invalid_api_key).
    const unknownKey = createLicenzyClient({ apiKey: 'lz_test_RELIABILITY_sk_unknown_key_000', baseUrl: licenzy.mock.url, retries: 0 });
    const rejected = await unknownKey.checkAccess('u').then(() => undefined, (e: unknown) => e);
    expect(rejected).toMatchObject({ code: 'ERR_LICENZY_AUTH', upstreamCode: 'invalid_api_key' });
    expect(String((rejected as Error).message)).not.toContain('unknown_key');
    expect(scan.leaks()).toEqual([]);
  });

  it('not in any response or log line of this file', () => {
    expect(scan.scanned).toBeGreaterThan(100);
    expect(scan.leaks()).toEqual([]);
  });
});
