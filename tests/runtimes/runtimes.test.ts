// Issue 21: the same gated Hono app (fixtures/app.mjs), on the BUILT packages, served over real HTTP by Node
// (@hono/node-server), Bun (Bun.serve), Deno (Deno.serve) and workerd (an esbuild bundle and a capnp config), against
// the local Licenzy in this process: 200 / 401 / 403 / 402 / 503 with the same problem+json as the Node adapters,
// 1,000 concurrent cold requests → one Licenzy call, an outage → 503 + Retry-After, and no process.env read at import.
// Then a signed webhook drops a cached grant (a forged one drops nothing), and a stopped Licenzy → 503, never 200.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  LicenzyAccessDeniedError,
  LicenzySubjectRequiredError,
  LicenzyUnavailableError,
  LicenzyUsageExhaustedError,
  toProblem,
} from '@licenzy-gate/core';
import { startLocalLicenzy, type LocalLicenzy } from '@licenzy-gate/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from './support/child.js';
import { getMany } from './support/http.js';
import { ROOT } from './support/paths.js';
import { RUNTIMES } from './support/runtimes.js';
import { deliver, WEBHOOK_SECRET } from './support/webhook.js';

const CHECK = 'POST /v1/access/check';
const CONSUME = 'POST /v1/usage/consume';
const CROWD = 1_000;
/** Emulator latency during the crowd: long enough that the requests overlap the one call in flight. */
const CROWD_LATENCY_MS = 1_500;

const session = (name: string) => ({ authorization: `Bearer sess_example_${name}` });

/** The refusal every adapter sends for that error (status, the two headers, the body), from core's toProblem. */
function refusal(error: unknown) {
  const { status, headers, body } = toProblem(error);
  return { status, contentType: headers['content-type'], cacheControl: headers['cache-control'], body };
}

async function answerOf(response: Response) {
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON: compared as text, so the failure shows what came back.
  }
  return { status: response.status, contentType: response.headers.get('content-type'), cacheControl: response.headers.get('cache-control'), body };
}

/** What the report at the end prints: per runtime, ms to start and ms for its cases. */
const timings: string[] = [];

