// Test helpers of the fetch suites: a fetch handler served over real HTTP on Node (port 0), and a tiny router.
import { getRequestListener } from '@hono/node-server';
import { listen, type ListeningServer } from '@licenzy-gate/testing';

export type Handler = (request: Request) => Response | Promise<Response>;

/** Serves `handler` on 127.0.0.1 through @hono/node-server's Node → `Request` bridge. */
export function serveFetch(handler: Handler): Promise<ListeningServer> {
  return listen(getRequestListener(handler));
}

/** Routes by method and exact path; 404 otherwise. A `LicenzyError` thrown by a route (delegateErrors) is answered `{ delegated, caught }`. */
export function router(routes: Record<string, Handler>): Handler {
  return async (request) => {
    const { pathname } = new URL(request.url);
    const route = routes[`${request.method} ${pathname}`] ?? routes[`* ${pathname}`];
    if (route === undefined) return new Response('not found', { status: 404 });
    try {
      return await route(request);
    } catch (error) {
      const { status = 500, code } = error as { status?: number; code?: string };
      return Response.json({ delegated: code, caught: code }, { status });
    }
  };
}

/** The demo's server-side auth: in these tests only, the `x-demo-user` header stands for a verified session. */
export const demoSubject = (request: Request) => request.headers.get('x-demo-user') ?? undefined;
