// `req.licenzy` is an accessor on Express's request prototype (no own property per request, issue #14): each request
// still sees exactly its own decision, on Express 5 and 4, in sub-apps, and plain objects keep an own property.
import { IncomingMessage } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { NextFunction, Request, Response } from 'express';
import { uniqueSubject, useLocalLicenzy } from '@licenzy-gate/testing';
import { requireAccess, type RequestDecision } from '../src/index.js';
import { setRequestDecision } from '../src/decision-property.js';
import { demoAuth, listen, majors, request } from './serve.js';

const licenzy = useLocalLicenzy({ hooks: { beforeAll, afterAll, afterEach }, gate: { retries: 0, circuitBreaker: false } });
/** What a handler saw of `req.licenzy`, and whether it was an own property of the request. */
const seen = (req: Request) => ({ subject: req.licenzy?.subjectRef, allowed: req.licenzy?.allowed, own: Object.hasOwn(req, 'licenzy'), listed: Object.keys(req).includes('licenzy') });

describe.each(majors)('req.licenzy on $major', ({ createApp }) => {
  it('holds this request\'s decision without adding an own property to the request', async () => {
    const subject = uniqueSubject('express_accessor');
    licenzy.mock.grant(subject);
    const app = createApp();
    app.use(demoAuth);
    app.get('/pro', requireAccess({ gate: licenzy.gate() }), (req: Request, res: Response) => res.json(seen(req)));
    const server = await listen(app);
    try {
      const reply = await request(`${server.url}/pro`, subject);
      expect(reply.status).toBe(200);
      expect(reply.json).toEqual({ subject, allowed: true, own: false, listed: false });
    } finally {
      await server.close();
    }
  });

  it('never shows one request another\'s decision, concurrent requests of allowed and denied users alike', async () => {
    const allowed = Array.from({ length: 5 }, (_, i) => uniqueSubject(`express_allowed_${i}`));
    const denied = Array.from({ length: 5 }, (_, i) => uniqueSubject(`express_denied_${i}`));
    for (const subject of allowed) licenzy.mock.grant(subject);
    const app = createApp();
    app.use(demoAuth);
    // Denied requests answer through the hook, which sees the denial on req.licenzy.
    const onDenied = (req: Request, res: Response) => void res.status(403).json(seen(req));
    app.get('/pro', requireAccess({ gate: licenzy.gate(), onDenied }), (req: Request, res: Response) => res.json(seen(req)));
    const server = await listen(app);
    try {
      const users = [...allowed, ...denied, ...allowed, ...denied];
      const replies = await Promise.all(users.map((user) => request(`${server.url}/pro`, user)));
      replies.forEach((reply, i) => {
        const user = users[i] as string;
        const isAllowed = allowed.includes(user);
        expect(reply.status).toBe(isAllowed ? 200 : 403);
        expect(reply.json).toEqual({ subject: user, allowed: isAllowed, own: false, listed: false });
      });
    } finally {
      await server.close();
    }
  });

  it('keeps the decision visible to the parent app after a gated sub-app hands the request on', async () => {
    const subject = uniqueSubject('express_subapp');
    licenzy.mock.grant(subject);
    const parent = createApp();
    const child = createApp();
    child.use(requireAccess({ gate: licenzy.gate() }));
    parent.use(demoAuth);
    parent.use('/area', child);
    parent.get('/area/page', (req: Request, res: Response) => res.json(seen(req)));
    const server = await listen(parent);
    try {
      const reply = await request(`${server.url}/area/page`, subject);
      expect(reply.json).toEqual({ subject, allowed: true, own: false, listed: false });
    } finally {
      await server.close();
    }
  });

  it('keeps the decision out of res.locals\' named keys, and readable after the response (a finish listener)', async () => {
    const subject = uniqueSubject('express_locals');
    licenzy.mock.grant(subject);
    const app = createApp();
    app.use(demoAuth);
    const afterFinish: (string | undefined)[] = [];
    let bothRead: () => void = () => undefined;
    const readAfterFinish = new Promise<void>((resolve) => { bothRead = resolve; });
    app.get('/pro', requireAccess({ gate: licenzy.gate() }), (req: Request, res: Response) => {
      res.on('finish', () => setImmediate(() => {
        afterFinish.push(req.licenzy?.subjectRef);
        if (afterFinish.length === 2) bothRead();
      }));
      res.locals.title = 'report';
      res.json({ ...seen(req), keys: Object.keys(res.locals), json: JSON.stringify(res.locals), symbols: Object.getOwnPropertySymbols(res.locals).length });
    });
    const server = await listen(app);
    try {
      const replies = [await request(`${server.url}/pro`, subject), await request(`${server.url}/pro`, subject)];
      for (const reply of replies) expect(reply.json).toEqual({ subject, allowed: true, own: false, listed: false, keys: ['title'], json: '{"title":"report"}', symbols: 2 });
      await readAfterFinish;
      expect(afterFinish).toEqual([subject, subject]);
    } finally {
      await server.close();
    }
  });

  it('never shows one request another\'s decision when an app shares one res.locals object between requests', async () => {
    const allowed = Array.from({ length: 4 }, (_, i) => uniqueSubject(`express_shared_allowed_${i}`));
    const denied = Array.from({ length: 4 }, (_, i) => uniqueSubject(`express_shared_denied_${i}`));
    for (const subject of allowed) licenzy.mock.grant(subject);
    const app = createApp();
    const shared = Object.create(null) as Record<string, unknown>;
    app.use((_req: Request, res: Response, next: NextFunction) => {
      res.locals = shared; // an app bug, but not one the gate may turn into another user's decision
      next();
    });
    app.use(demoAuth);
    const onDenied = (req: Request, res: Response) => void res.status(403).json(seen(req));
    // Every handler reads its decision only once all allowed requests have been gated (they all share the slot by then).
    const allowedCount = 8;
    let gated = 0;
    let allGated: () => void = () => undefined;
    const barrier = new Promise<void>((resolve) => { allGated = resolve; });
    const countGated = (_req: Request, _res: Response, next: NextFunction) => {
      if (++gated === allowedCount) allGated();
      next();
    };
    app.get('/pro', requireAccess({ gate: licenzy.gate(), onDenied }), countGated, (req: Request, res: Response) => void barrier.then(() => res.json(seen(req))));
    app.get('/open', (req: Request, res: Response) => void barrier.then(() => res.json({ licenzy: req.licenzy ?? null })));
    const server = await listen(app);
    try {
      const users = [...allowed, ...denied, ...allowed];
      const [replies, open] = await Promise.all([Promise.all(users.map((user) => request(`${server.url}/pro`, user))), request(`${server.url}/open`, denied[0])]);
      replies.forEach((reply, i) => {
        const user = users[i] as string;
        const isAllowed = allowed.includes(user);
        expect(reply.status).toBe(isAllowed ? 200 : 403);
        expect(reply.json).toEqual({ subject: user, allowed: isAllowed, own: false, listed: false });
      });
      // A route the gate never saw shows no decision, though the shared object holds other requests'.
      expect(open.json).toEqual({ licenzy: null });
    } finally {
      await server.close();
    }
  });

  it('holds the decision when res.locals is frozen or null before the gate, and after res.locals is spread into a copy', async () => {
    const subject = uniqueSubject('express_locals_odd');
    licenzy.mock.grant(subject);
    const app = createApp();
    app.use(demoAuth);
    const gate = licenzy.gate();
    app.get('/frozen', (_req: Request, res: Response, next: NextFunction) => { res.locals = Object.freeze({ theme: 'dark' }); next(); }, requireAccess({ gate }), (req: Request, res: Response) => res.json(seen(req)));
    app.get('/null', (_req: Request, res: Response, next: NextFunction) => { (res as { locals: unknown }).locals = null; next(); }, requireAccess({ gate }), (req: Request, res: Response) => res.json(seen(req)));
    app.get('/spread', requireAccess({ gate }), (_req: Request, res: Response, next: NextFunction) => { res.locals = { ...res.locals, theme: 'dark' }; next(); }, (req: Request, res: Response) => res.json(seen(req)));
    const server = await listen(app);
    try {
      for (const path of ['/frozen', '/null', '/spread']) {
        const reply = await request(`${server.url}${path}`, subject);
        expect({ path, status: reply.status, json: reply.json }).toEqual({ path, status: 200, json: { subject, allowed: true, own: false, listed: false } });
      }
    } finally {
      await server.close();
    }
  });

  // The one case the store does not follow: res.locals replaced by a new object that copies nothing. The request then
  // shows no decision (never someone else's); the handler already ran behind the gate.
  it('shows no decision (never another\'s) after res.locals is replaced by an object that copies nothing', async () => {
    const subject = uniqueSubject('express_locals_replaced');
    licenzy.mock.grant(subject);
    const app = createApp();
    app.use(demoAuth);
    app.get('/pro', requireAccess({ gate: licenzy.gate() }), (req: Request, res: Response) => {
      res.locals = { fresh: true };
      res.json({ licenzy: req.licenzy ?? null });
    });
    const server = await listen(app);
    try {
      const reply = await request(`${server.url}/pro`, subject);
      expect(reply.status).toBe(200);
      expect(reply.json).toEqual({ licenzy: null });
    } finally {
      await server.close();
    }
  });

  it('is undefined on a request the gate never saw, and an app may still assign it', async () => {
    const app = createApp();
    app.get('/open', (req: Request, res: Response) => {
      const before = req.licenzy;
      req.licenzy = { subjectRef: 'set_by_app' } as RequestDecision;
      res.json({ before: before ?? null, after: req.licenzy?.subjectRef });
    });
    const server = await listen(app);
    try {
      // A first gated request elsewhere has defined the accessor already (the suites above), or not: both hold.
      const reply = await request(`${server.url}/open`);
      expect(reply.json).toEqual({ before: null, after: 'set_by_app' });
    } finally {
      await server.close();
    }
  });
});

