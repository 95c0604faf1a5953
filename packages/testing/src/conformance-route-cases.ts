// The route-option cases: subject resolvers, the refusal policy (hook, delegation) and metered routes' exact charges.
import type { ConformanceCase } from './conformance-target.js';
import { CHECK, CONSUME, expect, get, post, uniqueSubject } from './conformance-http.js';

/**
 * Cases for the adapter's handling of a `subject` resolver — behaviour every adapter must share, tested once here
 * instead of copied per adapter. Besides the routes of {@link ConformanceTarget}, the app serves, each gated by the
 * shared gate and answering like `/pro`:
 * - `GET /resolver/async`: `subject` resolves asynchronously to the authenticated user's id;
 * - `GET /resolver/numeric`: `subject: () => 4242` (a numeric user id);
 * - `GET /resolver/object`: `subject: () => ({ id: 'u' })` (not a subject_ref);
 * - `GET /resolver/throws` and `GET /resolver/rejects`: a resolver that throws / rejects with an `Error` whose message
 *   contains `resolver secret detail`.
 *
 * @example
 * for (const testCase of resolverConformanceCases) it(testCase.name, () => testCase.fn(target))
 */
export const resolverConformanceCases: readonly ConformanceCase[] = [
  {
    id: 'resolver-async',
    name: 'MUST await an async subject resolver and decide for what it resolved to',
    async fn(target) {
      const subject = uniqueSubject('async');
      target.mock.grant(subject);
      const reply = await get(target, '/resolver/async', subject);
      expect(reply.status === 200 && reply.json?.subjectRef === subject, `expected 200 for ${subject}, got ${reply.status} ${reply.text}`);
    },
  },
  {
    id: 'resolver-numeric',
    name: 'MUST check a numeric user id as its decimal string',
    async fn(target) {
      target.mock.grant('4242');
      const reply = await get(target, '/resolver/numeric');
      expect(reply.status === 200 && reply.json?.subjectRef === '4242', `expected 200 for subject "4242", got ${reply.status} ${reply.text}`);
    },
  },
  {
    id: 'resolver-object',
    name: 'MUST answer 400 subject_invalid for a resolver value that is not a subject_ref, without calling Licenzy or the handler',
    async fn(target) {
      const calls = target.mock.count(CHECK);
      const runs = target.handlerCalls('/resolver/object');
      const reply = await get(target, '/resolver/object');
      expect(reply.status === 400 && reply.json?.code === 'subject_invalid', `expected 400 subject_invalid, got ${reply.status} ${reply.text}`);
      expect(target.mock.count(CHECK) === calls, 'Licenzy must not be asked about an invalid subject');
      expect(target.handlerCalls('/resolver/object') === runs, 'the handler must not run');
    },
  },
  ...(['throws', 'rejects'] as const).map((how): ConformanceCase => ({
    id: `resolver-${how}`,
    name: `MUST answer 500 access_misconfigured when the resolver ${how}, keeping its message off the response`,
    async fn(target) {
      const path = `/resolver/${how}`;
      const runs = target.handlerCalls(path);
      const reply = await get(target, path, uniqueSubject(how));
      expect(reply.status === 500 && reply.json?.code === 'access_misconfigured', `expected 500 access_misconfigured, got ${reply.status} ${reply.text}`);
      expect(!reply.text.includes('resolver secret detail'), 'the resolver\'s own message must not reach the client');
      expect(target.handlerCalls(path) === runs, 'the handler must not run');
    },
  })),
];


/**
 * Cases for the one refusal policy (decided in core, written by each adapter): `delegateErrors` first, then the
 * route's hook, else problem+json (the last is {@link conformanceCases}' `denied` case). Besides the routes of
 * {@link ConformanceTarget}, the app serves, gated by the shared gate:
 * - `GET /refusal/hook`: `onDenied` answers `402 {"upgrade":"/pricing"}`;
 * - `GET /refusal/delegate`: `delegateErrors: true` AND the same `onDenied`; the app's own error handling answers a
 *   `LicenzyError` with its `status` and `{"delegated": <error.code>}`.
 *
 * @example
 * for (const testCase of refusalConformanceCases) it(testCase.name, () => testCase.fn(target))
 */
export const refusalConformanceCases: readonly ConformanceCase[] = [
  {
    id: 'refusal-hook',
    name: "MUST answer a denial through the route's onDenied hook when one is configured, not the default problem",
    async fn(target) {
      const runs = target.handlerCalls('/refusal/hook');
      const reply = await get(target, '/refusal/hook', uniqueSubject('hook'));
      expect(reply.status === 402 && reply.json?.upgrade === '/pricing', `expected the hook's 402, got ${reply.status} ${reply.text}`);
      expect(target.handlerCalls('/refusal/hook') === runs, 'the handler must not run');
    },
  },
  {
    id: 'refusal-delegate',
    name: "MUST hand the typed error to the app's error handling when delegateErrors is set, before any hook",
    async fn(target) {
      const runs = target.handlerCalls('/refusal/delegate');
      const reply = await get(target, '/refusal/delegate', uniqueSubject('delegate'));
      expect(reply.status === 403 && reply.json?.delegated === 'ERR_LICENZY_ACCESS_DENIED', `expected the app's error handler to answer 403 {"delegated":"ERR_LICENZY_ACCESS_DENIED"}, got ${reply.status} ${reply.text}`);
      expect(target.handlerCalls('/refusal/delegate') === runs, 'the handler must not run');
    },
  },
];

