// One paid route per supported framework major, behind each adapter, on a real port: the apps the suites attack.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { listen as listenOn } from '@licenzy-gate/testing';
import type { AccessGate, AccessGateOptions, GateLogger } from '@licenzy-gate/core';
import { requireAccess as expressRequireAccess } from '@licenzy-gate/express';
import { licenzyGate } from '@licenzy-gate/fastify';
import { requireAccess as koaRequireAccess } from '@licenzy-gate/koa';
import Router from '@koa/router';
import express from 'express';
import express4 from 'express4';
import Fastify from 'fastify';
import Koa from 'koa';
import Koa2 from 'koa2';

/** The framework majors the suites run against, by the name the tables print. */
export const FRAMEWORKS = ['express 5', 'express 4', 'koa 3', 'koa 2', 'fastify 5'] as const;
export type FrameworkName = (typeof FRAMEWORKS)[number];

/**
 * Server-side identity for a request, from headers the *test* controls (a session table, a demo header):
 * what auth middleware would put on `req.user` / `ctx.state.user` / `request.user`. `undefined`: anonymous.
 */
export type Identify = (headers: IncomingHttpHeaders) => Record<string, unknown> | undefined;

/** Demo auth: `x-demo-user` names the user. Tests only — a real app must never trust a header for identity. */
export const demoIdentify: Identify = (headers) => {
  const id = headers['x-demo-user'];
  return typeof id === 'string' ? { id } : undefined;
};

/** The adapter options the suites use, framework-neutral: the subject resolver sees only the request headers. */
export interface PaidRouteOptions extends AccessGateOptions {
  gate?: AccessGate;
  onUnavailable?: 'deny' | 'allow';
  fresh?: boolean;
  delegateErrors?: boolean;
  logger?: GateLogger;
  /** A custom `subject` resolver; left out, each adapter's default resolver (server-side identity) is used. */
  subjectFromHeaders?: (headers: IncomingHttpHeaders) => unknown;
}

/** A listening app with one paid route at `/paid`, answering `{ decision }` with 200 when let through. */
export interface PaidApp {
  readonly framework: FrameworkName;
  readonly url: string;
  /** Times the paid handler ran (it must not run on a refusal). */
  readonly handlerRuns: number;
  /** Lines the framework's own logger wrote (Fastify's pino; Express and Koa have none). */
  readonly frameworkLogs: readonly string[];
  close(): Promise<void>;
}

interface Counters {
  handlerRuns: number;
  logs: string[];
}

/** Starts `framework` with the adapter configured by `options`. */
export async function startPaidApp(framework: FrameworkName, options: PaidRouteOptions, identify: Identify = demoIdentify): Promise<PaidApp> {
  const counters: Counters = { handlerRuns: 0, logs: [] };
  const { subjectFromHeaders, ...rest } = options;
  let closer: () => Promise<void>;
  let url: string;
  if (framework === 'express 5' || framework === 'express 4') {
    const createApp = framework === 'express 5' ? express : express4;
    const app = createApp();
    app.use((req, _res, next) => {
      const user = identify(req.headers);
      if (user !== undefined) (req as unknown as { user: unknown }).user = user;
      next();
    });
    const middleware = expressRequireAccess({ ...rest, ...(subjectFromHeaders ? { subject: (req) => subjectFromHeaders(req.headers) } : {}) });
    app.get('/paid', middleware, (req, res) => {
      counters.handlerRuns++;
      res.json({ decision: req.licenzy });
    });
    ({ url, close: closer } = await listen(createServer(app)));
  } else if (framework === 'koa 3' || framework === 'koa 2') {
    const KoaCtor = framework === 'koa 3' ? Koa : (Koa2 as typeof Koa);
    const app = new KoaCtor();
    app.silent = true;
    app.use(async (ctx, next) => {
      const user = identify(ctx.headers);
      if (user !== undefined) ctx.state.user = user;
      await next();
    });
    const router = new Router();
    const middleware = koaRequireAccess({ ...rest, ...(subjectFromHeaders ? { subject: (ctx) => subjectFromHeaders(ctx.headers) } : {}) });
    router.get('/paid', middleware, (ctx) => {
      counters.handlerRuns++;
      ctx.body = { decision: ctx.state.licenzy };
    });
    app.use(router.routes());
    ({ url, close: closer } = await listen(createServer(app.callback())));
  } else {
    const app = Fastify({ logger: { level: 'info', stream: { write: (line: string) => void counters.logs.push(line) } } });
    app.addHook('onRequest', async (request) => {
      const user = identify(request.headers);
      if (user !== undefined) (request as unknown as { user: unknown }).user = user;
    });
    await app.register(licenzyGate, { ...rest, ...(subjectFromHeaders ? { subject: (request) => subjectFromHeaders(request.headers) } : {}) });
    app.get('/paid', { preHandler: app.requireAccess() }, async (request) => {
      counters.handlerRuns++;
      return { decision: request.licenzy };
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as AddressInfo;
    url = `http://127.0.0.1:${port}`;
    closer = () => app.close();
  }
  return {
    framework,
    url,
    get handlerRuns() {
      return counters.handlerRuns;
    },
    frameworkLogs: counters.logs,
    close: closer,
  };
}

/** Listens on 127.0.0.1:0; `close()` also ends keep-alive connections (the shared helper of @licenzy-gate/testing). */
export async function listen(server: Server): Promise<{ url: string; close: () => Promise<void> }> {
  return listenOn(server);
}

/** What a client of the paid route saw. */
export interface Observed {
  status: number;
  headers: Record<string, string>;
  text: string;
  /** `decision.source` of a 2xx answer. */
  source: string | undefined;
  ms: number;
}

/** Calls `GET <app>/paid` with the given headers; measures the wall time of the whole exchange. */
export async function callPaid(app: PaidApp, headers: Record<string, string> = {}, query = ''): Promise<Observed> {
  const started = performance.now();
  const response = await fetch(`${app.url}/paid${query}`, { headers });
  const text = await response.text();
  const ms = performance.now() - started;
  let source: string | undefined;
  try {
    source = (JSON.parse(text) as { decision?: { source?: string } }).decision?.source;
  } catch {
    source = undefined;
  }
  return { status: response.status, headers: Object.fromEntries(response.headers), text, source, ms };
}
