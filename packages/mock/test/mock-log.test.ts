// Tests redaction, counting and capping of the emulator's request log.
import { describe, expect, it } from 'vitest';
import { loggedBytes, MAX_VIOLATION_BYTES, MAX_VIOLATION_LENGTH, parseLoggedBody, redactCredential, redactHeaders, RequestLog, type MockRequestLogEntry } from '../src/mock-log.js';

const entry = (method: string, path: string): MockRequestLogEntry => ({ method, path, headers: {}, body: undefined, mode: undefined, status: undefined, at: 0 });

describe('redactCredential', () => {
  it.each([
    ['Bearer lz_test_abcdef', 'Bearer lz_test_…redacted'],
    ['bearer lz_live_abcdef', 'bearer lz_live_…redacted'],
    ['Bearer sk_other', 'Bearer …redacted'],
    ['Basic dXNlcjpwYXNz', 'Basic …redacted'],
    ['lz_test_no_scheme', 'lz_test_…redacted'],
  ])('%s → %s', (value, redacted) => {
    expect(redactCredential(value)).toBe(redacted);
  });
});

describe('redactHeaders', () => {
  it('lower-cases names, joins multi-values and redacts credential headers', () => {
    expect(
      redactHeaders({ Authorization: 'Bearer lz_test_secret', 'X-Api-Key': 'lz_live_secret', cookie: 'a=b', accept: ['a', 'b'], skipped: undefined }),
    ).toEqual({ authorization: 'Bearer lz_test_…redacted', 'x-api-key': 'lz_live_…redacted', cookie: '…redacted', accept: 'a, b' });
  });
});

describe('parseLoggedBody', () => {
  it('parses JSON, keeps other text, and maps empty to undefined', () => {
    expect([parseLoggedBody('{"a":1}'), parseLoggedBody('{bad'), parseLoggedBody('')]).toEqual([{ a: 1 }, '{bad', undefined]);
  });
});

describe('RequestLog', () => {
  it('counts by endpoint, by path and in total', () => {
    const log = new RequestLog(Infinity);
    log.record(entry('POST', '/v1/access/check'));
    log.record(entry('GET', '/v1/access/check'));
    log.record(entry('GET', '/v1/entitlements/u'));
    expect(log.count('POST /v1/access/check')).toBe(1);
    expect(log.count('/v1/access/check')).toBe(2);
    expect(log.count('/v1/nothing')).toBe(0);
    expect(log.count()).toBe(3);
    expect(log.counts()).toEqual({ 'POST /v1/access/check': 1, 'GET /v1/access/check': 1, 'GET /v1/entitlements/u': 1 });
  });

  it('drops the oldest entries past the cap but keeps exact counts', () => {
    const log = new RequestLog(1);
    log.record(entry('GET', '/a'));
    log.record(entry('GET', '/b'));
    expect(log.requests.map((e) => e.path)).toEqual(['/b']);
    expect(log.count()).toBe(2);
    const silent = new RequestLog(0);
    silent.record(entry('GET', '/a'));
    expect([silent.requests.length, silent.count()]).toEqual([0, 1]);
  });

  it('clears entries, counts and violations in place', () => {
    const log = new RequestLog(10);
    const { requests, violations } = log;
    log.record(entry('GET', '/a'));
    log.violation('bad');
    log.clear();
    expect([requests.length, violations.length, log.count()]).toEqual([0, 0, 0]);
  });
});

describe('RequestLog byte bounds (issue 23, item 15)', () => {
  const big = (n: number): MockRequestLogEntry => ({ ...entry('POST', '/v1/access/check'), body: { n, pad: 'x'.repeat(1000) } });

  it('drops the oldest entries past maxBytes, keeps counts exact, and its running total matches loggedBytes', () => {
    const log = new RequestLog(Infinity, 10_000);
    for (let i = 0; i < 100; i++) log.record(big(i));
    expect(log.count()).toBe(100);
    expect(log.retainedBytes.requests).toBeLessThanOrEqual(10_000);
    expect(log.retainedBytes.requests).toBe(log.requests.reduce((sum, e) => sum + loggedBytes(e), 0));
    expect(log.requests.at(-1)?.body).toMatchObject({ n: 99 });
    log.clear();
    expect(log.retainedBytes).toEqual({ requests: 0, violations: 0 });
  });

  it('counts but does not keep an entry larger than the whole bound', () => {
    const log = new RequestLog(10, 500);
    log.record(big(1));
    expect(log.requests).toEqual([]);
    expect(log.count()).toBe(1);
  });

  it('cuts each violation to MAX_VIOLATION_LENGTH characters and keeps at most MAX_VIOLATION_BYTES, newest last', () => {
    const log = new RequestLog(10);
    for (let i = 0; i < 3000; i++) log.violation(`${i}: ${'v'.repeat(5000)}`);
    expect(log.violations.every((message) => message.length <= MAX_VIOLATION_LENGTH)).toBe(true);
    expect(log.retainedBytes.violations).toBeLessThanOrEqual(MAX_VIOLATION_BYTES);
    expect(log.retainedBytes.violations).toBe(log.violations.reduce((sum, m) => sum + loggedBytes(m), 0));
    expect(log.violations.at(-1)).toMatch(/^2999: v+…$/);
  });
});
