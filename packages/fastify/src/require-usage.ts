// The Fastify metered-route preHandler (`app.requireUsage()`), on the plugin's gate.
import { createUsageGuard, markGate } from '@licenzy-gate/core/adapter';
import type { RequireUsageOptions } from '@licenzy-gate/core/adapter';
import type { FastifyInstance, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { writeRefusal, type FastifyRefusalHook } from './refusal.js';
import { routeOf } from './route-pattern.js';
import type { RouteDefaults } from './route-defaults.js';

/**
 * Options of `app.requireUsage()`: `units` (required), `charge`, `onExhausted`, and the per-route options of
 * `app.requireAccess()` (`subject`, `onUnavailable`, `delegateErrors`), each inheriting the plugin's value when left
 * out. The plugin's gate and logger are always used.
 *
 * @example
 * app.post('/api/reports', { preHandler: app.requireUsage({ units: 1 }) }, handler)
 */
export type RouteUsageOptions = Pick<RequireUsageOptions<FastifyRequest, FastifyRefusalHook>, 'units' | 'charge' | 'onExhausted' | 'subject' | 'reportOnly' | 'onUnavailable' | 'delegateErrors'>;

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * A `preHandler` for a metered route: charges `units` of the subject's usage packs on the plugin's gate before
     * the handler (`request.licenzy.usage`), 402 `usage_exhausted` when too few are left, 503 when Licenzy is unavailable.
     */
    requireUsage(options: RouteUsageOptions): preHandlerAsyncHookHandler;
  }
}

/**
 * Decorates `app.requireUsage()` on the plugin's gate.
 * Called by the plugin; not part of the public API.
 */
export function decorateRequireUsage(app: FastifyInstance, defaults: RouteDefaults): void {
  app.decorate('requireUsage', function requireUsage(routeOptions: RouteUsageOptions): preHandlerAsyncHookHandler {
    const inherited = (key: 'subject' | 'reportOnly' | 'onUnavailable' | 'delegateErrors') => (routeOptions as Record<string, unknown> | undefined)?.[key] ?? defaults.options[key];
    const guard = createUsageGuard<FastifyRequest, FastifyRefusalHook>(
      {
        ...routeOptions,
        gate: defaults.gate,
        logger: defaults.logger,
        subject: inherited('subject') as RouteUsageOptions['subject'],
        onUnavailable: inherited('onUnavailable') as RouteUsageOptions['onUnavailable'],
        delegateErrors: inherited('delegateErrors') as boolean | undefined,
        reportOnly: inherited('reportOnly') as RouteUsageOptions['reportOnly'],
      },
      defaults.subject,
    );

    const infoOf = (request: FastifyRequest) => ({ method: request.method, url: request.url, idempotencyKey: request.headers['idempotency-key'], body: request.body });

    const licenzyUsagePreHandler: preHandlerAsyncHookHandler = async function licenzyUsagePreHandler(request, reply) {
      const outcome = await guard.meter(request, infoOf(request), request.licenzy);
      if (!outcome.allowed) {
        // Core decides (delegate, hook or problem); the adapter only writes it.
        const error = await writeRefusal(guard.refusal(outcome), request, reply);
        if (error !== undefined) throw error;
        return;
      }
      request.licenzy = outcome.decision;
      guard.watch(reply.raw, outcome);
    };

    const licenzyReportUsagePreHandler: preHandlerAsyncHookHandler = async function licenzyReportUsagePreHandler(request) {
      // Never charges, never waits: "would exhaust" is estimated in the background and reported.
      guard.observe(request, infoOf(request), routeOf);
    };

    // Picked once: an enforcing route runs exactly licenzyUsagePreHandler.
    const preHandler: preHandlerAsyncHookHandler = guard.reportOnly === false
      ? licenzyUsagePreHandler
      : guard.reportOnly === true
        ? licenzyReportUsagePreHandler
        : async function licenzyUsagePreHandlerOrReport(request, reply) {
          return guard.reportsOnly(request) ? licenzyReportUsagePreHandler.call(this, request, reply) : licenzyUsagePreHandler.call(this, request, reply);
        };
    return markGate(preHandler, 'usage', routeOptions, defaults.options);
  });
}
