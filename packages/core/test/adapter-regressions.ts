// Issue 23's adapter regressions, written once and run by every adapter's tests over real HTTP against the local
// Licenzy: streamed, aborted and failed handlers under charge 'after' (item 8), consume answers that do not add up
// (item 9), and zero-argument routes across resetDefaultGate() (item 3). Each adapter supplies only how to mount.
import { request as httpRequest } from 'node:http';
import { expect, it, vi } from 'vitest';
import type { LocalLicenzy } from '@licenzy-gate/testing';
import { uniqueSubject } from '@licenzy-gate/testing';
import { getDefaultGate, resetDefaultGate, type LicenzyGate } from '../src/index.js';
import { MALFORMED_CONSUME_ANSWERS } from './consume-answers.js';

/**
 * What a metered route's handler does: `json` answers 200 at once; `stream` sends a 200 chunk, then another 50 ms later,
 * then ends 400 ms after that; `fail` throws before sending anything (the framework answers 500); `slow` answers 200
 * after 300 ms.
 */
export type MeteredHandler = 'json' | 'stream' | 'fail' | 'slow';

export interface MeteredRouteSpec {
  readonly path: string;
  readonly charge: 'before' | 'after';
  readonly units: number;
  readonly handler: MeteredHandler;
  /** Counted by the handler each time it runs. */
  readonly runs: { count: number };
}

export interface RunningApp {
  readonly url: string;
  close(): Promise<void>;
}

/** Mounts metered routes on a gate; the subject is the `x-demo-user` header, through the app's demo auth. */
export type MountMetered = (gate: LicenzyGate, routes: readonly MeteredRouteSpec[]) => Promise<RunningApp>;
/** Mounts `GET /pro` behind a zero-argument `requireAccess()` (the default gate), with the same demo auth. */
export type MountDefault = () => Promise<RunningApp>;

const CONSUME = '/v1/usage/consume';
const STREAM_PAUSE_MS = 400;

/** The chunks of the `stream` handler, for adapters to write. */
export const STREAM_CHUNKS = ['chunk-1\n', 'chunk-2\n', 'last\n'] as const;

/** Runs the `stream` handler's writes on any writer; resolves when it ended. */
export async function streamChunks(write: (chunk: string) => void, end: () => void): Promise<void> {
  write(STREAM_CHUNKS[0]);
  await delay(50);
  write(STREAM_CHUNKS[1]);
  await delay(STREAM_PAUSE_MS);
  write(STREAM_CHUNKS[2]);
  end();
}

export const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Units charged at the local Licenzy for a subject (successful consume calls). */
function charged(licenzy: LocalLicenzy, subjectRef: string): number {
  return licenzy.mock.requests
    .filter((entry) => entry.path === CONSUME && entry.status === 200 && (entry.body as { subject_ref?: unknown } | undefined)?.subject_ref === subjectRef)
    .reduce((sum, entry) => sum + Number((entry.body as { units?: unknown }).units), 0);
}

/**
 * GETs `url` as `user`; `until` says when to stop: `'end'` reads everything, `'first-chunk'` resets the connection
 * (TCP RST) once the first body bytes arrived, `'before-headers'` resets after `abortAfterMs` without waiting for them.
 */
function get(url: string, user: string, until: 'end' | 'first-chunk' | 'before-headers', abortAfterMs = 50): Promise<{ status: number | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers: { 'x-demo-user': user, connection: 'close' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
        if (until === 'first-chunk') {
          req.socket?.resetAndDestroy();
          resolve({ status: res.statusCode, body });
        }
      });
      res.on('end', () => resolve({ status: res.statusCode, body }));
      res.on('error', () => resolve({ status: res.statusCode, body }));
    });
    req.on('error', (error) => (until === 'end' ? reject(error) : resolve({ status: undefined, body: '' })));
    if (until === 'before-headers') setTimeout(() => req.socket?.resetAndDestroy(), abortAfterMs);
    req.end();
  });
}

/** Waits until `read()` stops changing for a while (charges arrive after the response), then returns it. */
async function settled(read: () => number, quietMs = 150, maxMs = 3_000): Promise<number> {
  let last = read();
  let stableSince = Date.now();
  const start = Date.now();
  while (Date.now() - start < maxMs) {
    await delay(25);
    const now = read();
    if (now !== last) {
      last = now;
      stableSince = Date.now();
    } else if (Date.now() - stableSince >= quietMs) {
      break;
    }
  }
  return last;
}

/**
 * Item 8: `charge: 'after'` charges a delivered response — it started (headers sent) with a 2xx/3xx status — at finish
 * or when the client resets first; never a handler that failed before sending anything or a request aborted before it.
 */
