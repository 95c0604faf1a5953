// The example's access options and route wrapper: every route and action shares one gate, created on first use.
import { withAccess, type AssertAccessOptions, type FetchAccessOptions, type FetchHandler } from '@licenzy-gate/fetch';
import { userOfRequest } from './session';

// No `gate` option on purpose: the routes and actions then share the process-wide default gate (getDefaultGate), one
// decision cache and one Licenzy client, built from LICENZY_API_KEY and LICENZY_API_URL. next.config.mjs keeps
// @licenzy-gate/* outside the bundles, so that default gate is one module instance per server process.

/** The options of every gated route handler: the subject is the session's user, never anything from the URL. */
export const routeAccess: FetchAccessOptions = { subject: userOfRequest };

/** The options of assertAccess in server actions (a module constant: the guard is built once per options object). */
export const actionAccess: AssertAccessOptions = {};

/**
 * Builds a route handler on its first request instead of at import. `next build` imports every route module to
 * collect its configuration, and a gate set up without a `gate` checks LICENZY_API_KEY / LICENZY_API_URL at setup
 * (a missing key fails early, at the first request here); the build itself needs no Licenzy key.
 */
export function onFirstRequest<Rest extends unknown[]>(build: () => FetchHandler<Rest>): FetchHandler<Rest> {
  let handler: FetchHandler<Rest> | undefined;
  return (request: Request, ...rest: Rest) => (handler ??= build())(request, ...rest);
}

/** {@link withAccess} on {@link routeAccess}, set up on the route's first request. */
export function paidRoute<Rest extends unknown[]>(handler: FetchHandler<Rest>): FetchHandler<Rest> {
  return onFirstRequest(() => withAccess(handler, routeAccess));
}
