// Test helpers shared by the Nest suites: both platforms, a real Nest app on port 0 behind a demo auth, plain fetch.
import 'reflect-metadata';
import type { INestApplication, ModuleMetadata } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { fetchJson, type JsonReply } from '@licenzy-gate/testing';

/** Every platform the adapter supports, by the name the suites print. */
export const platforms = [
  { platform: 'express', createAdapter: () => new ExpressAdapter() },
  { platform: 'fastify', createAdapter: () => new FastifyAdapter() },
] as const;
export type Platform = (typeof platforms)[number];

/** A listening Nest app. */
export interface RunningApp {
  url: string;
  app: INestApplication;
  close(): Promise<void>;
}

type WithUser = { user?: { id: string }; headers: Record<string, unknown> };

/**
 * Demo-only server-side auth, as a platform hook before Nest's pipeline: trusts `x-demo-user` and sets `user.id` where
 * Passport would (Express `req.user`, Fastify `request.user`), so the default subject resolver finds it.
 */
function demoAuth(app: INestApplication, platform: Platform['platform']): void {
  const login = (request: WithUser) => {
    const id = request.headers['x-demo-user'];
    if (typeof id === 'string') request.user = { id };
  };
  if (platform === 'fastify') {
    const instance = app.getHttpAdapter().getInstance() as { addHook(name: 'onRequest', hook: (request: WithUser) => Promise<void>): void };
    instance.addHook('onRequest', async (request) => login(request));
  } else {
    app.use((req: WithUser, _res: unknown, next: () => void) => {
      login(req);
      next();
    });
  }
}

/** Compiles `metadata` into an app on `platform`, with the demo auth, listening on 127.0.0.1:0. */
export async function startApp(platform: Platform, metadata: ModuleMetadata, options: { rawBody?: boolean; auth?: boolean; setup?: (app: INestApplication) => void } = {}): Promise<RunningApp> {
  const moduleRef = await Test.createTestingModule(metadata).compile();
  const app = moduleRef.createNestApplication(platform.createAdapter(), { logger: false, rawBody: options.rawBody === true });
  if (options.auth !== false) demoAuth(app, platform.platform);
  options.setup?.(app);
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  return { url: `http://127.0.0.1:${address.port}`, app, close: () => app.close() };
}

/** GET (or another method) as `user`, when given, via the demo auth header. */
export async function request(url: string, user?: string, init: RequestInit = {}): Promise<JsonReply> {
  const headers = new Headers(init.headers);
  if (user !== undefined) headers.set('x-demo-user', user);
  return fetchJson(url, { ...init, headers });
}