describe('setRequestDecision', () => {
  const decision = (subjectRef: string) => ({ subjectRef, allowed: true }) as RequestDecision;

  it('sets an own property on a request outside Express (a plain object in a unit test)', () => {
    const req = {} as Request;
    setRequestDecision(req, decision('plain'));
    expect(Object.hasOwn(req, 'licenzy')).toBe(true);
    expect(req.licenzy?.subjectRef).toBe('plain');
  });

  it('never defines anything on Node\'s IncomingMessage.prototype', () => {
    const req = Object.create(IncomingMessage.prototype) as Request;
    setRequestDecision(req, decision('node'));
    expect(Object.hasOwn(IncomingMessage.prototype, 'licenzy')).toBe(false);
    expect(Object.hasOwn(req, 'licenzy')).toBe(true);
  });

  it('leaves a `licenzy` another library defined on the request prototype alone', () => {
    const base = Object.create(IncomingMessage.prototype) as object;
    Object.defineProperty(base, 'licenzy', { value: 'theirs', writable: true, configurable: true });
    const req = Object.create(Object.create(base) as object) as Request;
    setRequestDecision(req, decision('ours'));
    expect(Object.getOwnPropertyDescriptor(base, 'licenzy')?.value).toBe('theirs');
    expect(req.licenzy?.subjectRef).toBe('ours');
  });

  // The decision goes straight into our accessor's WeakMap (no property write on the request, issue 25) only where
  // `req.licenzy` reads that accessor; anywhere else it is assigned, so the request still shows it.
  it('is read back through another copy\'s accessor (CommonJS and ESM both loaded), and through a prototype that shadows ours', () => {
    const theirs = new WeakMap<object, unknown>();
    const base = Object.create(IncomingMessage.prototype) as object;
    Object.defineProperty(base, 'licenzy', { get(this: object) { return theirs.get(this); }, set(this: object, value: unknown) { theirs.set(this, value); }, configurable: true });
    const req = Object.create(Object.create(base) as object) as Request;
    setRequestDecision(req, decision('through_theirs'));
    expect(req.licenzy?.subjectRef).toBe('through_theirs');

    // Our accessor on the base (defined by a request of one app), shadowed by another app's request prototype.
    const ourBase = Object.create(IncomingMessage.prototype) as object;
    setRequestDecision(Object.create(Object.create(ourBase) as object) as Request, decision('defines_ours'));
    const otherApp = Object.create(ourBase) as object;
    Object.defineProperty(otherApp, 'licenzy', { value: undefined, writable: true, configurable: true });
    const shadowed = Object.create(otherApp) as Request;
    setRequestDecision(shadowed, decision('shadowed'));
    expect(shadowed.licenzy?.subjectRef).toBe('shadowed');
  });

  it('the newest write wins, whichever store each write went to', () => {
    const appRequest = Object.create(Object.create(IncomingMessage.prototype) as object) as object;
    const res = { locals: Object.create(null) as object };
    const req = Object.assign(Object.create(appRequest) as object, { res }) as Request;
    setRequestDecision(req, decision('locals_1'), res);
    expect(req.licenzy?.subjectRef).toBe('locals_1');
    res.locals = Object.freeze({ ...res.locals }); // carries the first decision, and takes no new one
    setRequestDecision(req, decision('weakmap_2'), res);
    expect(req.licenzy?.subjectRef).toBe('weakmap_2');
    res.locals = Object.create(null) as object;
    setRequestDecision(req, decision('locals_3'), res);
    expect(req.licenzy?.subjectRef).toBe('locals_3');
    req.licenzy = undefined;
    expect(req.licenzy).toBeUndefined();
  });

  it('holds each request\'s own decision where the accessor serves it, with nothing own on the request', () => {
    const base = Object.create(IncomingMessage.prototype) as object;
    const appRequest = Object.create(base) as object;
    const first = Object.create(appRequest) as Request;
    const second = Object.create(appRequest) as Request;
    setRequestDecision(first, decision('first'));
    setRequestDecision(second, decision('second'));
    expect([first.licenzy?.subjectRef, second.licenzy?.subjectRef]).toEqual(['first', 'second']);
    expect(Object.hasOwn(first, 'licenzy') || Object.hasOwn(second, 'licenzy')).toBe(false);
    // An app's own assignment afterwards is what the request shows.
    first.licenzy = decision('app');
    expect(first.licenzy?.subjectRef).toBe('app');
  });
});
