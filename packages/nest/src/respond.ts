// Writes an answer through the platform's own response: Fastify's `reply` (so its hooks still run) or Express's `res`.
import type { ServerResponse } from 'node:http';

/** What `context.switchToHttp().getResponse()` gives: a Fastify reply (`raw`, `code`, `send`) or an Express response. */
interface FastifyReplyLike {
  readonly raw: ServerResponse;
  readonly sent: boolean;
  code(status: number): FastifyReplyLike;
  headers(values: Record<string, string>): FastifyReplyLike;
  send(payload: string): unknown;
}

function isFastifyReply(response: unknown): response is FastifyReplyLike {
  const candidate = response as Partial<FastifyReplyLike> | null;
  return typeof candidate === 'object' && candidate !== null && typeof candidate.code === 'function' && typeof candidate.send === 'function' && typeof candidate.raw === 'object';
}

/** The Node response under the platform's (Express's `res` is one; Fastify's `reply.raw`). */
export function rawResponse(response: unknown): ServerResponse {
  return (isFastifyReply(response) ? response.raw : response) as ServerResponse;
}

/** True once the response has been answered (by us, a hook, or the app). */
export function answered(response: unknown): boolean {
  if (isFastifyReply(response)) return response.sent || response.raw.headersSent;
  return (response as ServerResponse).headersSent === true;
}

/** Sends `body` (already serialised) with `status` and `headers`, unless the response was already answered. */
export function send(response: unknown, status: number, headers: Record<string, string>, body: string): void {
  if (answered(response)) return;
  if (isFastifyReply(response)) {
    void response.code(status).headers(headers).send(body);
    return;
  }
  const res = response as ServerResponse;
  res.statusCode = status;
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.end(body);
}
