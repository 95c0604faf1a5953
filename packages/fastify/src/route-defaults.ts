// What the plugin hands its route decorators: its gate, default subject, per-route defaults and logger.
import type { AccessGate, GateLogger } from '@licenzy-gate/core';
import type { FastifyRequest } from 'fastify';

/** The plugin's settings every route decorator inherits. */
export interface RouteDefaults {
  readonly gate: AccessGate;
  /** The default subject resolver (`request.user.id`, then `request.user.sub`). */
  readonly subject: (request: FastifyRequest) => unknown;
  /** The plugin's own values of the per-route options a route may leave out. */
  readonly options: { readonly subject?: unknown; readonly reportOnly?: unknown; readonly onUnavailable?: unknown; readonly delegateErrors?: unknown };
  readonly logger: GateLogger;
}
