// Tests the control API under /_mock/ and the console's HTTP surface over real HTTP on 127.0.0.1.
import { createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMockLicenzy, DEFAULT_LIVE_KEY, DEFAULT_TEST_KEY, generateWebhookSecret, type MockLicenzy } from '../src/index.js';
import { MAX_SEEN_SUBJECTS } from '../src/mock-events.js';

let mock: MockLicenzy;
let clock: number;

beforeEach(async () => {
  clock = Date.parse('2026-01-01T00:00:00Z');
  mock = await createMockLicenzy({ now: () => clock });
});
afterEach(async () => {
  await mock.close();
});

interface Answer {
  status: number;
  headers: IncomingMessage['headers'];
  text: string;
  body: Record<string, unknown>;
}

/** A raw request, so tests can set Host, Origin and Content-Type exactly as a browser or attacker would. */
function raw(method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${mock.url}${path}`, { method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        let parsed: Record<string, unknown> = {};
        try {
          parsed = JSON.parse(text) as Record<string, unknown>;
        } catch {
          // not JSON (the console page)
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body: parsed });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

const control = (method: string, path: string, body?: unknown) =>
  raw(method, path, body === undefined ? {} : { 'content-type': 'application/json' }, body === undefined ? undefined : JSON.stringify(body));

async function check(subjectRef: string, key = DEFAULT_TEST_KEY) {
  const res = await fetch(`${mock.url}/v1/access/check`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ subject_ref: subjectRef }),
  });
  return { status: res.status, text: await res.text() };
}
const allowed = async (subjectRef: string, key?: string) => JSON.parse((await check(subjectRef, key)).text).allowed as boolean;

describe('subjects', () => {
  it('grants a test-mode subscription by default and lists it', async () => {
    const granted = await control('POST', '/_mock/subjects/user_1/grant', {});
    expect(granted.status).toBe(201);
    expect(granted.body).toMatchObject({ subjectRef: 'user_1', mode: 'test', entitlement: { kind: 'subscription', status: 'active', available: true } });
    expect(await allowed('user_1')).toBe(true);
    expect(await allowed('user_1', DEFAULT_LIVE_KEY)).toBe(false);

    const listed = await control('GET', '/_mock/subjects');
    expect(listed.body.subjects).toEqual([
      expect.objectContaining({ subjectRef: 'user_1', mode: 'test', hasAccess: true, entitlements: [expect.objectContaining({ kind: 'subscription' })] }),
      // Checked with the live key above: seen in live mode, without an entitlement there.
      expect.objectContaining({ subjectRef: 'user_1', mode: 'live', hasAccess: false, entitlements: [] }),
    ]);
  });

  it('grants every kind, in live mode too, and percent-decodes the subject', async () => {
    const expiresAt = '2026-01-01T01:00:00.000Z';
    expect((await control('POST', '/_mock/subjects/user_pass/grant', { kind: 'time_pass', expiresAt })).body).toMatchObject({
      entitlement: { kind: 'time_pass', expiresAt },
    });
    expect((await control('POST', '/_mock/subjects/user_pack/grant', { kind: 'usage_pack', units: 5 })).body).toMatchObject({
      entitlement: { kind: 'usage_pack', usageRemaining: 5 },
    });
    await control('POST', `/_mock/subjects/${encodeURIComponent('team/a b')}/grant`, { mode: 'live' });
    expect(await allowed('team/a b', DEFAULT_LIVE_KEY)).toBe(true);
    expect(await allowed('team/a b')).toBe(false);
    expect(mock.subjects().map((s) => [s.subjectRef, s.mode])).toEqual([
      ['user_pass', 'test'],
      ['user_pack', 'test'],
      ['team/a b', 'live'],
    ]);
    clock = Date.parse(expiresAt);
    expect(await allowed('user_pass')).toBe(false);
  });

  it('refunds as Licenzy documents: pass expires now, pack drops to 0, subscription becomes past_due', async () => {
    mock.grant('u', { kind: 'time_pass', expiresAt: clock + 3_600_000 });
    mock.grant('u', { kind: 'usage_pack', usageRemaining: 50 });
    mock.grant('u');
    const refunded = await control('POST', '/_mock/subjects/u/refund', {});
    expect(refunded.status).toBe(200);
    expect(refunded.body).toMatchObject({ subjectRef: 'u', hasAccess: false });
    expect(mock.entitlements('u').map((e) => [e.kind, e.status, e.expiresAt, e.usageRemaining])).toEqual([
      ['time_pass', 'active', clock, null],
      ['usage_pack', 'active', null, 0],
      ['subscription', 'past_due', null, null],
    ]);
    expect(await allowed('u')).toBe(false);
  });

  it('marks a disputed subscription past_due, and revokes', async () => {
    mock.grant('u');
    expect((await control('POST', '/_mock/subjects/u/dispute', {})).body).toMatchObject({
      hasAccess: false,
      entitlements: [expect.objectContaining({ status: 'past_due', availabilityReason: 'past_due' })],
    });
    expect(await allowed('u')).toBe(false);
    mock.grant('v', undefined, { mode: 'live' });
    expect((await control('POST', '/_mock/subjects/v/revoke', { mode: 'live' })).body).toEqual({ subjectRef: 'v', mode: 'live', hasAccess: false, entitlements: [] });
    expect(mock.entitlements('v', { mode: 'live' })).toEqual([]);
  });

  it('resets state, faults and the log', async () => {
    mock.grant('u');
    mock.fault({ type: 'status', status: 503 });
    await check('u');
    expect((await control('POST', '/_mock/reset', {})).body).toEqual({ ok: true });
    expect(mock.subjects()).toEqual([]);
    expect(mock.activeFaults()).toEqual([]);
    expect(mock.requests).toEqual([]);
  });
});

describe('subjects seen in calls', () => {
  it('regression (issue 22): lists a subject seen in a check without entitlements (user_free), after the granted ones', async () => {
    mock.grant('user_paid');
    await check('user_free');
    clock += 1000;
    await check('user_paid');
    await check('user_other', DEFAULT_LIVE_KEY);
    await check('no_key', 'lz_test_unknown');
    const listed = (await control('GET', '/_mock/subjects')).body.subjects;
    expect(listed).toEqual([
      expect.objectContaining({ subjectRef: 'user_paid', mode: 'test', hasAccess: true, lastSeenAt: '2026-01-01T00:00:01.000Z' }),
      { subjectRef: 'user_other', mode: 'live', hasAccess: false, entitlements: [], lastSeenAt: '2026-01-01T00:00:01.000Z' },
      { subjectRef: 'user_free', mode: 'test', hasAccess: false, entitlements: [], lastSeenAt: '2026-01-01T00:00:00.000Z' },
    ]);
    expect(mock.subjects().map((subject) => subject.subjectRef)).toEqual(['user_paid']); // the programmatic list is unchanged
    await control('POST', '/_mock/reset', {});
    expect((await control('GET', '/_mock/subjects')).body.subjects).toEqual([]);
  });

  it(`stays bounded under a flood of random subjects: the latest ${MAX_SEEN_SUBJECTS} are listed`, async () => {
    const flood = Array.from({ length: MAX_SEEN_SUBJECTS + 300 }, (_, i) => `random_${i}`);
    for (let i = 0; i < flood.length; i += 50) await Promise.all(flood.slice(i, i + 50).map((subject) => check(subject)));
    const listed = (await control('GET', '/_mock/subjects')).body.subjects as { subjectRef: string }[];
    expect(listed).toHaveLength(MAX_SEEN_SUBJECTS);
    expect(listed.some((subject) => subject.subjectRef === 'random_0')).toBe(false);
  }, 30_000);
});

describe('POST /_mock/subjects/:subject/topup', () => {
  it('regression (issue 22): tops up the usage pack, so a spent pack is usable again with one row', async () => {
    const pack = mock.grant('user_credits', { kind: 'usage_pack', usageRemaining: 1 });
    mock.refund('user_credits'); // drops it to 0 units
    const topped = await control('POST', '/_mock/subjects/user_credits/topup', { units: 100 });
    expect(topped.status).toBe(200);
    expect(topped.body).toMatchObject({ subjectRef: 'user_credits', mode: 'test', created: false, entitlement: { id: pack.id, usageRemaining: 100, available: true } });
    expect(mock.entitlements('user_credits')).toHaveLength(1);
    expect(await allowed('user_credits')).toBe(true);
  });

  it('grants a pack when the subject has none (201), and refuses bad units', async () => {
    const created = await control('POST', '/_mock/subjects/user_new/topup', { units: 5, mode: 'live' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ created: true, mode: 'live', entitlement: { kind: 'usage_pack', usageRemaining: 5 } });
    for (const body of [{}, { units: 0 }, { units: 1.5 }, { units: '5' }, { units: 5, kind: 'subscription' }]) {
      expect((await control('POST', '/_mock/subjects/u/topup', body)).status).toBe(400);
    }
  });
});

describe('?wait=webhooks', () => {
  it('answers a subject action once its webhook reached the receiver (without it, before)', async () => {
    const received: string[] = [];
    const receiver = createServer((req, res) => {
      req.resume();
      // A slow receiver: the answer must still wait for it.
      setTimeout(() => {
        received.push(req.url ?? '');
        res.writeHead(204).end();
      }, 200);
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const hooked = await createMockLicenzy({ webhooks: [{ url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`, secret: generateWebhookSecret() }] });
    try {
      const post = (path: string) => fetch(`${hooked.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      const waited = await post('/_mock/subjects/u/grant?wait=webhooks');
      expect([waited.status, waited.headers.get('mock-webhooks'), received.length]).toEqual([201, 'delivered', 1]);
      const unwaited = await post('/_mock/subjects/u/revoke');
      expect([unwaited.status, unwaited.headers.get('mock-webhooks'), received.length]).toEqual([200, null, 1]);
      await hooked.webhooksIdle();
      expect(received).toHaveLength(2);
    } finally {
      await hooked.close();
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
    }
  });
});

describe('faults', () => {
  it('scripts a status for the next N Licenzy calls, never for control routes', async () => {
    mock.grant('u');
    const added = await control('POST', '/_mock/faults', { status: 503, times: 2 });
    expect(added.status).toBe(201);
    expect(added.body.faults).toEqual([{ fault: { type: 'status', status: 503 }, path: null, remaining: 2 }]);
    expect((await control('GET', '/_mock/subjects')).status).toBe(200);
    expect((await check('u')).status).toBe(503);
    expect((await check('u')).status).toBe(503);
    expect((await check('u')).status).toBe(200);
  });

  it('keeps an unlimited fault until DELETE /_mock/faults', async () => {
    await control('POST', '/_mock/faults', { malformed: true, path: '/v1/access/check' });
    expect(await check('u')).toEqual({ status: 200, text: '{"subject_ref":' });
    expect((await control('GET', '/_mock/faults')).body.faults).toEqual([expect.objectContaining({ remaining: null, path: '/v1/access/check' })]);
    expect((await control('DELETE', '/_mock/faults')).body).toEqual({ faults: [] });
    expect((await check('u')).status).toBe(200);
  });

  it('maps delay, hang and reset to the programmatic faults', async () => {
    await control('POST', '/_mock/faults', { delay: 0, times: 1 });
    await control('POST', '/_mock/faults', { hang: true, times: 1 });
    await control('POST', '/_mock/faults', { reset: true, times: 1 });
    expect(mock.activeFaults().map((f) => f.fault)).toEqual([{ type: 'delay', ms: 0 }, { type: 'hang' }, { type: 'reset' }]);
  });

  it.each([
    [{}, /exactly one of/],
    [{ status: 503, delay: 10 }, /exactly one of/],
    [{ status: 99 }, /status: expected an integer from 200 to 599/],
    [{ delay: -1 }, /delay/],
    [{ hang: 'yes' }, /hang: expected true/],
    [{ status: 503, times: 0 }, /times/],
    [{ status: 503, path: '/_mock/subjects' }, /path: expected a path starting with \/v1\//],
    [{ status: 503, every: 2 }, /unknown field "every"/],
  ])('rejects the fault body %j with 400', async (body, message) => {
    const res = await control('POST', '/_mock/faults', body);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'invalid_body', message: expect.stringMatching(message) });
    expect(mock.activeFaults()).toEqual([]);
  });
});

describe('input validation', () => {
  it.each([
    [{ kind: 'lifetime' }, /kind: expected one of subscription, time_pass, usage_pack/],
    [{ kind: 'usage_pack' }, /units: is required for a usage_pack/],
    [{ units: -1 }, /units: expected an integer >= 0/],
    [{ units: 1.5 }, /units/],
    [{ expiresAt: 'tomorrow' }, /expiresAt/],
    [{ mode: 'prod' }, /mode: expected "test" or "live"/],
    [{ product_code: 'pro' }, /unknown field "product_code"/],
  ])('rejects the grant body %j with 400 and a clear message', async (body, message) => {
    const res = await control('POST', '/_mock/subjects/u/grant', body);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'invalid_body', message: expect.stringMatching(message) });
    expect(mock.subjects()).toEqual([]);
  });

  it('rejects invalid JSON, non-objects and oversized bodies', async () => {
    const json = { 'content-type': 'application/json' };
    expect((await raw('POST', '/_mock/subjects/u/grant', json, '{"kind":')).body).toMatchObject({ error: 'invalid_json' });
    expect((await raw('POST', '/_mock/subjects/u/grant', json, '[1]')).body).toMatchObject({ error: 'invalid_body' });
    const big = await raw('POST', '/_mock/subjects/u/grant', json, JSON.stringify({ kind: 'x'.repeat(20_000) }));
    expect(big.status).toBe(413);
    expect(mock.subjects()).toEqual([]);
  });

  it('rejects a subject with control characters or over 256 characters', async () => {
    expect((await control('POST', '/_mock/subjects/a%0Ab/grant', {})).status).toBe(400);
    expect((await control('POST', `/_mock/subjects/${'x'.repeat(257)}/grant`, {})).status).toBe(400);
    expect((await control('POST', '/_mock/subjects/%E0%A4%A/grant', {})).status).toBe(400);
  });

  it('answers 404 for unknown control routes and 405 with Allow for wrong methods', async () => {
    expect((await control('GET', '/_mock/nope')).status).toBe(404);
    expect((await control('POST', '/_mock/subjects/u/upgrade', {})).status).toBe(404);
    const wrong = await control('GET', '/_mock/subjects/u/grant');
    expect(wrong.status).toBe(405);
    expect(wrong.headers.allow).toBe('POST');
    expect((await control('DELETE', '/_mock/subjects')).status).toBe(405);
  });
});

describe('cross-origin safety', () => {
  it('refuses POSTs that a cross-site form could send (no application/json content type)', async () => {
    for (const type of [undefined, 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const res = await raw('POST', '/_mock/subjects/u/grant', type ? { 'content-type': type } : {}, '{}');
      expect(res.status).toBe(415);
    }
    expect(mock.subjects()).toEqual([]);
  });

  it('refuses a foreign Origin, a cross-site fetch and a foreign Host (DNS rebinding)', async () => {
    const json = { 'content-type': 'application/json' };
    const evil = await raw('POST', '/_mock/subjects/u/grant', { ...json, origin: 'https://evil.example' }, '{}');
    expect(evil).toMatchObject({ status: 403, body: { error: 'forbidden_origin' } });
    expect((await raw('POST', '/_mock/subjects/u/grant', { ...json, origin: 'null' }, '{}')).status).toBe(403);
    expect((await raw('POST', '/_mock/subjects/u/grant', { ...json, 'sec-fetch-site': 'cross-site' }, '{}')).status).toBe(403);
    const rebound = await raw('GET', '/_mock/requests', { host: `evil.example:${mock.port}`, origin: `http://evil.example:${mock.port}` });
    expect(rebound).toMatchObject({ status: 403, body: { error: 'forbidden_host' } });
    expect((await raw('GET', '/', { host: 'evil.example' })).status).toBe(403);
    expect(mock.subjects()).toEqual([]);

    // The page's own origin, by IP or by name, is accepted; no answer carries CORS headers.
    const own = await raw('POST', '/_mock/subjects/u/grant', { ...json, origin: mock.url }, '{}');
    expect(own.status).toBe(201);
    expect(own.headers['access-control-allow-origin']).toBeUndefined();
    const byName = await raw('GET', '/_mock/subjects', { host: `localhost:${mock.port}`, origin: `http://localhost:${mock.port}` });
    expect(byName.status).toBe(200);
    // IP literals cannot be rebound, so they pass (e.g. a LAN address with --host 0.0.0.0); DNS names do not.
    expect((await raw('GET', '/_mock/subjects', { host: `192.168.1.5:${mock.port}` })).status).toBe(200);
    expect((await raw('GET', '/_mock/subjects', { host: `[::1]:${mock.port}` })).status).toBe(200);
    expect((await raw('GET', '/_mock/subjects', { host: `127.0.0.1.nip.io:${mock.port}` })).status).toBe(403);
  });

  it('needs no Licenzy key and never logs control calls as Licenzy traffic', async () => {
    await control('POST', '/_mock/subjects/u/grant', {});
    await control('GET', '/_mock/subjects');
    await raw('GET', '/favicon.ico');
    expect(mock.requests).toEqual([]);
    expect(mock.violations).toEqual([]);
    expect(mock.count()).toBe(0);
  });

  it('serves the request log with the API key redacted', async () => {
    await check('u');
    const res = await control('GET', '/_mock/requests');
    expect(res.text).not.toContain(DEFAULT_TEST_KEY);
    expect(res.body.requests).toEqual([
      expect.objectContaining({ method: 'POST', path: '/v1/access/check', status: 200, headers: expect.objectContaining({ authorization: 'Bearer lz_test_…redacted' }) }),
    ]);
    expect(res.body.violations).toEqual([]);
  });
});

