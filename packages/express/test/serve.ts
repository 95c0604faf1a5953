// Test helpers shared by the Express suites: both Express majors, a real server on port 0, plain fetch.
import express from 'express';
import express4 from 'express4';
import type { Express, NextFunction, Request, Response } from 'express';
import { captureLogger, fetchJson, listen as listenOn, type JsonReply, type MeteredRoute } from '@licenzy-gate/testing';
import { requireAccess, requireUsage, type AccessGate } from '../src/index.js';

/** Every Express major the adapter supports, by the name the suites print. */
export const majors = [
  { major: 'express 5', version: '5', createApp: express },
  { major: 'express 4', version: '4', createApp: express4 },
] as const;

export type CreateApp = () => Express;

/** Demo-only server-side auth: trusts `x-demo-user` and sets `req.user.id`, where the default resolver looks. */
export function demoAuth(req: Request, _res: Response, next: NextFunction): void {
  const id = req.get('x-demo-user');
  if (id !== undefined) (req as Request & { user?: { id: string } }).user = { id };
  next();
}

/** A listening app; `close()` also drops idle keep-alive sockets so the suite never waits on them. */
export interface Running {
  url: string;
  close(): Promise<void>;
}

export async function listen(app: Express): Promise<Running> {
  return listenOn(app);
}

export type Reply = JsonReply;

/** GET (or another method) as `user`, when given, via the demo auth header. */
export async function request(url: string, user?: string, init: RequestInit = {}): Promise<Reply> {
  const headers = new Headers(init.headers);
  if (user !== undefined) headers.set('x-demo-user', user);
  return fetchJson(url, { ...init, headers });
}

/** The shared capturing logger of @licenzy-gate/testing (`lines` structured, `text()` as strings). */
export { captureLogger };

/** The handlers of one metered route of the `metered` suite (see MeteredRoute). */
export function meteredHandlers(gate: AccessGate, route: MeteredRoute) {
  const { units } = route;
  const usage = requireUsage({
    gate,
    units: typeof units === 'number' ? units : (req: Request) => units(new URLSearchParams(req.originalUrl.split('?')[1] ?? '')),
    ...(route.charge ? { charge: route.charge } : {}),
    ...(route.onUnavailable ? { onUnavailable: route.onUnavailable } : {}),
    ...(route.delegateErrors ? { delegateErrors: true } : {}),
    ...(route.pricingHook ? { onExhausted: (_req: Request, res: Response) => void res.status(402).json({ buy: '/pricing' }) } : {}),
  });
  const handler = (req: Request, res: Response) => {
    if (route.runs) route.runs.count++;
    if (route.handler === 'fail') return void res.status(500).end();
    if (route.handler === 'decision') return void res.json(req.licenzy);
    res.json({ usage: req.licenzy?.usage ?? null, subjectRef: req.licenzy?.subjectRef });
  };
  return route.access ? [requireAccess({ gate }), usage, handler] : [usage, handler];
}
