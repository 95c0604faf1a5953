// The status-route cases (`accessStatus`, the "I just paid" poll): answered at once, woken by invalidation, never granted by the client.
import type { ConformanceCase } from './conformance-target.js';
import { harnessCase } from './conformance-harness.js';
import { CHECK, expect, matches, pollUntil, shown, uniqueSubject } from './conformance-http.js';

const statusCase = (id: string, name: string, fn: Parameters<typeof harnessCase<'mountStatus'>>[4]) => harnessCase('status', 'mountStatus', id, name, fn);

/**
 * The `status` suite: cases for the status route. Each mounts a fresh app with the target's `mountStatus(gate,
 * { wait, retryAfter })`, which serves, behind the demo auth (`x-demo-user`), `accessStatus({ gate, wait, retryAfter })`
 * at `/status` for every method and `requireAccess({ gate })` at `GET /pro` answering 200.
 *
 * @example
 * for (const testCase of statusConformanceCases) it(testCase.name, () => testCase.fn(target))
 */
export const statusConformanceCases: readonly ConformanceCase[] = [
  statusCase('status-paid', 'MUST answer 200 {"allowed":true} with no-store at once for a subject with access', async (scene, mount) => {
    const subject = uniqueSubject('status_paid');
    scene.mock.grant(subject);
    const url = await scene.open(mount(scene.gate(), { wait: 5_000 }));
    const reply = await scene.request(`${url}/status`, subject);
    expect(reply.status === 200 && matches(reply.json, { allowed: true }), `expected 200 {"allowed":true}, got ${reply.status} ${reply.text}`);
    expect(reply.headers.get('cache-control') === 'no-store', `expected cache-control no-store, got ${reply.headers.get('cache-control')}`);
  }),
  statusCase('status-wakes', 'MUST wait server-side and answer 200 as soon as the gate invalidates the subject (the webhook)', async (scene, mount) => {
    const subject = uniqueSubject('status_buyer');
    const gate = scene.gate();
    const url = await scene.open(mount(gate, { wait: 10_000 }));
    expect((await scene.request(`${url}/pro`, subject)).status === 403, 'an unpaid subject should be refused first');
    const polling = scene.request(`${url}/status`, subject);
    // Licenzy processes Stripe's webhook; the receiver invalidates the subject. The wait ends at once, not after 10 s.
    await pollUntil(() => scene.mock.count(CHECK), (count) => count >= 2, 'the status route should ask Licenzy while it waits');
    scene.mock.grant(subject);
    gate.invalidate(subject, { reason: 'webhook' });
    const started = performance.now();
    const reply = await polling;
    expect(performance.now() - started < 2_000, 'the wait should end at the invalidation');
    expect(reply.status === 200 && matches(reply.json, { allowed: true }), `expected 200 {"allowed":true}, got ${reply.status} ${reply.text}`);
    expect((await scene.request(`${url}/pro`, subject)).status === 200, 'the paid route should now let the subject in');
  }),
  statusCase('status-pending', 'MUST answer 202 with Retry-After after the wait, and never grant from the query or body', async (scene, mount) => {
    const subject = uniqueSubject('status_pending');
    const url = await scene.open(mount(scene.gate(), { wait: 300, retryAfter: 2 }));
    const reply = await scene.request(`${url}/status?allowed=true&paid=1&subject_ref=${subject}`, subject, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ allowed: true }),
    });
    const exact = reply.status === 202 && matches(reply.json, { allowed: false, retryAfter: 2 }) && Object.keys(reply.json ?? {}).length === 2;
    expect(exact, `expected 202 {"allowed":false,"retryAfter":2}, got ${reply.status} ${shown(reply.json)}`);
    expect(reply.headers.get('retry-after') === '2', `expected Retry-After 2, got ${reply.headers.get('retry-after')}`);
  }),
  statusCase('status-refusals', 'MUST answer 401 without a subject, and 503 access_unavailable problem+json while Licenzy fails', async (scene, mount) => {
    const url = await scene.open(mount(scene.gate(), { wait: 300 }));
    const anonymous = await scene.request(`${url}/status`);
    expect(anonymous.status === 401, `expected 401 without a subject, got ${anonymous.status}`);
    scene.fault({ type: 'status', status: 503 }, { path: '/v1/access/check' });
    const down = await scene.request(`${url}/status`, uniqueSubject('status_down'));
    expect(down.status === 503 && down.json?.code === 'access_unavailable', `expected 503 access_unavailable, got ${down.status} ${down.text}`);
    expect(/^application\/problem\+json/.test(down.headers.get('content-type') ?? ''), `expected problem+json, got ${down.headers.get('content-type')}`);
  }),
];
