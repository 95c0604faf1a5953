// Test helpers of the Hono suites: an app served over real HTTP on Node by @hono/node-server, and the demo auth.
import { getRequestListener } from '@hono/node-server';
import { listen, type ListeningServer } from '@licenzy-gate/testing';
import type { Hono, MiddlewareHandler } from 'hono';

/** Serves a Hono app on 127.0.0.1, port 0. */
export function serveHono(app: Hono<never>): Promise<ListeningServer> {
  return listen(getRequestListener((request) => app.fetch(request)));
}

/** Demo-only server-side auth: trusts `x-demo-user` and sets `c.get('user').id`, where the default resolver looks. */
export const demoAuth: MiddlewareHandler = async (c, next) => {
  const id = c.req.header('x-demo-user');
  if (id !== undefined) c.set('user' as never, { id } as never);
  await next();
};
