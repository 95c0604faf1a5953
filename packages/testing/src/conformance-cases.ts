// The access cases every adapter (and a user's app) must pass: allow, deny, no subject, outage, cache, invalidation.
import type { ConformanceCase, ConformanceTarget } from './conformance-target.js';
import { CHECK, expect, expectProblem, get, uniqueSubject, whileLicenzyFails, type Reply } from './conformance-http.js';

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