export function meteredDeliveryCases(licenzy: () => LocalLicenzy, mount: MountMetered, gateFor: () => LicenzyGate): void {
  const route = (handler: MeteredHandler, runs = { count: 0 }): MeteredRouteSpec => ({ path: `/${handler}`, charge: 'after', units: 2, handler, runs });

  async function scenario(handler: MeteredHandler, until: 'end' | 'first-chunk' | 'before-headers') {
    const subject = uniqueSubject(`delivery_${handler}_${until.replace(/-/g, '_')}`);
    licenzy().mock.grant(subject, { kind: 'usage_pack', usageRemaining: 100 });
    const spec = route(handler);
    const app = await mount(gateFor(), [spec]);
    try {
      const reply = await get(`${app.url}${spec.path}`, subject, until);
      // Let a streaming handler run to its end (and the charge arrive) before counting.
      await delay(handler === 'stream' ? STREAM_PAUSE_MS + 100 : handler === 'slow' ? 350 : 0);
      return { reply, units: await settled(() => charged(licenzy(), subject)), runs: spec.runs.count };
    } finally {
      await app.close();
    }
  }

  it("charge 'after': a streamed response read to the end is charged once", async () => {
    const { reply, units } = await scenario('stream', 'end');
    expect(reply).toEqual({ status: 200, body: STREAM_CHUNKS.join('') });
    expect(units).toBe(2);
  });

  it("charge 'after': a client that resets the connection mid-stream, before the last bytes, is still charged (regression: 0 units)", async () => {
    const { reply, units } = await scenario('stream', 'first-chunk');
    expect(reply.status).toBe(200);
    expect(reply.body.startsWith(STREAM_CHUNKS[0])).toBe(true);
    expect(units).toBe(2);
  });

  it("charge 'after': a handler that failed before sending anything is not charged", async () => {
    const { reply, units, runs } = await scenario('fail', 'end');
    expect(reply.status).toBe(500);
    expect(runs).toBe(1);
    expect(units).toBe(0);
  });

  it("charge 'after': a request aborted before the response started is not charged", async () => {
    const { units, runs } = await scenario('slow', 'before-headers');
    expect(runs).toBe(1);
    expect(units).toBe(0);
  });
}

/**
 * Item 9: a consume answer is a charge only with status 200 and exactly the units asked; anything else is malformed:
 * 503, the handler does not run.
 */
export function malformedConsumeCases(licenzy: () => LocalLicenzy, mount: MountMetered, gateFor: () => LicenzyGate): void {
  it.each(MALFORMED_CONSUME_ANSWERS)('a consume answer with %s answers 503 and the handler does not run (regression: it ran)', async (_label, status, body) => {
    const subject = uniqueSubject('malformed_consume');
    licenzy().mock.grant(subject, { kind: 'usage_pack', usageRemaining: 100 });
    licenzy().mock.fault({ type: 'status', status, body }, { path: CONSUME });
    const spec: MeteredRouteSpec = { path: '/report', charge: 'before', units: 5, handler: 'json', runs: { count: 0 } };
    const app = await mount(gateFor(), [spec]);
    try {
      const reply = await get(`${app.url}${spec.path}`, subject, 'end');
      expect(reply.status).toBe(503);
      expect(spec.runs.count).toBe(0);
    } finally {
      await app.close();
    }
  });

  it('a consume answer of 200 with exactly the units asked lets the handler run', async () => {
    const subject = uniqueSubject('exact_consume');
    licenzy().mock.grant(subject, { kind: 'usage_pack', usageRemaining: 100 });
    const spec: MeteredRouteSpec = { path: '/report', charge: 'before', units: 5, handler: 'json', runs: { count: 0 } };
    const app = await mount(gateFor(), [spec]);
    try {
      expect((await get(`${app.url}${spec.path}`, subject, 'end')).status).toBe(200);
      expect(spec.runs.count).toBe(1);
    } finally {
      await app.close();
    }
  });
}

/**
 * Item 3: a zero-argument route follows `resetDefaultGate()`. Before: it kept the old gate, so the old cached grant
 * survived `getDefaultGate().invalidate()` and it kept calling the old Licenzy (old key, old URL).
 */
export function defaultGateRotationCases(oldLicenzy: () => LocalLicenzy, newLicenzy: () => LocalLicenzy, mount: MountDefault): void {
  it('a zero-argument route follows resetDefaultGate(): the new key and URL are used, and a refund on the new gate is seen', async () => {
    const subject = uniqueSubject('rotation');
    vi.stubEnv('LICENZY_API_KEY', oldLicenzy().mock.testKey);
    vi.stubEnv('LICENZY_API_URL', oldLicenzy().mock.url);
    resetDefaultGate();
    try {
      oldLicenzy().mock.grant(subject);
      const app = await mount();
      try {
        expect((await get(`${app.url}/pro`, subject, 'end')).status).toBe(200);
        expect((await get(`${app.url}/pro`, subject, 'end')).status).toBe(200);
        const oldCalls = oldLicenzy().mock.requests.length;
        // Key rotation: the environment names the new account; the customer refunded meanwhile (no grant there).
        vi.stubEnv('LICENZY_API_KEY', newLicenzy().mock.testKey);
        vi.stubEnv('LICENZY_API_URL', newLicenzy().mock.url);
        resetDefaultGate();
        getDefaultGate().invalidate(subject);
        expect((await get(`${app.url}/pro`, subject, 'end')).status).toBe(403);
        expect(oldLicenzy().mock.requests.length).toBe(oldCalls);
        const asked = newLicenzy().mock.requests.filter((entry) => entry.path === '/v1/access/check' && (entry.body as { subject_ref?: unknown } | undefined)?.subject_ref === subject);
        expect(asked).toHaveLength(1);
        // A grant at the new account is served, and the invalidation of the current default gate reaches the route.
        newLicenzy().mock.grant(subject);
        getDefaultGate().invalidate(subject);
        expect((await get(`${app.url}/pro`, subject, 'end')).status).toBe(200);
        newLicenzy().mock.revoke(subject);
        getDefaultGate().invalidate(subject);
        expect((await get(`${app.url}/pro`, subject, 'end')).status).toBe(403);
      } finally {
        await app.close();
      }
    } finally {
      vi.unstubAllEnvs();
      resetDefaultGate();
    }
  });
}
