// Bugs the reliability suite found, one test each, named after the bug they pin.
import { createAccessGate, createLicenzyClient, type AccessCheckResult, type AccessChecker } from '@licenzy-gate/core';
import { useLocalLicenzy } from '@licenzy-gate/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createClock } from '../../packages/core/test/fake-checker.js';
import { MOCK_KEYS, TEST_KEY } from './support/secrets.js';

describe('bug: a malformed answer from a custom checker leaves its subject stuck in flight', () => {
  // packages/core/src/gate.ts, callLicenzy(): the subject/`allowed` check throws inside the *fulfilment* handler
  // of `.then(onAnswer, onError)`, so onError never runs: the rejected call stays in `inflight` for good (every
  // later check joins it and fails without asking Licenzy), the breaker records a success, and no failure is kept.
  function scriptedChecker(answers: Array<(subjectRef: string) => AccessCheckResult>) {
    const calls: string[] = [];
    const checker: AccessChecker = {
      mode: 'test',
      async checkAccess(subjectRef) {
        calls.push(subjectRef);
        const next = answers.shift() ?? ((s: string) => ({ subjectRef: s, allowed: true }));
        return next(subjectRef);
      },
    };
    return { checker, calls };
  }

  it('asks Licenzy again once errorTtl has passed after an answer for another subject', async () => {
    const clock = createClock();
    const { checker, calls } = scriptedChecker([() => ({ subjectRef: 'someone_else', allowed: true })]);
    const gate = createAccessGate({ client: checker, now: clock.now, circuitBreaker: false, cache: { errorTtl: 1000 } });
    await expect(gate.check('alice')).rejects.toMatchObject({ code: 'ERR_LICENZY_RESPONSE', status: 503 });
    clock.advance(60_000);
    // Licenzy is healthy again: the next check must reach it and be allowed.
    expect(await gate.check('alice')).toMatchObject({ allowed: true, source: 'licenzy' });
    expect(calls).toEqual(['alice', 'alice']);
  });

  it('asks Licenzy again after an answer whose `allowed` is not a boolean, and counts it as an error (not as an outage)', async () => {
    const clock = createClock();
    const { checker, calls } = scriptedChecker([(s) => ({ subjectRef: s, allowed: 'true' as unknown as boolean })]);
    const gate = createAccessGate({ client: checker, now: clock.now, circuitBreaker: { threshold: 1, cooldown: 1000 }, cache: { errorTtl: 0 } });
    await expect(gate.check('bob')).rejects.toMatchObject({ code: 'ERR_LICENZY_RESPONSE', status: 503 });
    // Licenzy was reachable, so the circuit stays closed (issue 8: only transport outages count against it).
    expect(gate.stats()).toMatchObject({ errors: 1, circuit: 'closed' });
    expect(await gate.check('bob')).toMatchObject({ allowed: true, source: 'licenzy' });
    expect(calls).toEqual(['bob', 'bob']);
  });
});

describe('bug: subject_ref "." or ".." makes the GET endpoints call another path', () => {
  // packages/core/src/client.ts, subjectPath(): encodeURIComponent leaves dots alone, and the WHATWG URL parser
  // (used by fetch) resolves a "." or ".." segment — even as "%2E%2E" — so GET /v1/customer/access/.. goes out as
  // GET /v1/customer/ and GET /v1/entitlements/.. as GET /v1/: another endpoint, with our key. No encoding can carry
  // such a segment, so the client must refuse these two subjects for path endpoints (ERR_LICENZY_SUBJECT_INVALID).
  const licenzy = useLocalLicenzy({ hooks: { beforeAll, afterAll, afterEach }, mock: { keys: MOCK_KEYS } });
  beforeEach(() => licenzy.mock.reset());

  for (const subject of ['.', '..']) {
    it(`never requests a path outside /v1/customer/access/ or /v1/entitlements/ for ${JSON.stringify(subject)}`, async () => {
      const client = createLicenzyClient({ apiKey: TEST_KEY, baseUrl: licenzy.mock.url, retries: 0 });
      licenzy.mock.grant(subject);
      const outcomes = [
        await client.getCustomerAccess(subject).then(() => 'ok', (e: { code?: string }) => e.code),
        await client.getEntitlements(subject).then(() => 'ok', (e: { code?: string }) => e.code),
      ];
      const stray = licenzy.mock.requests.filter(
        (r) => !/^\/v1\/(customer\/access|entitlements)\/[^/]+$/.test(r.path) || decodeURIComponent(r.path.split('/').pop() ?? '') !== subject,
      );
      expect(stray.map((r) => `${r.method} ${r.path}`)).toEqual([]);
      // Either refused up front, or answered for exactly this subject.
      for (const outcome of outcomes) expect(['ok', 'ERR_LICENZY_SUBJECT_INVALID']).toContain(outcome);
    });
  }
});