describe('GET /_mock/events', () => {
  /** Opens the event stream and collects parsed events until `done` says enough, within a bound. */
  function collectEvents(done: (events: { event: string; data: Record<string, unknown> }[]) => boolean) {
    const events: { event: string; data: Record<string, unknown> }[] = [];
    let opened!: () => void;
    const open = new Promise<void>((resolve) => (opened = resolve));
    const finished = new Promise<typeof events>((resolve, reject) => {
      const req = httpRequest(`${mock.url}/_mock/events`, (res) => {
        expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
        let buffer = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffer += chunk;
          if (buffer.startsWith(': connected\n\n')) {
            buffer = buffer.slice(': connected\n\n'.length);
            opened();
          }
          let end: number;
          while ((end = buffer.indexOf('\n\n')) !== -1) {
            const frame = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const event = /^event: (.+)$/m.exec(frame)?.[1] ?? 'message';
            const data = JSON.parse(/^data: (.+)$/m.exec(frame)?.[1] ?? '{}') as Record<string, unknown>;
            events.push({ event, data });
          }
          if (done(events)) {
            req.destroy();
            resolve(events);
          }
        });
      });
      req.on('error', (err) => (done(events) ? resolve(events) : reject(err)));
      req.setTimeout(5000, () => reject(new Error(`timed out with events ${JSON.stringify(events)}`)));
      req.end();
    });
    return { open, finished };
  }

  it('sends one call event per answered Licenzy call, with its decision, and a state event per change', async () => {
    const calls = <T extends { event: string }>(events: T[]) => events.filter((e) => e.event === 'call');
    const stream = collectEvents((events) => calls(events).length >= 3);
    await stream.open;
    await check('user_1');
    await control('POST', '/_mock/subjects/user_1/grant', {});
    await check('user_1');
    await control('POST', '/_mock/faults', { status: 503, times: 1 });
    await check('user_1');
    const events = await stream.finished;
    expect(calls(events).map((e) => [e.data.subject_ref, e.data.status, e.data.decision, e.data.mode])).toEqual([
      ['user_1', 200, 'denied', 'test'],
      ['user_1', 200, 'allowed', 'test'],
      ['user_1', 503, 'error 503', 'test'],
    ]);
    expect(events.filter((e) => e.event === 'state').map((e) => e.data.type)).toEqual(['purchase.finalized', null]);
  });

  it('reports consumptions with the units consumed', async () => {
    mock.grant('u', { kind: 'usage_pack', usageRemaining: 1 });
    const stream = collectEvents((events) => events.filter((e) => e.event === 'call').length >= 2);
    await stream.open;
    const consume = () =>
      fetch(`${mock.url}/v1/usage/consume`, {
        method: 'POST',
        headers: { authorization: `Bearer ${DEFAULT_TEST_KEY}`, 'content-type': 'application/json', 'idempotency-key': `k${Math.random()}` },
        body: JSON.stringify({ subject_ref: 'u', units: 1 }),
      }).then((res) => res.arrayBuffer());
    await consume();
    await consume();
    const decisions = (await stream.finished).filter((e) => e.event === 'call').map((e) => e.data.decision);
    expect(decisions).toEqual(['consumed 1', 'insufficient_usage']);
  });
});

describe('console page', () => {
  it('serves plain HTML with a CSP that forbids external and inline resources', async () => {
    const page = await raw('GET', '/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    const csp = page.headers['content-security-policy'] ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(page.headers['x-frame-options']).toBe('DENY');
    // Only the mock's own assets; no CDN, font or analytics URL.
    expect(page.text).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(page.text).toContain('<script src="/_mock/console.js" defer></script>');
    expect(page.text).not.toMatch(/<script>(?!<\/script>)/);

    const script = await raw('GET', '/_mock/console.js');
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    // Subject text must never be parsed as markup.
    expect(script.text).not.toMatch(/\.(innerHTML|outerHTML)\s*=|insertAdjacentHTML|document\.write/);
    expect((await raw('GET', '/_mock/console.css')).headers['content-type']).toBe('text/css; charset=utf-8');
    expect((await raw('POST', '/', { 'content-type': 'application/json' }, '{}')).status).toBe(405);
  });
});
