// A framework-agnostic conformance suite: named cases every licenzy-gate adapter (or a user's app) must pass over real HTTP.
import { request as httpRequest } from 'node:http';

/** The parts of the mock Licenzy the suite drives (structural, so any compatible emulator works). */
export interface ConformanceMock {
  grant(subjectRef: string, entitlement?: Record<string, unknown>): void;
  revoke(subjectRef: string): void;
  fault(fault: { type: 'status'; status: number; headers?: Record<string, string> }, options?: { times?: number; path?: string }): { remove(): void };
  count(pathOrEndpoint?: string): number;
  readonly testKey: string;
}

/**
 * The app under test. It must serve, behind its own server-side auth that sets the adapter's identity
 * (`req.user.id`, `ctx.state.user.id`, `request.user.id`) from the `x-demo-user` request header:
 * - `GET /free`: no gate, answers 200.
 * - `GET /pro` and `GET /pro/other`: gated by one shared gate; the handler answers 200 JSON
 *   `{ "subjectRef": <decision.subjectRef>, "source": <decision.source> }` from the request's decision.
 * - `GET /pro/fresh`: the shared gate with `fresh: true`. Create the shared gate with `freshInterval: 0` (the
 *   `fresh` case asks right after a denial, which the default 1 s bound would answer from that denial).
 * - `GET /pro/open`: the shared gate with `onUnavailable: 'allow'`.
 * - `GET /misconfigured`: a gate whose key Licenzy rejects (e.g. `lz_test_example_rejected_key`).
 */
export interface ConformanceTarget {
  /** Base URL of the app, e.g. `http://127.0.0.1:54321`. */
  url: string;
  mock: ConformanceMock;
  /** Invalidates a subject on the app's shared gate. */
  invalidate(subjectRef: string): void | Promise<void>;
  /** How many times the app's handler for `path` has run so far. */
  handlerCalls(path: string): number;
  /** Headers that authenticate a request as `subjectRef` in this app. Default `{ 'x-demo-user': subjectRef }`. */
  authenticate?(subjectRef: string): Record<string, string>;
}

/** One conformance case, in the style of graphql-http's audits. */
export interface ConformanceCase {
  id: string;
  name: string;
  fn(target: ConformanceTarget): Promise<void>;
}

/** Thrown when a case fails; the message says what was expected and what came back. */
export class ConformanceError extends Error {
  override name = 'ConformanceError';
}

const CHECK = 'POST /v1/access/check';
let sequence = 0;
/** A subject no other case (or earlier run) has used, so cached decisions never leak between cases. */
const uniqueSubject = (id: string) => `conf_${id}_${process.pid}_${++sequence}`;

function expect(condition: unknown, message: string): asserts condition {
  if (!condition) throw new ConformanceError(message);
}

interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json: Record<string, unknown> | undefined;
}

