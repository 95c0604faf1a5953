// The Fastify post-checkout status handler (`app.accessStatus()`) and `app.customerAccessFor()`, on the plugin's gate.
import { createAccessStatus, loadCustomerAccess } from '@licenzy-gate/core/adapter';
import type { CustomerAccess } from '@licenzy-gate/core';
import type { AccessStatusOptions, CustomerAccessForOptions } from '@licenzy-gate/core/adapter';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { RouteDefaults } from './route-defaults.js';

/** Options of `app.accessStatus()`: `wait` (ms, default 5000), `retryAfter` (s, default 1), `subject`. */
export type RouteAccessStatusOptions = Pick<AccessStatusOptions<FastifyRequest>, 'wait' | 'retryAfter' | 'subject'>;

declare module 'fastify' {
  interface FastifyInstance {
    /** A route handler for the post-checkout page's polling: 200 `{"allowed":true}`, or 202 with `Retry-After` after a wait. */
    accessStatus(options?: RouteAccessStatusOptions): (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply>;
    /** The entitlement summary of the request's subject, loaded on demand through the plugin's gate (cached). */
    customerAccessFor(request: FastifyRequest, options?: Pick<CustomerAccessForOptions<FastifyRequest>, 'fresh' | 'subject'>): Promise<CustomerAccess>;
  }
}

/**
 * Decorates `app.accessStatus()` and `app.customerAccessFor()` on the plugin's gate.
 * Called by the plugin; not part of the public API.
 */
export function decorateAccessStatus(app: FastifyInstance, defaults: RouteDefaults): void {
  app.decorate('accessStatus', function accessStatus(routeOptions?: RouteAccessStatusOptions) {
    const route = createAccessStatus<FastifyRequest>(
      { ...routeOptions, gate: defaults.gate, logger: defaults.logger, subject: (routeOptions?.subject ?? defaults.options.subject) as RouteAccessStatusOptions['subject'] },
      defaults.subject,
    );
    return async function licenzyAccessStatus(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
      const controller = new AbortController();
      reply.raw.once('close', () => controller.abort());
      const answer = await route.reply(request, controller.signal);
      // A string: a route's response schema must not reshape the answer.
      return reply.code(answer.status).headers(answer.headers).send(JSON.stringify(answer.body));
    };
  });

  app.decorate('customerAccessFor', function customerAccessFor(request: FastifyRequest, options?: Pick<CustomerAccessForOptions<FastifyRequest>, 'fresh' | 'subject'>) {
    const subject = options?.subject ?? (defaults.options.subject as ((request: FastifyRequest) => unknown) | undefined);
    return loadCustomerAccess(request, { ...options, gate: defaults.gate, ...(subject === undefined ? {} : { subject }) }, defaults.subject);
  });
}
