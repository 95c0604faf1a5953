// Server-sent events of the Licenzy emulator: one `call` event per answered Licenzy call, `state` on every change.
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
    this.clients.add(res);
    const drop = () => this.clients.delete(res);
    req.once('close', drop);
    res.once('close', drop);
  }

  /** Sends one event to every client. JSON never contains a raw newline, so one `data:` line is enough. */
  publish(event: 'call' | 'state', data: unknown): void {
    const frame = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const client of this.clients) if (!client.destroyed) client.write(frame);
  }

  /** Ends every stream (on close). */
  closeAll(): void {
    for (const client of this.clients) client.destroy();
    this.clients.clear();
  }
}
