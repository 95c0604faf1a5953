// The metered-route cases (`requireUsage`) beyond usageConformanceCases: retries, keys per user, outages, bad units, hooks.
import type { MockFault } from '@licenzy-gate/mock';
import type { ConformanceCase, MeteredRoute } from './conformance-target.js';
import { harnessCase, nextUsageEvent, type HarnessScene } from './conformance-harness.js';
import { CONSUME, expect, matches, pollUntil, shown, uniqueSubject } from './conformance-http.js';

type MeteredBody = (scene: HarnessScene, start: (routes: MeteredRoute[], gate?: ReturnType<HarnessScene['gate']>) => Promise<string>) => Promise<void>;

/** A case mounting metered routes through the target's `mountMetered` (on a default gate unless given one). */
const meteredCase = (id: string, name: string, fn: MeteredBody): ConformanceCase =>
  harnessCase('metered', 'mountMetered', id, name, (scene, mount) => fn(scene, (routes, gate = scene.gate()) => scene.open(mount(gate, routes))));

const remaining = (scene: HarnessScene, subject: string) => scene.mock.entitlements(subject).reduce((sum, e) => sum + (e.usageRemaining ?? 0), 0);
const pack = (scene: HarnessScene, id: string, units: number) => {
  const subject = uniqueSubject(`usage_${id}`);
  scene.mock.grant(subject, { kind: 'usage_pack', usageRemaining: units });
  return subject;
};
const POST = { method: 'POST' } as const;

/** Ways consume can answer that must never let a request through for free, and the status the route answers. */
const NONSENSE: ReadonlyArray<readonly [string, MockFault, number]> = [
  ['a 2xx without consumed', { type: 'raw', body: '{"ok":true}' }, 503],
  ['ok as a string', { type: 'raw', body: '{"ok":"true","consumed":1}' }, 503],
  ['a repeated member', { type: 'raw', body: '{"ok":false,"ok":true,"consumed":1,"usage_remaining":9}' }, 503],
  ['not JSON', { type: 'raw', body: 'charged' }, 503],
  ['a 409 with another code', { type: 'status', status: 409, body: { error: 'something_else' } }, 409],
  ['a 404', { type: 'status', status: 404 }, 503],
  ['our key rejected', { type: 'status', status: 401, body: { error: 'invalid_api_key' } }, 500],
];

/** Bad `units()` results: each must be a 500, never a free request. */
const BAD_UNITS: ReadonlyArray<readonly [string, (query: URLSearchParams) => number]> = [
  ['zero', () => 0],
  ['negative', () => -1],
  ['fractional', () => 1.5],
  ['NaN from a bad query', (query) => Number(query.get('n'))],
  ['a throw', () => {
    throw new Error('units failed');
  }],
];

/**
 * The `metered` suite: cases for metered routes. Each mounts a fresh app with the target's `mountMetered(gate,
 * routes)` (see {@link MeteredRoute} for what a route asks for), behind the demo auth (`x-demo-user`).
 *
 * @example
 * for (const testCase of meteredConformanceCases) it(testCase.name, () => testCase.fn(target))
 */