describe.each(RUNTIMES)('the gated app on $name', (runtime) => {
  let licenzy: LocalLicenzy;
  let server: RunningServer;
  let casesStarted = 0;
  let overlap = 0;
  let stoppedMs = 0;

  /** GET /pro/report for a session: the status and, for a 200, where the decision came from (`licenzy`, `cache`). */
  async function reportFor(name: string) {
    const response = await fetch(`${server.url}/pro/report`, { headers: session(name) });
    const body = (await response.json()) as { source?: string };
    return { status: response.status, source: body.source };
  }

  beforeAll(async () => {
    for (const name of ['core', 'fetch', 'hono']) {
      const built = join(ROOT, `packages/${name}/dist/cjs/index.js`);
      if (!existsSync(built)) throw new Error(`${built} is missing: the runtimes run the built packages (npm run build; npm test builds first)`);
    }
    licenzy = await startLocalLicenzy();
    licenzy.mock.grant('user_paid');
    licenzy.mock.topUp('user_metered', 1);
    licenzy.mock.grant('user_crowd');
    licenzy.mock.grant('user_outage');
    for (const user of ['user_hooked', 'user_unhooked', 'user_forged', 'user_stopped']) licenzy.mock.grant(user);
    server = await runtime.start({ url: licenzy.mock.url, key: licenzy.mock.testKey, webhookSecret: WEBHOOK_SECRET });
    casesStarted = performance.now();
  }, 90_000);

  afterAll(async () => {
    const cases = Math.round(performance.now() - casesStarted);
    if (server) timings.push(`${runtime.name}: started in ${server.startMs} ms, cases ran in ${cases} ms, ${overlap}/${CROWD} of the crowd answered by the one call, 3 requests with Licenzy stopped in ${stoppedMs} ms`);
    await server?.stop();
    await licenzy?.close();
  }, 30_000);

  it('runs the built packages and reads no process.env while they load', () => {
    expect(server.report.packages).toEqual(['packages/core/dist', 'packages/fetch/dist', 'packages/hono/dist']);
    expect(server.report.envReadAtImport).toEqual([]);
  });

  it('200: a paying user, identified by their server-side session, gets the paid route', async () => {
    const response = await fetch(`${server.url}/pro/report`, { headers: session('paid') });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ report: 'for paying users only', subjectRef: 'user_paid', source: 'licenzy' });
  });

  it('401: no session, or a client naming a user itself (header, query, raw id), and Licenzy is not asked', async () => {
    const before = licenzy.mock.count(CHECK);
    const attempts: [string, Record<string, string>][] = [
      ['/pro/report', {}],
      ['/pro/report', { 'x-user-id': 'user_paid', 'x-subject-ref': 'user_paid' }],
      ['/pro/report?subject_ref=user_paid&user=user_paid', {}],
      ['/pro/report', { authorization: 'Bearer user_paid' }],
      ['/pro/report', { authorization: 'Bearer sess_example_unknown' }],
    ];
    for (const [path, headers] of attempts) {
      expect(await answerOf(await fetch(`${server.url}${path}`, { headers }))).toEqual(refusal(new LicenzySubjectRequiredError()));
    }
    expect(licenzy.mock.count(CHECK)).toBe(before);
  });

  it('403: a signed-in user without an entitlement', async () => {
    const response = await fetch(`${server.url}/pro/report`, { headers: session('free') });
    expect(await answerOf(response)).toEqual(refusal(new LicenzyAccessDeniedError('user_free')));
  });

  it('402: the metered route charges the last unit, then refuses', async () => {
    const first = await fetch(`${server.url}/api/generate`, { method: 'POST', headers: session('metered') });
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ subjectRef: 'user_metered', remaining: 0 });
    const second = await fetch(`${server.url}/api/generate`, { method: 'POST', headers: session('metered') });
    expect(await answerOf(second)).toEqual(refusal(new LicenzyUsageExhaustedError('user_metered', 1)));
    expect(licenzy.mock.count(CONSUME)).toBe(2);
    expect(licenzy.mock.entitlements('user_metered').map((pack) => pack.usageRemaining)).toEqual([0]);
  });

  it(`coalesces ${CROWD} concurrent cold requests for one subject into one Licenzy call`, async () => {
    const before = licenzy.mock.count(CHECK);
    licenzy.mock.setLatency(CROWD_LATENCY_MS);
    try {
      const answers = await getMany(`${server.url}/pro/report`, session('crowd'), CROWD);
      expect(answers.filter((answer) => answer.status !== 200).map((answer) => `${answer.status} ${answer.body}`)).toEqual([]);
      expect(licenzy.mock.count(CHECK) - before).toBe(1);
      // Overlap, not just the cache: more than one request was answered from that one call while it was in flight.
      const fromTheCall = answers.filter((answer) => (JSON.parse(answer.body) as { source: string }).source === 'licenzy').length;
      expect(fromTheCall).toBeGreaterThan(1);
      overlap = fromTheCall;
    } finally {
      licenzy.mock.setLatency(0);
    }
  }, 120_000);

  it('503 with Retry-After when Licenzy is down, never a grant', async () => {
    const outage = licenzy.mock.fault({ type: 'status', status: 503 }, { path: '/v1/access/check' });
    try {
      const before = licenzy.mock.count(CHECK);
      const response = await fetch(`${server.url}/pro/report`, { headers: session('outage') });
      const answer = await answerOf(response);
      expect(answer).toEqual(refusal(new LicenzyUnavailableError('status', 'Licenzy answered 503')));
      expect(response.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
      expect(licenzy.mock.count(CHECK)).toBeGreaterThan(before);
      // The outage was logged (so the next assertion looks at a log with something in it), without the key.
      expect(server.output()).toContain('Licenzy unavailable');
    } finally {
      outage.remove();
    }
  }, 60_000);

  it('a signed entitlement.updated webhook drops the cached grant: 403 at once, while a user without one stays cached', async () => {
    // Both granted and cached; Licenzy then revokes both, but only user_hooked's revocation is delivered to the app.
    for (const name of ['hooked', 'unhooked']) expect(await reportFor(name)).toEqual({ status: 200, source: 'licenzy' });
    expect(await reportFor('hooked')).toEqual({ status: 200, source: 'cache' });
    licenzy.mock.revoke('user_hooked');
    licenzy.mock.revoke('user_unhooked');
    expect(await deliver(server.url, 'user_hooked')).toBe(200);
    const before = licenzy.mock.count(CHECK);
    const response = await fetch(`${server.url}/pro/report`, { headers: session('hooked') });
    expect(await answerOf(response)).toEqual(refusal(new LicenzyAccessDeniedError('user_hooked')));
    expect(licenzy.mock.count(CHECK)).toBe(before + 1);
    // The control: without a webhook, the revoked user's grant is still served from the cache (its TTL is 5 min).
    expect(await reportFor('unhooked')).toEqual({ status: 200, source: 'cache' });
  });

  it('a forged delivery (wrong secret, or a signature over another body) is refused with 401 and drops nothing', async () => {
    expect(await reportFor('forged')).toEqual({ status: 200, source: 'licenzy' });
    licenzy.mock.revoke('user_forged');
    expect(await deliver(server.url, 'user_forged', 'wrong-secret')).toBe(401);
    expect(await deliver(server.url, 'user_forged', 'other-body')).toBe(401);
    expect(await reportFor('forged')).toEqual({ status: 200, source: 'cache' });
    // The same subject's genuine delivery does drop it: the 401s above were the signature, not the route.
    expect(await deliver(server.url, 'user_forged')).toBe(200);
    expect((await reportFor('forged')).status).toBe(403);
  });

  it('503 with Retry-After when Licenzy is stopped (connection refused), never a grant', async () => {
    // Last but one: the app's Licenzy stops for good. user_stopped is granted there but was never asked for (cold).
    const stoppedAt = new URL(licenzy.mock.url).host;
    await licenzy.close();
    const started = performance.now();
    for (let attempt = 0; attempt < 3; attempt++) {
      const response = await fetch(`${server.url}/pro/report`, { headers: session('stopped') });
      expect(await answerOf(response)).toEqual(refusal(new LicenzyUnavailableError('network', 'Licenzy could not be reached')));
      expect(response.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
    }
    stoppedMs = Math.round(performance.now() - started);
    // Told apart from the 503 fault above: an outage line (one per outage) names a network error at the stopped address.
    expect(server.output()).toMatch(new RegExp(`Licenzy unavailable: [^]*\\bnetwork\\b[^]*${stoppedAt.replaceAll('.', '\\.')}`));
  }, 60_000);

  it("never writes the Licenzy key or the webhook secret to the runtime's output", () => {
    expect(server.output()).not.toContain(licenzy.mock.testKey);
    expect(server.output()).not.toContain(WEBHOOK_SECRET);
    expect(server.output()).not.toContain(WEBHOOK_SECRET.slice('whsec_'.length));
  });
});

afterAll(() => {
  // The figures the issue asks for (start-up and test duration per runtime), on the test's own output.
  console.info(`runtimes: ${timings.join('; ')}`);
});
