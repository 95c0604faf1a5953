// The local Licenzy under hostile input (issue 23, item 15): dates out of Date's range, and logs bounded in bytes.
import { request as httpRequest } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createMockLicenzy, DEFAULT_TEST_KEY, type MockLicenzy } from '../src/index.js';
import { DEFAULT_MAX_LOGGED_BYTES, loggedBytes, MAX_VIOLATION_BYTES, MAX_VIOLATION_LENGTH } from '../src/mock-log.js';

let mock: MockLicenzy | undefined;
afterEach(async () => {
  await mock?.close();
  mock = undefined;
});

function post(url: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Runs `count` calls of `send`, `width` at a time. */
async function flood(count: number, width: number, send: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < count) await send(next++);
  }));
}

/** Bytes retained, by the log's own accounting, summed over what `mock.requests` and `mock.violations` hold now. */
const retained = (m: MockLicenzy) => ({
  requests: m.requests.reduce((sum, entry) => sum + loggedBytes(entry), 0),
  violations: m.violations.reduce((sum, message) => sum + loggedBytes(message), 0),
});

describe('regression: a date out of Date\'s range is a 400 naming the field, not a broken subject list (issue 23, item 15)', () => {
  // Every date the control API accepts: `expiresAt` of a grant, as epoch ms or as a string.
  it.each([1e300, -1e300, 8.64e15 + 1, Number.MAX_VALUE, '+275760-09-13T00:00:00.001Z'])('expiresAt %s: 400 naming expiresAt, the list still answers', async (expiresAt) => {
    mock = await createMockLicenzy();
    const answer = await post(`${mock.url}/_mock/subjects/user_1/grant`, JSON.stringify({ kind: 'time_pass', expiresAt }));
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.text)).toMatchObject({ error: 'invalid_body', message: expect.stringMatching(/^expiresAt: /) });
    const list = await fetch(`${mock.url}/_mock/subjects`);
    expect(list.status).toBe(200);
    expect(await list.json()).toEqual({ subjects: [] });
  });

  it('the edge of the range is accepted and listed', async () => {
    mock = await createMockLicenzy();
    expect((await post(`${mock.url}/_mock/subjects/user_1/grant`, JSON.stringify({ kind: 'time_pass', expiresAt: 8.64e15 }))).status).toBe(201);
    expect(await (await fetch(`${mock.url}/_mock/subjects`)).json()).toMatchObject({ subjects: [{ entitlements: [{ expiresAt: '+275760-09-13T00:00:00.000Z' }] }] });
  });

  it.each([1e300, -1e300, new Date(8.64e15 + 1)])('mock.grant() with expiresAt %s throws naming entitlement.expiresAt, and stores nothing', async (expiresAt) => {
    mock = await createMockLicenzy();
    expect(() => mock?.grant('user_1', { kind: 'time_pass', expiresAt })).toThrow(expect.objectContaining({ option: 'entitlement.expiresAt' }));
    expect(mock.subjects()).toEqual([]);
    expect((await fetch(`${mock.url}/_mock/subjects`)).status).toBe(200);
  });
});

describe('regression: the request log and the violations are bounded in bytes (issue 23, item 15)', () => {
  it(`2,000 key-less 60 KiB posts keep at most ${DEFAULT_MAX_LOGGED_BYTES} bytes of requests (they kept 119 MiB)`, async () => {
    mock = await createMockLicenzy();
    const body = JSON.stringify({ subject_ref: 'x'.repeat(60 * 1024) });
    await flood(2000, 8, (i) => post(`${mock!.url}/v1/access/check`, body, { 'x-n': String(i) }));
    expect(mock.count('POST /v1/access/check')).toBe(2000);
    const bytes = retained(mock);
    expect(bytes.requests).toBeLessThanOrEqual(DEFAULT_MAX_LOGGED_BYTES);
    expect(Buffer.byteLength(JSON.stringify(mock.requests))).toBeLessThanOrEqual(DEFAULT_MAX_LOGGED_BYTES);
    // The bound is spent on the newest entries: the log still shows what just happened.
    expect(mock.requests.at(-1)?.headers['x-n']).toBe('1999');
    expect(mock.requests.length).toBeGreaterThan(200);
    expect(bytes.violations).toBeLessThanOrEqual(MAX_VIOLATION_BYTES);
  }, 60_000);

  it('key-less posts to 8 KiB paths keep at most 1 MiB of violations (the newest), each cut to 1,024 characters (they were unbounded)', async () => {
    mock = await createMockLicenzy();
    const path = `/v1/${'p'.repeat(8 * 1024)}`;
    await flood(1500, 8, () => post(`${mock!.url}${path}`, '{}'));
    expect(mock.count()).toBe(1500);
    // 1,500 messages of 1 KiB: the byte bound, not the cut alone, holds them.
    expect(mock.violations.length).toBeGreaterThan(0);
    for (const message of mock.violations) expect(message.length).toBeLessThanOrEqual(MAX_VIOLATION_LENGTH);
    expect(retained(mock).violations).toBeLessThanOrEqual(MAX_VIOLATION_BYTES);
    expect(mock.violations.length).toBeLessThan(1500);
    expect(Buffer.byteLength(JSON.stringify(mock.violations))).toBeLessThanOrEqual(MAX_VIOLATION_BYTES + 4 * mock.violations.length);
  }, 60_000);

  it('maxLoggedBytes sets the bound (a genuine call is still logged whole), and is validated', async () => {
    mock = await createMockLicenzy({ maxLoggedBytes: 4096 });
    await post(`${mock.url}/v1/access/check`, JSON.stringify({ subject_ref: 'y'.repeat(8000) }));
    expect(mock.requests).toEqual([]);
    expect(mock.count()).toBe(1);
    const answer = await post(`${mock.url}/v1/access/check`, JSON.stringify({ subject_ref: 'user_1' }), { authorization: `Bearer ${DEFAULT_TEST_KEY}` });
    expect(answer.status).toBe(200);
    expect(mock.requests).toMatchObject([{ path: '/v1/access/check', body: { subject_ref: 'user_1' }, status: 200 }]);
    await expect(createMockLicenzy({ maxLoggedBytes: -1 })).rejects.toMatchObject({ option: 'maxLoggedBytes' });
    await expect(createMockLicenzy({ maxLoggedBytes: 1.5 })).rejects.toMatchObject({ option: 'maxLoggedBytes' });
  });
});
