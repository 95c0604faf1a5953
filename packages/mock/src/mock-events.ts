// Server-sent events of the Licenzy emulator: one `call` event per answered Licenzy call, `state` on every change;
// it also remembers the latest calls (replayed to a new client) and the subjects they named, both bounded.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LicenzyMode } from '@licenzy-gate/core';

/**
 * One answered Licenzy call, as sent on `GET /_mock/events` (event name `call`).
 * @example
 * { seq: 3, at: '2026-01-01T00:00:00.000Z', method: 'POST', path: '/v1/access/check', subject_ref: 'user_1', mode: 'test', status: 200, decision: 'allowed' }
 */
export interface MockCallEvent {
  /** Increases by one per event since start. */
  seq: number;
  at: string;
  method: string;
  path: string;
  subject_ref: string | null;
  mode: LicenzyMode | null;
  status: number;
  /**
   * What the caller got: `allowed`/`denied` (access checks), `consumed N`/`insufficient_usage` (usage),
   * `malformed` (a raw fault), `error <status>` for any other non-2xx, else `ok`.
   */
  decision: string;
  /** The scripted fault that answered instead of the normal answer, if any. */
  fault: string | null;
}

/** Most event-stream clients at once; more get 503, so a forgotten tab loop cannot exhaust the mock. */
export const MAX_EVENT_CLIENTS = 32;

/**
 * Calls the hub remembers and replays to a client that connects (the console shows them on load), newest kept.
 * @example
 * hub.recentCalls().length <= MAX_RECENT_CALLS; // true
 */
export const MAX_RECENT_CALLS = 200;

/**
 * Subjects (per mode) the hub remembers having seen in calls, most recently seen kept: a flood of random subjects
 * replaces older ones instead of growing memory.
 * @example
 * hub.seenSubjects().length <= MAX_SEEN_SUBJECTS; // true
 */
export const MAX_SEEN_SUBJECTS = 500;

/**
 * Longest subject the hub remembers or replays as is, in characters (the control API's limit): a longer one is left
 * out of the seen list (no control action could name it) and cut in the replayed history.
 * @example
 * 'x'.repeat(MAX_REMEMBERED_SUBJECT_LENGTH + 1); // not listed as seen
 */
export const MAX_REMEMBERED_SUBJECT_LENGTH = 256;

/**
 * A subject seen in a call answered with a key of `mode`, as listed by `GET /_mock/subjects` when it has no entitlement.
 * @example
 * { subjectRef: 'user_free', mode: 'test', lastSeenAt: 1767225600000 }
 */
export interface SeenSubject {
  subjectRef: string;
  mode: LicenzyMode;
  /** Epoch ms of the latest call naming it (the mock's clock). */
  lastSeenAt: number;
}

/**
 * What a call's answer meant to the caller, for the live log.
 * @example
 * decisionOf('/v1/access/check', 200, { subject_ref: 'u', allowed: true }, undefined); // 'allowed'
 */
export function decisionOf(path: string, status: number, body: unknown, fault: string | undefined): string {
  if (fault === 'raw' || fault === 'oversized' || fault === 'drip') return 'malformed';
  const fields = body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
  if (status >= 200 && status < 300) {
    if (typeof fields.allowed === 'boolean') return fields.allowed ? 'allowed' : 'denied';
    if (typeof fields.has_access === 'boolean') return fields.has_access ? 'allowed' : 'denied';
    if (fields.ok === true && typeof fields.consumed === 'number') return `consumed ${fields.consumed}`;
    return path === '/v1/access/check' ? 'malformed' : 'ok';
  }
  if (status === 409 && fields.error === 'insufficient_usage') return 'insufficient_usage';
  return `error ${status}`;
}

/**
 * The open `text/event-stream` responses and the fan-out to them.
 * @example
 * const hub = new EventHub(); hub.subscribe(req, res); hub.publish('state', { reason: 'grant' });
 */
export class EventHub {
  private readonly clients = new Set<ServerResponse>();
  private seq = 0;
  private readonly recent: MockCallEvent[] = [];
  /** Insertion order is recency: a repeat is deleted and re-added, the oldest is evicted first. */
  private readonly seen = new Map<string, SeenSubject>();

  /** Number of connected clients. */
  get size(): number {
    return this.clients.size;
  }

  /** The next sequence number for a call event. */
  nextSeq(): number {
    this.seq += 1;
    return this.seq;
  }

  /** Turns the response into an event stream until the client leaves. */
  subscribe(req: IncomingMessage, res: ServerResponse): void {
    if (this.clients.size >= MAX_EVENT_CLIENTS) {
      res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '5' });
      res.end(JSON.stringify({ error: 'too_many_event_clients', message: `at most ${MAX_EVENT_CLIENTS} event streams at once` }));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
    // A comment line flushes the headers, so EventSource reports "open" at once.
    res.write(': connected\n\n');
    // The latest calls first, oldest first, so a page opened now shows what already happened (it drops repeats by seq).
    for (const call of this.recent) res.write(frame('call', call));
    this.clients.add(res);
    const drop = () => this.clients.delete(res);
    req.once('close', drop);
    res.once('close', drop);
  }

  /**
   * Sends one event to every client. JSON never contains a raw newline, so one `data:` line is enough. A `call` is
   * also remembered, with the subject it named (both bounded).
   */
  publish(event: 'call', data: MockCallEvent): void;
  publish(event: 'state', data: unknown): void;
  publish(event: 'call' | 'state', data: unknown): void {
    const text = frame(event, data);
    for (const client of this.clients) if (!client.destroyed) client.write(text);
    if (event === 'call') this.remember(data as MockCallEvent);
  }

  private remember(call: MockCallEvent): void {
    this.recent.push(rememberedCall(call));
    if (this.recent.length > MAX_RECENT_CALLS) this.recent.shift();
    const { subject_ref: subjectRef, mode } = call;
    if (subjectRef === null || mode === null || subjectRef === '' || subjectRef.length > MAX_REMEMBERED_SUBJECT_LENGTH) return;
    const key = `${mode}\u0000${subjectRef}`;
    this.seen.delete(key);
    this.seen.set(key, { subjectRef, mode, lastSeenAt: Date.parse(call.at) });
    if (this.seen.size > MAX_SEEN_SUBJECTS) this.seen.delete(this.seen.keys().next().value as string);
  }

  /** The remembered calls, oldest first (at most {@link MAX_RECENT_CALLS}). */
  recentCalls(): MockCallEvent[] {
    return [...this.recent];
  }

  /** Subjects seen in calls, least recently seen first (at most {@link MAX_SEEN_SUBJECTS}). */
  seenSubjects(): SeenSubject[] {
    return [...this.seen.values()].map((subject) => ({ ...subject }));
  }

  /** Forgets the remembered calls and subjects (on reset). */
  forget(): void {
    this.recent.length = 0;
    this.seen.clear();
  }

  /** Ends every stream (on close). */
  closeAll(): void {
    for (const client of this.clients) client.destroy();
    this.clients.clear();
  }
}

function frame(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** A call as kept for replay: a subject or path past the length bound is cut, so the history stays small whatever was sent. */
function rememberedCall(call: MockCallEvent): MockCallEvent {
  const cut = (text: string) => (text.length > MAX_REMEMBERED_SUBJECT_LENGTH ? `${text.slice(0, MAX_REMEMBERED_SUBJECT_LENGTH)}…` : text);
  return { ...call, path: cut(call.path), subject_ref: call.subject_ref === null ? null : cut(call.subject_ref) };
}