/**
 * Cases for metered routes (`requireUsage`) — behaviour every adapter must share. Besides the routes of
 * {@link ConformanceTarget}, the app serves, on the shared gate, answering 200 JSON like `/pro`:
 * - `POST /metered`: `requireUsage({ units: 1 })`;
 * - `POST /metered/by-header`: `requireUsage({ units: (req) => Number(<the x-units request header>) })` (a test
 *   stand-in for units the route computes);
 * - `POST /metered/bad-units`: `requireUsage({ units: () => 0 })` (a route bug: never a free request).
 *
 * @example
 * for (const testCase of usageConformanceCases) it(testCase.name, () => testCase.fn(target))
 */
export const usageConformanceCases: readonly ConformanceCase[] = [
  {
    id: 'usage-exact',
    name: 'MUST charge exactly the units left: 100 concurrent requests against 50 units → 50 served, 50 × 402 usage_exhausted',
    async fn(target) {
      const subject = uniqueSubject('usage_race');
      target.mock.grant(subject, { kind: 'usage_pack', usageRemaining: 50 });
      const runs = target.handlerCalls('/metered');
      const replies = await Promise.all(Array.from({ length: 100 }, () => post(target, '/metered', subject)));
      const served = replies.filter((r) => r.status === 200).length;
      const exhausted = replies.filter((r) => r.status === 402 && r.json?.code === 'usage_exhausted').length;
      expect(served === 50 && exhausted === 50, `expected 50 × 200 and 50 × 402 usage_exhausted, got ${served} and ${exhausted}`);
      expect(target.handlerCalls('/metered') === runs + 50, `the handler should run exactly 50 times, ran ${target.handlerCalls('/metered') - runs}`);
    },
  },
  {
    id: 'usage-retry',
    name: 'MUST charge a client retry with the same Idempotency-Key once',
    async fn(target) {
      const subject = uniqueSubject('usage_retry');
      target.mock.grant(subject, { kind: 'usage_pack', usageRemaining: 1 });
      const first = await post(target, '/metered', subject, { 'idempotency-key': 'order-1' });
      const retry = await post(target, '/metered', subject, { 'idempotency-key': 'order-1' });
      expect(first.status === 200 && retry.status === 200, `a retry of a charged request should be served again, got ${first.status} then ${retry.status}`);
      // One unit was granted: a retry charged again would have been refused (402). A new event now finds none left.
      const next = await post(target, '/metered', subject, { 'idempotency-key': 'order-2' });
      expect(next.status === 402, `the single unit should be spent once, so a new event is 402; got ${next.status}`);
    },
  },
  {
    id: 'usage-conflict',
    name: 'MUST answer 409 idempotency_conflict when a client reuses its key for a different charge, charging nothing more',
    async fn(target) {
      const subject = uniqueSubject('usage_conflict');
      target.mock.grant(subject, { kind: 'usage_pack', usageRemaining: 10 });
      const runs = target.handlerCalls('/metered/by-header');
      expect((await post(target, '/metered/by-header', subject, { 'idempotency-key': 'k', 'x-units': '1' })).status === 200, 'the first charge should be served');
      const conflict = await post(target, '/metered/by-header', subject, { 'idempotency-key': 'k', 'x-units': '5' });
      expect(conflict.status === 409 && conflict.json?.code === 'idempotency_conflict', `expected 409 idempotency_conflict, got ${conflict.status} ${conflict.text}`);
      expect(target.handlerCalls('/metered/by-header') === runs + 1, 'the handler must not run for the conflicting request');
    },
  },
  {
    id: 'usage-bad-units',
    name: 'MUST answer 500 access_misconfigured for a bad units value, charging nothing and never serving for free',
    async fn(target) {
      const subject = uniqueSubject('usage_units');
      target.mock.grant(subject, { kind: 'usage_pack', usageRemaining: 10 });
      const calls = target.mock.count(CONSUME);
      const runs = target.handlerCalls('/metered/bad-units');
      const reply = await post(target, '/metered/bad-units', subject);
      expect(reply.status === 500 && reply.json?.code === 'access_misconfigured', `expected 500 access_misconfigured, got ${reply.status} ${reply.text}`);
      expect(target.mock.count(CONSUME) === calls, 'nothing may be charged');
      expect(target.handlerCalls('/metered/bad-units') === runs, 'the handler must not run');
    },
  },
];
