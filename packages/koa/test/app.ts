// Test fixtures: the Koa majors under test, a demo-auth app on a real port, and a capturing logger.
import type { Server } from 'node:http';
import Router from '@koa/router';
import Koa from 'koa';
import Koa2 from 'koa2';
import { captureLogger, listen as listenOn } from '@licenzy-gate/testing';

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

/** Listens on 127.0.0.1, port 0 (the shared helper of @licenzy-gate/testing). */
export async function listen(app: Koa): Promise<Running> {
  return listenOn(app.callback());
}

/** A logger that keeps every line (`lines`: level, message, details), the shared one of @licenzy-gate/testing. */
export const capturingLogger = captureLogger;
