// The Fastify metered-route preHandler, the post-checkout status handler and customerAccessFor(), on the plugin's gate.
import { createAccessStatus, createUsageGuard, loadCustomerAccess } from '@licenzy-gate/core';
import type { AccessGate, AccessStatusOptions, CustomerAccess, CustomerAccessForOptions, GateLogger, LicenzyError, RequireUsageOptions, UsageOutcome } from '@licenzy-gate/core';
import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { toError } from './hook-error.js';

/** A refusal hook, as for `requireAccess()`: answer through `reply`, or return the payload to send. */
type Hook = (request: FastifyRequest, reply: FastifyReply, error: LicenzyError) => unknown;

/**
 * Options of `app.requireUsage()`: `units` (required), `charge`, `onExhausted`, and the per-route options of
 * `app.requireAccess()` (`subject`, `onUnavailable`, `delegateErrors`), each inheriting the plugin's value when left
 * out. The plugin's gate and logger are always used.
 *
 * @example
 * app.post('/api/reports', { preHandler: app.requireUsage({ units: 1 }) }, handler)
 */
export type RouteUsageOptions = Pick<RequireUsageOptions<FastifyRequest, Hook>, 'units' | 'charge' | 'onExhausted' | 'subject' | 'onUnavailable' | 'delegateErrors'>;

/** Options of `app.accessStatus()`: `wait` (ms, default 5000), `retryAfter` (s, default 1), `subject`. */
export type RouteAccessStatusOptions = Pick<AccessStatusOptions<FastifyRequest>, 'wait' | 'retryAfter' | 'subject'>;

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * A `preHandler` for a metered route: charges `units` of the subject's usage packs on the plugin's gate before
     * the handler (`request.licenzy.usage`), 402 `usage_exhausted` when too few are left, 503 when Licenzy is unavailable.
     */
    requireUsage(options: RouteUsageOptions): preHandlerAsyncHookHandler;
    /** A route handler for the post-checkout page's polling: 200 `{"allowed":true}`, or 202 with `Retry-After` after a wait. */
    accessStatus(options?: RouteAccessStatusOptions): (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply>;
    /** The entitlement summary of the request's subject, loaded on demand through the plugin's gate (cached). */
    customerAccessFor(request: FastifyRequest, options?: Pick<CustomerAccessForOptions<FastifyRequest>, 'fresh' | 'subject'>): Promise<CustomerAccess>;
  }
}

/** What the plugin passes on: its gate, its per-route defaults, its logger. */
export interface MeteringDefaults {
  gate: AccessGate;
  subject: (request: FastifyRequest) => unknown;
  options: { subject?: unknown; onUnavailable?: unknown; delegateErrors?: unknown };
  logger: GateLogger;
}

/**
 * Decorates `app.requireUsage()`, `app.accessStatus()` and `app.customerAccessFor()` on the plugin's gate.
 * Called by the plugin; not part of the public API.
 */
export function decorateMetering(app: FastifyInstance, defaults: MeteringDefaults): void {
  app.decorate('requireUsage', function requireUsage(routeOptions: RouteUsageOptions): preHandlerAsyncHookHandler {
    const inherited = (key: 'subject' | 'onUnavailable' | 'delegateErrors') => (routeOptions as Record<string, unknown> | undefined)?.[key] ?? defaults.options[key];
    const guard = createUsageGuard<FastifyRequest, Hook>(
      {
        ...routeOptions,
        gate: defaults.gate,
        logger: defaults.logger,
        subject: inherited('subject') as RouteUsageOptions['subject'],
        onUnavailable: inherited('onUnavailable') as RouteUsageOptions['onUnavailable'],
        delegateErrors: inherited('delegateErrors') as boolean | undefined,
      },
      defaults.subject,
    );

    async function refuse(outcome: Exclude<UsageOutcome, { ok: true }>, request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
      // Core decides (delegate, hook or problem); the adapter only writes it.
      const action = guard.refusal(outcome);
      if (action.type === 'delegate') throw action.error;
      if (action.type === 'hook') {
        let returned: unknown;
        try {
          returned = await action.hook(request, reply, action.error);
        } catch (thrown) {
          throw toError(thrown);
        }
        if (returned !== undefined && returned !== reply && !reply.sent) return reply.send(returned);
        return reply;
      }
      const { problem } = action;
      return reply.code(problem.status).headers(problem.headers).send(JSON.stringify(problem.body));
    }

    return async function licenzyUsagePreHandler(request, reply) {
      const info = { method: request.method, url: request.url, idempotencyKey: request.headers['idempotency-key'], body: request.body };
      const outcome = await guard.run(request, info, request.licenzy);
      if (!outcome.ok) {
        await refuse(outcome, request, reply);
        return;
      }
      request.licenzy = outcome.decision;
      guard.watch(reply.raw, outcome);
    };
  });

  app.decorate('accessStatus', function accessStatus(routeOptions?: RouteAccessStatusOptions) {
    const route = createAccessStatus<FastifyRequest>(
      { ...routeOptions, gate: defaults.gate, logger: defaults.logger, subject: (routeOptions?.subject ?? defaults.options.subject) as RouteAccessStatusOptions['subject'] },
      defaults.subject,
    );
    return async function licenzyAccessStatus(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
      const controller = new AbortController();
      reply.raw.once('close', () => controller.abort());
      const answer = await route.run(request, controller.signal);
      // A string: a route's response schema must not reshape the answer.
      return reply.code(answer.status).headers(answer.headers).send(JSON.stringify(answer.body));
    };
  });

  app.decorate('customerAccessFor', function customerAccessFor(request: FastifyRequest, options?: Pick<CustomerAccessForOptions<FastifyRequest>, 'fresh' | 'subject'>) {
    const subject = options?.subject ?? (defaults.options.subject as ((request: FastifyRequest) => unknown) | undefined);
    return loadCustomerAccess(request, { ...options, gate: defaults.gate, ...(subject === undefined ? {} : { subject }) }, defaults.subject);
  });
}
