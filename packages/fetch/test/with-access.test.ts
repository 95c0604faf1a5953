// withAccess() and checkRequest() over real HTTP on Node: the subject resolver is required, the handler keeps its
// signature, the decision is on decisionOf(request), refusals are the problem+json of every adapter.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { captureLogger, uniqueSubject, useLocalLicenzy } from '@licenzy-gate/testing';
import { gateMarkOf } from '@licenzy-gate/core/adapter';
import { LicenzyConfigError, checkRequest, decisionOf, withAccess, type AccessGate, type FetchAccessOptions } from '../src/index.js';
import { demoSubject, serveFetch } from './serve.js';

const licenzy = useLocalLicenzy({ hooks: { beforeAll, afterAll, afterEach }, gate: { retries: 0, circuitBreaker: false } });
let gate: AccessGate;
beforeAll(() => {
  gate = licenzy.gate();
});

describe('withAccess (fetch)', () => {
  it('refuses to build without a subject resolver: nothing in a Request is trusted by default', () => {
    expect(() => withAccess(() => new Response('x'), { gate } as unknown as FetchAccessOptions)).toThrow(LicenzyConfigError);
    expect(() => withAccess(() => new Response('x'), { gate } as unknown as FetchAccessOptions)).toThrow(/`subject`.*required/);
    expect(() => withAccess(() => new Response('x'), { gate, subject: 'x-user' } as unknown as FetchAccessOptions)).toThrow(/`subject`/);
  });

  it('200 with the decision, 401, 403 and 503 + Retry-After over real HTTP', async () => {
    const paid = uniqueSubject('fetch_paid');
    const free = uniqueSubject('fetch_free');
    licenzy.mock.grant(paid);
    const logger = captureLogger();
    const handler = withAccess((request) => Response.json({ subjectRef: decisionOf(request)?.subjectRef, source: decisionOf(request)?.source }), { gate, subject: demoSubject, logger });
    const app = await serveFetch(handler);
    try {
      const as = (user?: string) => fetch(app.url, { headers: user === undefined ? {} : { 'x-demo-user': user } });
      const ok = await as(paid);
      expect(ok.status).toBe(200);
      expect(await ok.json()).toEqual({ subjectRef: paid, source: 'licenzy' });
      const anonymous = await as();
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(((await anonymous.json()) as { code: string }).code).toBe('subject_required');
      const denied = await as(free);
      expect(denied.status).toBe(403);
      expect(((await denied.json()) as { code: string }).code).toBe('access_denied');
      const outage = uniqueSubject('fetch_outage');
      licenzy.mock.fault({ type: 'status', status: 503 });
      const down = await as(outage);
      expect(down.status).toBe(503);
      expect(down.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(((await down.json()) as { code: string }).code).toBe('access_unavailable');
    } finally {
      await app.close();
    }
  });

  it('keeps the handler signature: the runtime arguments after the request pass through', async () => {
    const paid = uniqueSubject('fetch_rest');
    licenzy.mock.grant(paid);
    const handler = withAccess((_request: Request, context: { params: Promise<{ id: string }> }) => context.params.then((p) => Response.json(p)), { gate, subject: () => paid });
    const response = await handler(new Request('http://app.test/reports/7'), { params: Promise.resolve({ id: '7' }) });
    expect(await response.json()).toEqual({ id: '7' });
  });

  it('is marked as an access gate for route inventories', () => {
    expect(gateMarkOf(withAccess(() => new Response(), { gate, subject: demoSubject }))?.kind).toBe('access');
  });

  it('onDenied answers with its Response, and the denial is on decisionOf(request)', async () => {
    const free = uniqueSubject('fetch_hook');
    let seen: string | undefined;
    const handler = withAccess(() => new Response('never'), {
      gate,
      subject: () => free,
      onDenied: (request) => {
        seen = decisionOf(request)?.subjectRef;
        return Response.redirect('https://app.test/pricing', 303);
      },
    });
    const response = await handler(new Request('http://app.test/pro'));
    expect(response.status).toBe(303);
    expect(seen).toBe(free);
  });

  it('delegateErrors rejects with the typed error', async () => {
    const handler = withAccess(() => new Response('never'), { gate, subject: () => undefined, delegateErrors: true });
    await expect(handler(new Request('http://app.test/pro'))).rejects.toMatchObject({ code: 'ERR_LICENZY_SUBJECT_REQUIRED', status: 401 });
  });
});

describe('checkRequest (fetch)', () => {
  it('null when allowed (decision on decisionOf), the refusal Response otherwise; one guard per options object', async () => {
    const paid = uniqueSubject('fetch_check');
    licenzy.mock.grant(paid);
    const options: FetchAccessOptions = { gate, subject: demoSubject };
    const allowed = new Request('http://app.test/pro', { headers: { 'x-demo-user': paid } });
    expect(await checkRequest(allowed, options)).toBeNull();
    expect(decisionOf(allowed)?.allowed).toBe(true);
    const refused = await checkRequest(new Request('http://app.test/pro'), options);
    expect(refused?.status).toBe(401);
    const before = licenzy.mock.count('POST /v1/access/check');
    expect(await checkRequest(new Request('http://app.test/pro', { headers: { 'x-demo-user': paid } }), options)).toBeNull();
    expect(licenzy.mock.count('POST /v1/access/check')).toBe(before); // the same guard, its gate's cache
  });

  it('requires a subject resolver on the first call', async () => {
    await expect(checkRequest(new Request('http://app.test/'), { gate } as unknown as FetchAccessOptions)).rejects.toThrow(LicenzyConfigError);
  });
});
