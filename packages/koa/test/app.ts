// Test fixtures: the Koa majors under test, a demo-auth app on a real port, and a capturing logger.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Router from '@koa/router';
import Koa from 'koa';
import Koa2 from 'koa2';
import type { GateLogger } from '@licenzy-gate/core';

/** Every Koa major the adapter supports; each suite runs once per entry. */
export const koaMajors = [
  { name: 'koa 3', Koa },
  { name: 'koa 2', Koa: Koa2 as typeof Koa },
] as const;

export type KoaClass = typeof Koa;
export { Router };

/**
 * A new app whose server-side demo auth trusts `x-demo-user` (tests only) and puts it on
 * `ctx.state.user.id`, where the adapter's default resolver looks. Koa's own error logging is silenced.
 */
export function demoApp(KoaCtor: KoaClass): Koa {
  const app = new KoaCtor();
  app.silent = true;
  app.use(async (ctx, next) => {
    const user = ctx.get('x-demo-user');
    if (user !== '') ctx.state.user = { id: user };
    await next();
  });
  return app;
}

/** A started app: its base URL and a `close()` that ends open keep-alive connections too. */
export interface Running {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1, port 0. */
export async function listen(app: Koa): Promise<Running> {
  const server = createServer(app.callback());
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/** A logger that keeps every line, so tests can assert on what was (and was not) logged. */
export function capturingLogger(): GateLogger & { lines: Array<{ level: 'warn' | 'error'; message: string; details?: Record<string, unknown> }> } {
  const lines: Array<{ level: 'warn' | 'error'; message: string; details?: Record<string, unknown> }> = [];
  return {
    lines,
    warn: (message, details) => void lines.push({ level: 'warn', message, details }),
    error: (message, details) => void lines.push({ level: 'error', message, details }),
  };
}
