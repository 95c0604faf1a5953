// Test helpers shared by the Express suites: both Express majors, a real server on port 0, plain fetch.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import express4 from 'express4';
import type { Express, NextFunction, Request, Response } from 'express';
import type { GateLogger } from '@licenzy-gate/core';

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
  const server: Server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json: Record<string, unknown> | undefined;
}

/** GET (or another method) as `user`, when given, via the demo auth header. */
export async function request(url: string, user?: string, init: RequestInit = {}): Promise<Reply> {
  const headers = new Headers(init.headers);
  if (user !== undefined) headers.set('x-demo-user', user);
  const response = await fetch(url, { ...init, headers });
  const text = await response.text();
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** A logger that keeps what it was told, to assert on it (and keep the test output quiet). */
export function captureLogger(): GateLogger & { lines: string[] } {
  const lines: string[] = [];
  const keep = (level: string) => (message: string, details?: Record<string, unknown>) => {
    lines.push(`${level} ${message} ${JSON.stringify(details ?? {})}`);
  };
  return { lines, warn: keep('warn'), error: keep('error') };
}
