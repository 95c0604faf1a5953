// Writes core's refusal decision (delegate, hook or problem+json) for every Fastify route the plugin gates.
import type { LicenzyError } from '@licenzy-gate/core';
import type { RefusalAction } from '@licenzy-gate/core/adapter';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * Answers a refusal in place of the default problem+json. Answer through `reply` (`reply.code(402).send(…)`,
 * and `return reply` from an async hook) or return the payload to send; a throw goes to Fastify's error handler.
 *
 * @example
 * const onDenied: FastifyRefusalHook = (request, reply) => reply.code(402).send({ upgrade: '/pricing' })
 */
export type FastifyRefusalHook = (request: FastifyRequest, reply: FastifyReply, error: LicenzyError) => unknown;

/** @deprecated The same type under its old name: use {@link FastifyRefusalHook} (one naming pattern in every adapter). */
export type LicenzyHook = FastifyRefusalHook;

/** `done` only ever gets an Error from us: a falsy argument (a hook throwing `undefined`) would run the handler. */
export function toError(thrown: unknown): Error {
  return thrown instanceof Error ? thrown : new Error('licenzy-gate: a refusal hook failed', { cause: thrown });
}

/**
 * Writes `action`: returns (or resolves to) the error for Fastify's error handler (the typed error when delegating,
 * what a hook threw), or `undefined` once answered. Synchronous unless a hook returns a promise, so a refusal from
 * the cache costs no Promise.
 */
export function writeRefusal(action: RefusalAction<FastifyRefusalHook>, request: FastifyRequest, reply: FastifyReply): Error | undefined | Promise<Error | undefined> {
  if (action.type === 'delegate') return action.error;
  if (action.type === 'hook') {
    // Like a Fastify handler: a hook that returned `reply` (or nothing) answered itself; anything else is the payload.
    const sendReturned = (value: unknown): undefined => void (value !== undefined && value !== reply && !reply.sent && reply.send(value));
    try {
      const result = action.hook(request, reply, action.error);
      if (typeof (result as PromiseLike<unknown> | undefined)?.then === 'function') return Promise.resolve(result).then(sendReturned).catch(toError);
      return sendReturned(result);
    } catch (thrown) {
      return toError(thrown);
    }
  }
  const { problem } = action;
  // Sent as a string: a route's response schema or serializer must not reshape or re-type the problem body.
  reply.code(problem.status).headers(problem.headers).send(JSON.stringify(problem.body));
  return undefined;
}