export const meteredConformanceCases: readonly ConformanceCase[] = [
  meteredCase('metered-shape', 'MUST put { units, consumed, remaining, source } on the decision as `usage`', async (scene, start) => {
    const subject = pack(scene, 'shape', 10);
    const url = await start([{ method: 'GET', path: '/api/export', units: 3 }]);
    const reply = await scene.request(`${url}/api/export`, subject);
    const expected = { subjectRef: subject, usage: { units: 3, consumed: 3, remaining: 7, source: 'licenzy' } };
    expect(matches(reply.json, expected) && matches(expected, reply.json), `expected ${shown(expected)}, got ${reply.text}`);
  }),
  meteredCase('metered-retry-body', 'MUST charge a retry with the same Idempotency-Key and body once, and the same key on another body again', async (scene, start) => {
    const subject = pack(scene, 'retry', 10);
    const runs = { count: 0 };
    const url = await start([{ method: 'POST', path: '/api/report', units: 2, runs }]);
    const send = (key: string, body: unknown) =>
      scene.request(`${url}/api/report`, subject, { method: 'POST', headers: { 'idempotency-key': key, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await send('click-1', { q: 'a' })).status === 200 && (await send('click-1', { q: 'a' })).status === 200, 'both tries should be served');
    expect(remaining(scene, subject) === 8 && runs.count === 2, `expected 8 units left and 2 runs, got ${remaining(scene, subject)} and ${runs.count}`);
    expect((await send('click-1', { q: 'b' })).status === 200, 'the same key on a different body is a new event');
    expect(remaining(scene, subject) === 6, `a different body should be charged, ${remaining(scene, subject)} left`);
  }),
  meteredCase('metered-key-per-user', "MUST NOT let a client key name another user's event or another URL's", async (scene, start) => {
    const alice = pack(scene, 'alice', 5);
    const bob = pack(scene, 'bob', 5);
    const url = await start([{ method: 'POST', path: '/api/report', units: 1 }]);
    const headers = { 'idempotency-key': 'shared-key' };
    expect((await scene.request(`${url}/api/report`, alice, { ...POST, headers })).status === 200, 'alice should be served');
    expect((await scene.request(`${url}/api/report`, bob, { ...POST, headers })).status === 200, 'bob should be served');
    expect(remaining(scene, alice) === 4 && remaining(scene, bob) === 4, `each user is charged for their own: ${remaining(scene, alice)}, ${remaining(scene, bob)}`);
    expect((await scene.request(`${url}/api/report?page=2`, alice, { ...POST, headers })).status === 200, 'another URL should be served');
    expect(remaining(scene, alice) === 3, `another URL is another event: ${remaining(scene, alice)} left`);
  }),
  meteredCase('metered-503-retry', "MUST charge once when Licenzy answers 503 and the gate's retry succeeds", async (scene, start) => {
    const subject = pack(scene, '503', 10);
    scene.fault({ type: 'status', status: 503 }, { times: 1, path: '/v1/usage/consume' });
    const url = await start([{ method: 'POST', path: '/api/report', units: 1 }], scene.gate({ retries: 1, retryBackoff: 0 }));
    const before = scene.mock.count(CONSUME);
    expect((await scene.request(`${url}/api/report`, subject, POST)).status === 200, 'the retry should serve the request');
    expect(scene.mock.count(CONSUME) - before === 2 && remaining(scene, subject) === 9, `expected 2 consume calls and 9 units left, got ${scene.mock.count(CONSUME) - before} and ${remaining(scene, subject)}`);
  }),
  meteredCase('metered-lost-answer', 'MUST charge once when the first answer is lost (timeout) and the retry reuses the key', async (scene, start) => {
    const subject = pack(scene, 'lost', 10);
    // The first attempt is charged at the mock but answered too late; the retry must replay, not charge again.
    scene.fault({ type: 'delay', ms: 400 }, { times: 1, path: '/v1/usage/consume' });
    const url = await start([{ method: 'POST', path: '/api/report', units: 1 }], scene.gate({ retries: 1, retryBackoff: 0, timeout: 150 }));
    expect((await scene.request(`${url}/api/report`, subject, POST)).status === 200, 'the retry should serve the request');
    await pollUntil(() => scene.mock.activeFaults().length, (count) => count === 0, 'the delayed attempt should finish');
    expect(remaining(scene, subject) === 9, `expected 9 units left, got ${remaining(scene, subject)}`);
  }),
  meteredCase('metered-never-free', "MUST never run the handler for free, even with onUnavailable: 'allow', whatever consume answers", async (scene, start) => {
    for (const [what, fault, status] of NONSENSE) {
      const subject = pack(scene, 'nonsense', 10);
      const remove = scene.mock.fault(fault, { path: '/v1/usage/consume' });
      const runs = { count: 0 };
      try {
        const url = await start([{ method: 'POST', path: '/api/report', units: 1, onUnavailable: 'allow', runs }]);
        const reply = await scene.request(`${url}/api/report`, subject, POST);
        expect(reply.status === status && runs.count === 0, `consume answering ${what}: expected ${status} without the handler, got ${reply.status} and ${runs.count} runs`);
      } finally {
        remove.remove();
      }
    }
  }),
  meteredCase('metered-hang', 'MUST answer 503 with Retry-After when consume hangs, bounded by the timeout, never running the handler', async (scene, start) => {
    const subject = pack(scene, 'hang', 10);
    scene.fault({ type: 'hang' }, { path: '/v1/usage/consume' });
    const runs = { count: 0 };
    const url = await start([{ method: 'POST', path: '/api/report', units: 1, runs }], scene.gate({ timeout: 200, totalTimeout: 300 }));
    const started = performance.now();
    const reply = await scene.request(`${url}/api/report`, subject, POST);
    expect(performance.now() - started < 2_000, 'the answer should come within the timeout');
    expect(reply.status === 503 && reply.json?.code === 'access_unavailable', `expected 503 access_unavailable, got ${reply.status} ${reply.text}`);
    expect(/^\d+$/.test(reply.headers.get('retry-after') ?? ''), `expected a Retry-After, got ${reply.headers.get('retry-after')}`);
    expect(runs.count === 0, 'the handler must not run');
  }),
  meteredCase('metered-bad-units', 'MUST answer 500 access_misconfigured, charging nothing and never free, for every bad units() result', async (scene, start) => {
    for (const [what, units] of BAD_UNITS) {
      const subject = pack(scene, 'units', 10);
      const runs = { count: 0 };
      const url = await start([{ method: 'GET', path: '/api/export', units, runs }]);
      const before = scene.mock.count(CONSUME);
      const reply = await scene.request(`${url}/api/export?n=abc`, subject);
      expect(reply.status === 500 && reply.json?.code === 'access_misconfigured', `units() giving ${what}: expected 500 access_misconfigured, got ${reply.status} ${reply.text}`);
      expect(!reply.text.includes('units failed'), 'the error message must not reach the client');
      expect(runs.count === 0 && scene.mock.count(CONSUME) === before, `units() giving ${what}: nothing may run or be charged`);
    }
  }),
  meteredCase('metered-refusals', 'MUST answer 401 without a subject and 400 for a malformed Idempotency-Key, charging nothing', async (scene, start) => {
    const subject = pack(scene, 'refusals', 10);
    const url = await start([{ method: 'POST', path: '/api/report', units: 1 }]);
    expect((await scene.request(`${url}/api/report`, undefined, POST)).status === 401, 'no subject should be 401');
    const bad = await scene.request(`${url}/api/report`, subject, { ...POST, headers: { 'idempotency-key': 'x'.repeat(300) } });
    expect(bad.status === 400 && bad.json?.code === 'idempotency_key_invalid', `expected 400 idempotency_key_invalid, got ${bad.status} ${bad.text}`);
    expect(remaining(scene, subject) === 10, 'nothing may be charged');
  }),
  meteredCase('metered-hooks', 'MUST let onExhausted answer, and delegateErrors hand the typed error to the error handler', async (scene, start) => {
    const subject = pack(scene, 'hooks', 0);
    const url = await start([
      { method: 'GET', path: '/hook', units: 1, pricingHook: true },
      { method: 'GET', path: '/delegate', units: 1, delegateErrors: true },
    ]);
    const hook = await scene.request(`${url}/hook`, subject);
    expect(matches(hook.json, { buy: '/pricing' }), `expected the hook's {"buy":"/pricing"}, got ${hook.text}`);
    const delegated = await scene.request(`${url}/delegate`, subject);
    expect(matches(delegated.json, { caught: 'ERR_LICENZY_USAGE_EXHAUSTED' }), `expected {"caught":"ERR_LICENZY_USAGE_EXHAUSTED"}, got ${delegated.text}`);
  }),
  meteredCase('metered-fail-open', "MUST serve uncharged during an outage only with onUnavailable: 'allow'", async (scene, start) => {
    const subject = pack(scene, 'open', 10);
    scene.fault({ type: 'status', status: 503 }, { path: '/v1/usage/consume' });
    const url = await start([
      { method: 'GET', path: '/strict', units: 1 },
      { method: 'GET', path: '/lenient', units: 1, onUnavailable: 'allow' },
    ]);
    expect((await scene.request(`${url}/strict`, subject)).status === 503, 'a strict route should answer 503');
    const lenient = await scene.request(`${url}/lenient`, subject);
    expect(lenient.status === 200 && matches(lenient.json, { usage: { consumed: 0, source: 'fail-open' } }), `expected a fail-open 200, got ${lenient.status} ${lenient.text}`);
  }),
  meteredCase('metered-with-access', 'MUST keep the requireAccess() decision and add usage to it', async (scene, start) => {
    const subject = pack(scene, 'both', 4);
    const url = await start([{ method: 'GET', path: '/both', units: 1, access: true, handler: 'decision' }]);
    const reply = await scene.request(`${url}/both`, subject);
    const expected = { subjectRef: subject, allowed: true, source: 'licenzy', usage: { consumed: 1, remaining: 3 } };
    expect(matches(reply.json, expected), `expected ${shown(expected)}, got ${reply.text}`);
  }),
  meteredCase('metered-handler-failed', 'MUST publish handler_failed when a charged request ends in a 5xx', async (scene, start) => {
    const subject = pack(scene, 'failed', 4);
    const url = await start([{ method: 'GET', path: '/broken', units: 2, handler: 'fail' }]);
    const event = nextUsageEvent(subject, 'handler_failed');
    expect((await scene.request(`${url}/broken`, subject)).status === 500, 'the handler answers 500');
    const published = await event;
    const key = (published as { idempotencyKey?: unknown }).idempotencyKey;
    expect(matches(published, { subjectRef: subject, units: 2, status: 500, route: 'GET /broken' }) && typeof key === 'string' && key.startsWith('lzg_'), `unexpected event ${shown(published)}`);
    expect(remaining(scene, subject) === 2, 'the units stay charged');
  }),
  meteredCase('metered-after', "MUST charge a charge: 'after' route only once the response is 2xx/3xx", async (scene, start) => {
    const subject = pack(scene, 'after', 5);
    const url = await start([
      { method: 'GET', path: '/ok', units: 2, charge: 'after' },
      { method: 'GET', path: '/fails', units: 2, charge: 'after', handler: 'fail' },
    ]);
    const charged = nextUsageEvent(subject, 'charged');
    const ok = await scene.request(`${url}/ok`, subject);
    expect(matches(ok.json, { usage: { units: 2, consumed: 0, remaining: 5, source: 'after' } }), `unexpected usage ${ok.text}`);
    await charged;
    expect(remaining(scene, subject) === 3, `expected 3 units left, got ${remaining(scene, subject)}`);
    const before = scene.mock.count(CONSUME);
    expect((await scene.request(`${url}/fails`, subject)).status === 500, 'the failing handler answers 500');
    expect(scene.mock.count(CONSUME) === before && remaining(scene, subject) === 3, 'a failed response must not be charged');
  }),
  meteredCase('metered-after-empty', "MUST answer 402 before the handler on a charge: 'after' route when too few units are left", async (scene, start) => {
    const subject = pack(scene, 'after_empty', 1);
    const runs = { count: 0 };
    const url = await start([{ method: 'GET', path: '/ok', units: 2, charge: 'after', runs }]);
    expect((await scene.request(`${url}/ok`, subject)).status === 402, 'too few units should be 402');
    expect((await scene.request(`${url}/ok`, uniqueSubject('usage_no_pack'))).status === 402, 'no pack should be 402');
    expect(runs.count === 0, 'the handler must not run');
  }),
];
