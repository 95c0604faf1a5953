// Tests the live-log decisions and the event-stream hub (client cap, fan-out, close) over real HTTP on 127.0.0.1.
import { createServer, request, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { decisionOf, EventHub, MAX_EVENT_CLIENTS, MAX_RECENT_CALLS, MAX_REMEMBERED_SUBJECT_LENGTH, MAX_SEEN_SUBJECTS, type MockCallEvent } from '../src/mock-events.js';

describe('decisionOf', () => {
  it.each([
    ['/v1/access/check', 200, { subject_ref: 'u', allowed: true }, undefined, 'allowed'],
    ['/v1/access/check', 200, { subject_ref: 'u', allowed: false }, undefined, 'denied'],
    ['/v1/access/check', 200, { subject_ref: 'u', allowed: 'true' }, 'allowed', 'malformed'],
    ['/v1/access/check', 200, '{"subject_ref":', 'raw', 'malformed'],
    ['/v1/customer/access/u', 200, { has_access: true }, undefined, 'allowed'],
    ['/v1/usage/consume', 200, { ok: true, consumed: 5, usage_remaining: 0 }, undefined, 'consumed 5'],
    ['/v1/usage/consume', 409, { error: 'insufficient_usage' }, undefined, 'insufficient_usage'],
    ['/v1/access/check', 503, { error: 'service_unavailable' }, 'status', 'error 503'],
    ['/v1/access/check', 401, { error: 'invalid_api_key' }, undefined, 'error 401'],
    ['/v1/entitlements/u', 200, { subject_ref: 'u', entitlements: [] }, undefined, 'ok'],
  ])('%s %i %j (fault %s) → %s', (path, status, body, fault, decision) => {
    expect(decisionOf(path, status, body, fault)).toBe(decision);
  });
});

describe('EventHub', () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });

  async function serve(hub: EventHub) {
    const server = createServer((req, res) => hub.subscribe(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    close = () =>
      new Promise<void>((resolve) => {
        hub.closeAll();
        server.closeAllConnections();
        server.close(() => resolve());
      });
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }
  const open = (url: string) =>
    new Promise<IncomingMessage>((resolve, reject) => {
      const req = request(url, resolve);
      req.on('error', reject);
      req.end();
    });
  /** Reads a response until `text` ends with `until`. */
  const readUntil = (res: IncomingMessage, until: string) =>
    new Promise<string>((resolve, reject) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
        if (text.endsWith(until)) resolve(text);
      });
      res.on('end', () => reject(new Error(`ended with ${JSON.stringify(text)}`)));
    });

  it('fans each event out to every client as one SSE frame', async () => {
    const hub = new EventHub();
    const url = await serve(hub);
    const [a, b] = await Promise.all([open(url), open(url)]);
    expect(a.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(a.headers['cache-control']).toBe('no-store');
    const frame = 'event: state\ndata: {"text":"two\\nlines"}\n\n';
    const reads = [readUntil(a, frame), readUntil(b, frame)];
    expect(hub.size).toBe(2);
    hub.publish('state', { text: 'two\nlines' });
    expect(await Promise.all(reads)).toEqual([`: connected\n\n${frame}`, `: connected\n\n${frame}`]);
    expect([hub.nextSeq(), hub.nextSeq()]).toEqual([1, 2]);
  });

  it(`turns away client ${MAX_EVENT_CLIENTS + 1} with 503, and forgets clients that leave`, async () => {
    const hub = new EventHub();
    const url = await serve(hub);
    const clients = await Promise.all(Array.from({ length: MAX_EVENT_CLIENTS }, () => open(url)));
    expect(hub.size).toBe(MAX_EVENT_CLIENTS);
    const extra = await open(url);
    expect(extra.statusCode).toBe(503);
    expect(extra.headers['retry-after']).toBe('5');
    extra.resume();
    const gone = clients[0];
    const closed = new Promise<void>((resolve) => gone?.once('close', () => resolve()));
    gone?.destroy();
    await closed;
    await expect.poll(() => hub.size, { timeout: 2000 }).toBe(MAX_EVENT_CLIENTS - 1);
    for (const client of clients) client.destroy();
  });

  const call = (seq: number, subjectRef: string | null, mode: MockCallEvent['mode'] = 'test'): MockCallEvent => ({
    seq,
    at: new Date(Date.UTC(2026, 0, 1, 0, 0, seq)).toISOString(),
    method: 'POST',
    path: '/v1/access/check',
    subject_ref: subjectRef,
    mode,
    status: 200,
    decision: 'denied',
    fault: null,
  });

  it('regression (issue 22): a client that connects later gets the latest calls first, oldest first', async () => {
    const hub = new EventHub();
    const url = await serve(hub);
    hub.publish('call', call(1, 'user_free'));
    hub.publish('call', call(2, 'user_paid'));
    const res = await open(url);
    const text = await readUntil(res, `${JSON.stringify(call(2, 'user_paid'))}\n\n`);
    expect(text).toBe(`: connected\n\nevent: call\ndata: ${JSON.stringify(call(1, 'user_free'))}\n\nevent: call\ndata: ${JSON.stringify(call(2, 'user_paid'))}\n\n`);
    res.destroy();
  });

  it(`keeps at most ${MAX_RECENT_CALLS} calls, and cuts a long subject or path in what it keeps`, () => {
    const hub = new EventHub();
    for (let seq = 1; seq <= MAX_RECENT_CALLS + 50; seq++) hub.publish('call', call(seq, `user_${seq}`));
    const recent = hub.recentCalls();
    expect(recent).toHaveLength(MAX_RECENT_CALLS);
    expect(recent[0]?.seq).toBe(51);
    hub.publish('call', { ...call(999, 'x'.repeat(60_000)), path: `/v1/customer/access/${'y'.repeat(60_000)}` });
    const kept = hub.recentCalls().at(-1);
    expect(kept?.subject_ref).toHaveLength(MAX_REMEMBERED_SUBJECT_LENGTH + 1);
    expect(kept?.path).toHaveLength(MAX_REMEMBERED_SUBJECT_LENGTH + 1);
  });

  it(`lists subjects seen in calls per mode, most recent last, at most ${MAX_SEEN_SUBJECTS}: a flood of random subjects stays bounded`, () => {
    const hub = new EventHub();
    hub.publish('call', call(1, 'user_free'));
    hub.publish('call', call(2, 'user_free', 'live'));
    hub.publish('call', call(3, null));
    hub.publish('call', call(4, 'no_key', null));
    hub.publish('call', call(5, 'z'.repeat(MAX_REMEMBERED_SUBJECT_LENGTH + 1)));
    hub.publish('call', call(6, 'user_free'));
    expect(hub.seenSubjects()).toEqual([
      { subjectRef: 'user_free', mode: 'live', lastSeenAt: Date.UTC(2026, 0, 1, 0, 0, 2) },
      { subjectRef: 'user_free', mode: 'test', lastSeenAt: Date.UTC(2026, 0, 1, 0, 0, 6) },
    ]);
    for (let i = 0; i < 20_000; i++) hub.publish('call', call(10 + i, `random_${i}_${'r'.repeat(200)}`));
    const seen = hub.seenSubjects();
    expect(seen).toHaveLength(MAX_SEEN_SUBJECTS);
    expect(seen.at(-1)?.subjectRef).toMatch(/^random_19999_/);
    expect(seen.some((subject) => subject.subjectRef === 'user_free')).toBe(false);
    hub.forget();
    expect([hub.seenSubjects(), hub.recentCalls()]).toEqual([[], []]);
  });
});