async function get(target: ConformanceTarget, path: string, subjectRef?: string, extraHeaders: Record<string, string> = {}): Promise<Reply> {
  const auth = subjectRef === undefined ? {} : (target.authenticate?.(subjectRef) ?? { 'x-demo-user': subjectRef });
  const response = await fetch(target.url + path, { headers: { ...auth, ...extraHeaders } });
  const text = await response.text();
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

function expectProblem(reply: Reply, status: number, code: string): void {
  expect(reply.status === status, `expected HTTP ${status} ${code}, got ${reply.status}: ${reply.text.slice(0, 200)}`);
  expect(reply.headers.get('content-type')?.startsWith('application/problem+json'), `expected application/problem+json, got ${reply.headers.get('content-type')}`);
  expect(reply.json?.code === code, `expected code ${code}, got ${String(reply.json?.code)}`);
  expect(reply.json?.status === status, `expected body status ${status}, got ${String(reply.json?.status)}`);
  expect(typeof reply.json?.type === 'string' && typeof reply.json?.title === 'string', 'problem body needs type and title');
  const keys = Object.keys(reply.json ?? {}).sort().join(',');
  expect(keys === 'code,status,title,type', `problem body must hold only type, title, status, code; got ${keys}`);
}

/** Runs `fn` while every access check answers 503, and removes that fault afterwards whatever happens. */
async function whileLicenzyFails(target: ConformanceTarget, fn: () => Promise<void>): Promise<void> {
  const fault = target.mock.fault({ type: 'status', status: 503 }, { path: '/v1/access/check' });
  try {
    await fn();
  } finally {
    fault.remove();
  }
}

/** A paying subject on `/pro`, then on `secondPath`: the second answer must be a cache hit, one Licenzy call in all. */
async function expectSecondFromCache(target: ConformanceTarget, id: string, secondPath: string): Promise<void> {
  const subject = uniqueSubject(id);
  target.mock.grant(subject);
  const calls = target.mock.count(CHECK);
  expect((await get(target, '/pro', subject)).status === 200, 'first request should pass');
  const second = await get(target, secondPath, subject);
  expect(second.status === 200 && second.json?.source === 'cache', `${secondPath} should be a cache hit, got ${second.status} ${String(second.json?.source)}`);
  expect(target.mock.count(CHECK) === calls + 1, `expected 1 Licenzy call, saw ${target.mock.count(CHECK) - calls}`);
}

/** Identity slots the adapters' default resolvers read (`user`, `auth`, `payload`, `id`, `sub`). */
const IDENTITY_SLOTS = ['user', 'auth', 'payload', 'id', 'sub'] as const;

/**
 * Runs `fn` while `Object.prototype` carries an identity for `subjectRef` in every slot a default resolver reads,
 * the way a prototype-pollution bug elsewhere in an app would leave it (`obj.__proto__.user = …`: enumerable, writable).
 * Whatever happens, the slots are deleted afterwards, so no other case or test sees the pollution.
 */
async function whilePrototypePolluted(subjectRef: string, fn: () => Promise<void>): Promise<void> {
  const proto = Object.prototype as Record<string, unknown>;
  const identity: Record<string, unknown> = { user: { id: subjectRef, sub: subjectRef }, auth: { sub: subjectRef, payload: { sub: subjectRef } }, payload: { sub: subjectRef }, id: subjectRef, sub: subjectRef };
  try {
    for (const slot of IDENTITY_SLOTS) proto[slot] = identity[slot];
    await fn();
  } finally {
    for (const slot of IDENTITY_SLOTS) delete proto[slot];
  }
}

/** Every case; run them all against one app (they use distinct subjects, and remove the faults they add). */
export const conformanceCases: readonly ConformanceCase[] = [
  {
    id: 'allowed',
    name: 'MUST let a paying subject through to the handler with its decision on the request',
    async fn(target) {
      const subject = uniqueSubject('allowed');
      target.mock.grant(subject);
      const before = target.handlerCalls('/pro');
      const reply = await get(target, '/pro', subject);
      expect(reply.status === 200, `expected 200, got ${reply.status}: ${reply.text.slice(0, 200)}`);
      expect(reply.json?.subjectRef === subject, `handler saw subjectRef ${String(reply.json?.subjectRef)}`);
      expect(reply.json?.source === 'licenzy', `first decision should come from licenzy, got ${String(reply.json?.source)}`);
      expect(target.handlerCalls('/pro') === before + 1, 'handler must run exactly once');
    },
  },
  {
    id: 'denied',
    name: 'MUST answer 403 access_denied and never run the handler when Licenzy says no',
    async fn(target) {
      const subject = uniqueSubject('denied');
      const before = target.handlerCalls('/pro');
      expectProblem(await get(target, '/pro', subject), 403, 'access_denied');
      expect(target.handlerCalls('/pro') === before, 'handler must not run for a denied request');
    },
  },
  {
    id: 'missing-subject',
    name: 'MUST answer 401 subject_required without calling Licenzy when the request has no subject',
    async fn(target) {
      const calls = target.mock.count(CHECK);
      const before = target.handlerCalls('/pro');
      expectProblem(await get(target, '/pro'), 401, 'subject_required');
      expect(target.mock.count(CHECK) === calls, 'Licenzy must not be called without a subject');
      expect(target.handlerCalls('/pro') === before, 'handler must not run');
    },
  },
  {
    id: 'client-headers-ignored',
    name: 'MUST NOT take the subject from client-controlled headers by default',
    async fn(target) {
      const subject = uniqueSubject('spoof');
      target.mock.grant(subject);
      const reply = await get(target, '/pro', undefined, { 'x-user-id': subject, 'x-subject-ref': subject, 'x-licenzy-subject': subject });
      expectProblem(reply, 401, 'subject_required');
    },
  },
  {
    id: 'unavailable',
    name: 'MUST answer 503 access_unavailable with Retry-After when Licenzy fails, never running the handler',
    async fn(target) {
      const subject = uniqueSubject('unavailable');
      target.mock.grant(subject);
      await whileLicenzyFails(target, async () => {
        const before = target.handlerCalls('/pro');
        const reply = await get(target, '/pro', subject);
        expectProblem(reply, 503, 'access_unavailable');
        expect(Number(reply.headers.get('retry-after')) >= 1, `expected a Retry-After header, got ${reply.headers.get('retry-after')}`);
        expect(target.handlerCalls('/pro') === before, 'handler must not run');
      });
    },
  },
  {
    id: 'fail-open',
    name: "MUST let the request through when the route chose onUnavailable: 'allow' and Licenzy fails",
    async fn(target) {
      const subject = uniqueSubject('failopen');
      await whileLicenzyFails(target, async () => {
        const reply = await get(target, '/pro/open', subject);
        expect(reply.status === 200, `expected 200 (fail open), got ${reply.status}`);
        expect(reply.json?.source === 'fail-open', `decision source should be fail-open, got ${String(reply.json?.source)}`);
      });
    },
  },
  {
    id: 'misconfigured',
    name: 'MUST answer 500 access_misconfigured, without the key, when Licenzy rejects the API key',
    async fn(target) {
      const subject = uniqueSubject('misconfigured');
      target.mock.grant(subject);
      const reply = await get(target, '/misconfigured', subject);
      expectProblem(reply, 500, 'access_misconfigured');
      expect(!/lz_(test|live)_/.test(reply.text), 'the response must not contain an API key');
    },
  },
  {
    id: 'cache-hit',
    name: 'MUST answer a repeated request for the same subject from the cache (one Licenzy call)',
    fn: (target) => expectSecondFromCache(target, 'cache', '/pro'),
  },
  {
    id: 'shared-gate',
    name: 'MUST share one decision cache between routes that share a gate',
    fn: (target) => expectSecondFromCache(target, 'shared', '/pro/other'),
  },
  {
    id: 'invalidate',
    name: 'MUST ask Licenzy again after the gate invalidates a subject (e.g. on a refund webhook)',
    async fn(target) {
      const subject = uniqueSubject('invalidate');
      target.mock.grant(subject);
      expect((await get(target, '/pro', subject)).status === 200, 'paying subject should pass');
      target.mock.revoke(subject);
      expect((await get(target, '/pro', subject)).status === 200, 'the cached decision stands until invalidated');
      await target.invalidate(subject);
      expectProblem(await get(target, '/pro', subject), 403, 'access_denied');
    },
  },
  {
    id: 'fresh',
    name: 'MUST bypass a cached denial on a fresh route (the "I just paid" flow) and store the new answer',
    async fn(target) {
      const subject = uniqueSubject('fresh');
      expectProblem(await get(target, '/pro', subject), 403, 'access_denied');
      target.mock.grant(subject);
      expectProblem(await get(target, '/pro', subject), 403, 'access_denied');
      const fresh = await get(target, '/pro/fresh', subject);
      expect(fresh.status === 200 && fresh.json?.source === 'licenzy', `fresh route should ask Licenzy, got ${fresh.status}`);
      const after = await get(target, '/pro', subject);
      expect(after.status === 200 && after.json?.source === 'cache', 'the fresh answer should replace the cached denial');
    },
  },
  {
    id: 'handler-once',
    name: 'MUST run the handler exactly once per allowed request, also under concurrency',
    async fn(target) {
      const subject = uniqueSubject('once');
      target.mock.grant(subject);
      const before = target.handlerCalls('/pro');
      const calls = target.mock.count(CHECK);
      const replies = await Promise.all(Array.from({ length: 20 }, () => get(target, '/pro', subject)));
      expect(replies.every((r) => r.status === 200), 'all concurrent requests should pass');
      expect(target.handlerCalls('/pro') === before + 20, `handler ran ${target.handlerCalls('/pro') - before} times for 20 requests`);
      expect(target.mock.count(CHECK) === calls + 1, `20 concurrent cold requests made ${target.mock.count(CHECK) - calls} Licenzy calls`);
    },
  },
  {
    id: 'prototype-identity',
    name: 'MUST NOT take the subject from identity inherited from Object.prototype (a polluted prototype)',
    async fn(target) {
      const subject = uniqueSubject('proto');
      target.mock.grant(subject);
      const calls = target.mock.count(CHECK);
      const before = target.handlerCalls('/pro');
      const own = uniqueSubject('proto_own');
      target.mock.grant(own);
      const replies: Reply[] = [];
      await whilePrototypePolluted(subject, async () => {
        replies.push(await get(target, '/pro'), await get(target, '/pro', own));
      });
      // Asserted once the prototype is clean again, so the pollution cannot skew the assertions themselves.
      const [anonymous, authenticated] = replies as [Reply, Reply];
      expectProblem(anonymous, 401, 'subject_required');
      expect(authenticated.status === 200 && authenticated.json?.subjectRef === own, `an own identity must still be used, got ${authenticated.status} ${String(authenticated.json?.subjectRef)}`);
      expect(target.handlerCalls('/pro') === before + 1, 'the handler must run only for the authenticated request');
      expect(target.mock.count(CHECK) === calls + 1, `Licenzy must be asked only for the authenticated request, saw ${target.mock.count(CHECK) - calls} calls`);
    },
  },
  {
    id: 'free-route',
    name: 'MUST leave routes without the gate alone',
    async fn(target) {
      const calls = target.mock.count(CHECK);
      const reply = await get(target, '/free');
      expect(reply.status === 200, `free route answered ${reply.status}`);
      expect(target.mock.count(CHECK) === calls, 'a free route must not call Licenzy');
    },
  },
];

/** Result of one case from {@link runConformance}. */
export interface ConformanceResult {
  id: string;
  name: string;
  ok: boolean;
  error?: string;
}


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


/** POSTs to a metered route of the target as `subjectRef`, with extra headers (e.g. `idempotency-key`). */
async function post(target: ConformanceTarget, path: string, subjectRef: string, extraHeaders: Record<string, string> = {}): Promise<Reply> {
  const auth = target.authenticate?.(subjectRef) ?? { 'x-demo-user': subjectRef };
  const response = await fetch(target.url + path, { method: 'POST', headers: { ...auth, ...extraHeaders } });
  const text = await response.text();
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

const CONSUME = 'POST /v1/usage/consume';

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

/**
 * Runs every case in order against `target` and reports each; never throws for a failing case.
 *
 * @example
 * const results = await runConformance({ url, mock, invalidate: (s) => gate.invalidate(s), handlerCalls })
 * console.table(results)
 */
export async function runConformance(target: ConformanceTarget): Promise<ConformanceResult[]> {
  const results: ConformanceResult[] = [];
  for (const testCase of conformanceCases) {
    try {
      await testCase.fn(target);
      results.push({ id: testCase.id, name: testCase.name, ok: true });
    } catch (error) {
      results.push({ id: testCase.id, name: testCase.name, ok: false, error: error instanceof Error ? error.message : String(error) });
    }
  }
  return results;
}

/** One way to spell a request for a gated path: the method and the request-target exactly as sent on the wire. */
export interface PathVariant {
  /** What the variant changes, e.g. `'letter case of the first segment'`. */
  name: string;
  method: 'GET' | 'HEAD' | 'OPTIONS';
  /** Sent byte for byte (no URL normalisation), e.g. `'/%64ownloads/a.pdf'`. */
  path: string;
}

/**
 * `segment` with one ASCII letter percent-encoded: the first letter in lower-case hex (`downloads` → `%64ownloads`),
 * or, for upper-case hex, the first letter whose code has a hex letter in it (`downloads` → `d%6Fwnloads`), so that
 * the two spellings differ where the segment allows it.
 */
function encodeLetter(segment: string, hexCase: 'lower' | 'upper'): string {
  const letters = [...segment.matchAll(/[A-Za-z]/g)].map((match) => match.index);
  const at = hexCase === 'upper' ? (letters.find((index) => /[a-f]/.test(segment.charCodeAt(index).toString(16))) ?? letters[0]) : letters[0];
  if (at === undefined) return segment;
  const hex = segment.charCodeAt(at).toString(16);
  return `${segment.slice(0, at)}%${hexCase === 'upper' ? hex.toUpperCase() : hex}${segment.slice(at + 1)}`;
}

/**
 * Spellings of `path` that a router may still send to the same handler while a path-scoped gate does not see
 * them: letter case, a trailing slash, doubled slashes, percent-encoded letters, dot segments, `HEAD` and
 * `OPTIONS`. The first variant is `path` itself, as `GET`. Requests are meant to be sent raw (see
 * {@link mountingVariantsCase}), since `fetch` would normalise dot segments away.
 *
 * @param path An absolute path with at least one segment, e.g. `'/downloads/a.pdf'`.
 * @example
 * pathVariants('/downloads/a.pdf').map((v) => `${v.method} ${v.path}`)
 * // ['GET /downloads/a.pdf', 'GET /DOWNLOADS/A.PDF', 'GET /DOWNLOADS/a.pdf', …, 'OPTIONS /downloads/a.pdf']
 */
export function pathVariants(path: string): PathVariant[] {
  if (!path.startsWith('/') || path.length < 2) throw new TypeError(`pathVariants: expected an absolute path with a segment, got ${JSON.stringify(path)}`);
  const segments = path.slice(1).split('/');
  const first = segments[0] ?? '';
  const rest = segments.slice(1);
  const join = (head: string, tail: readonly string[] = rest) => `/${[head, ...tail].join('/')}`;
  const capitalize = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
  const get = (name: string, variantPath: string): PathVariant => ({ name, method: 'GET', path: variantPath });
  const variants: PathVariant[] = [
    get('as documented', path),
    get('whole path in upper case', path.toUpperCase()),
    get('first segment in upper case', join(first.toUpperCase())),
    get('first segment capitalised', join(capitalize(first))),
    get('last segment in upper case', rest.length > 0 ? join(first, [...rest.slice(0, -1), (rest.at(-1) ?? '').toUpperCase()]) : path.toUpperCase()),
    get('trailing slash', `${path}/`),
    get('upper case and trailing slash', `${join(first.toUpperCase())}/`),
    get('doubled leading slash', `/${path}`),
    get('doubled inner slash', path.replace(/\/(?=[^/]*$)/, '//')),
    get('every slash doubled', path.replace(/\//g, '//')),
    get('a letter percent-encoded (lower-case hex)', join(encodeLetter(first, 'lower'))),
    get('a letter percent-encoded (upper-case hex)', join(encodeLetter(first, 'upper'))),
    get('a letter of every segment percent-encoded', `/${segments.map((segment) => encodeLetter(segment, 'lower')).join('/')}`),
    get('percent-encoded slash', rest.length > 0 ? `/${first}%2F${rest.join('%2F')}` : `${path}%2F`),
    get('dot segment', `/.${path}`),
    get('dot-dot segment', `/x/..${path}`),
    get('query string', `${path}?x=1`),
    { name: 'HEAD', method: 'HEAD', path },
    { name: 'HEAD, first segment in upper case', method: 'HEAD', path: join(first.toUpperCase()) },
    { name: 'OPTIONS', method: 'OPTIONS', path },
    { name: 'OPTIONS, first segment in upper case', method: 'OPTIONS', path: join(first.toUpperCase()) },
  ];
  // A one-segment path spells several variants alike (`/PRO` twice); send each request once.
  const unique = new Map<string, PathVariant>();
  for (const variant of variants) if (!unique.has(`${variant.method} ${variant.path}`)) unique.set(`${variant.method} ${variant.path}`, variant);
  return [...unique.values()];
}

/**
 * An app serving one documented mounting pattern (e.g. Koa's prefixed router with `router.use(requireAccess())`),
 * behind server-side demo auth as for {@link ConformanceTarget}, whose paid handler answers a body containing
 * `marker` and counts its runs.
 */
export interface MountingTarget {
  /** Base URL of the app, e.g. `http://127.0.0.1:54321`. */
  url: string;
  mock: Pick<ConformanceMock, 'grant'>;
  /** The gated path as the pattern documents it, e.g. `'/downloads/a.pdf'`. */
  path: string;
  /** A string only the paid handler's body contains. */
  marker: string;
  /** How many times the paid handler has run so far. */
  handlerCalls(): number;
  /** Headers that authenticate a request as `subjectRef`. Default `{ 'x-demo-user': subjectRef }`. */
  authenticate?(subjectRef: string): Record<string, string>;
}

/** A conformance case run per mounting pattern, against a {@link MountingTarget}. */
export interface MountingCase {
  id: string;
  name: string;
  fn(target: MountingTarget): Promise<void>;
}

/** One raw HTTP exchange: the request-target goes out exactly as given (no normalisation, no keep-alive). */
function rawRequest(base: string, variant: PathVariant, headers: Record<string, string>): Promise<{ status: number; text: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest({ host: hostname, port, method: variant.method, path: variant.path, headers, agent: false }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
      response.on('error', reject);
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

/**
 * The mounting check: every {@link pathVariants} spelling of the pattern's paid path, sent anonymously and as a
 * subject Licenzy does not know, must never run the paid handler nor return its marker (any refusal, 404 or 405
 * is fine). A paying subject on the documented path must reach it, so the check cannot pass on a dead route.
 *
 * @example
 * it(mountingVariantsCase.name, () => mountingVariantsCase.fn({ url, mock, path: '/downloads/a.pdf', marker, handlerCalls }))
 */
export const mountingVariantsCase: MountingCase = {
  id: 'mounting-variants',
  name: 'MUST NOT reach the paid handler through any spelling of its path (case, slashes, percent-encoding, HEAD, OPTIONS) without access',
  async fn(target) {
    const headersFor = (subjectRef: string) => target.authenticate?.(subjectRef) ?? { 'x-demo-user': subjectRef };
    const payer = uniqueSubject('mount_paid');
    target.mock.grant(payer);
    const start = target.handlerCalls();
    const control = await rawRequest(target.url, { name: 'as documented', method: 'GET', path: target.path }, headersFor(payer));
    expect(control.status === 200 && control.text.includes(target.marker) && target.handlerCalls() === start + 1,
      `a paying subject should reach GET ${target.path} (200 with the marker, handler once); got ${control.status} and ${target.handlerCalls() - start} handler runs`);

    const unpaid = uniqueSubject('mount_unpaid');
    const leaks: string[] = [];
    for (const variant of pathVariants(target.path)) {
      for (const [who, headers] of [['anonymous', {}], ['unpaid', headersFor(unpaid)]] as const) {
        const before = target.handlerCalls();
        const reply = await rawRequest(target.url, variant, headers);
        const ran = target.handlerCalls() - before;
        if (ran > 0 || reply.text.includes(target.marker)) {
          leaks.push(`${variant.method} ${variant.path} (${variant.name}, ${who}) → ${reply.status}${ran > 0 ? `, paid handler ran ${ran}×` : ''}`);
        }
      }
    }
    expect(leaks.length === 0, `the paid handler was reached without access:\n  ${leaks.join('\n  ')}`);
  },
};
