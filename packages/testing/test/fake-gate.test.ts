// Tests createFakeGate alone and as the gate of the real Express, Koa and Fastify adapters (the README's examples).
import { requireAccess as expressAccess } from '@licenzy-gate/express';
import { licenzyGate } from '@licenzy-gate/fastify';
import { requireAccess as koaAccess } from '@licenzy-gate/koa';
import { LicenzySubjectInvalidError, LicenzyUnavailableError } from '@licenzy-gate/core';
import express from 'express';
import Fastify from 'fastify';
import Koa from 'koa';
import request from 'supertest';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { createFakeGate } from '../src/index.js';
import type { AccessGate } from '@licenzy-gate/core';

describe('createFakeGate', () => {
  it('is an AccessGate that answers per subject; unknown subjects are denied', async () => {
    const gate = createFakeGate({ allow: ['paid'], deny: ['free'], fail: ['outage'], now: () => 42 });
    expectTypeOf(gate).toMatchTypeOf<AccessGate>();
    expect(gate.mode).toBe('test');
    expect(gate.now()).toBe(42);
    expect(gate.peek('paid')).toEqual({ subjectRef: 'paid', allowed: true, source: 'licenzy', checkedAt: 42, mode: 'test' });
    expect(gate.peek('free')?.allowed).toBe(false);
    expect(gate.peek('stranger')?.allowed).toBe(false);
    // An outage has no synchronous answer, so adapters go on to check(), which rejects as a real outage does.
    expect(gate.peek('outage')).toBeUndefined();
    await expect(gate.check('outage')).rejects.toBeInstanceOf(LicenzyUnavailableError);
    await expect(gate.check('outage')).rejects.toMatchObject({ status: 503, code: 'ERR_LICENZY_UNAVAILABLE' });
    expect(await gate.check('paid', { fresh: true })).toMatchObject({ allowed: true });
    expect(Object.isFrozen(await gate.check('paid'))).toBe(true);
  });

  it('re-scripts at runtime and records every question', async () => {
    const gate = createFakeGate();
    expect(gate.peek('u')?.allowed).toBe(false);
    gate.allow('u');
    expect(gate.peek('u')?.allowed).toBe(true);
    gate.fail('u');
    expect(gate.outcomeOf('u')).toBe('fail');
    await expect(gate.check('u', { fresh: true })).rejects.toBeInstanceOf(LicenzyUnavailableError);
    gate.deny('u').allow('v');
    expect(await gate.check('u')).toMatchObject({ allowed: false });
    expect(gate.invalidate('u')).toBe(false);
    gate.clear();
    expect(gate.calls).toEqual([
      { method: 'peek', subjectRef: 'u' },
      { method: 'peek', subjectRef: 'u' },
      { method: 'check', subjectRef: 'u', fresh: true },
      { method: 'check', subjectRef: 'u', fresh: false },
      { method: 'invalidate', subjectRef: 'u' },
      { method: 'clear' },
    ]);
    expect(gate.asked).toEqual(['u', 'u', 'u', 'u']);
    expect(gate.stats()).toMatchObject({ hits: 2, errors: 1, upstreamCalls: 0, circuit: 'closed' });
    gate.resetCalls();
    expect(gate.calls).toEqual([]);
    expect(gate.outcomeOf('v')).toBe('allow');
  });

  it('validates subjects like the real gate, and its options', async () => {
    const gate = createFakeGate();
    expect(() => gate.peek('')).toThrow(LicenzySubjectInvalidError);
    await expect(gate.check('a\nb')).rejects.toBeInstanceOf(LicenzySubjectInvalidError);
    expect(() => createFakeGate({ allow: 'user_1' as unknown as string[] })).toThrow(/allow must be a list/);
    expect(() => createFakeGate({ mode: 'prod' as 'test' })).toThrow(/mode/);
    expect(createFakeGate({ mode: 'live' }).peek('x')?.mode).toBe('live');
  });

  it('uses no timers: a check settles within one microtask turn', async () => {
    const gate = createFakeGate({ allow: ['u'] });
    let settled = false;
    void gate.check('u').then(() => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(true);
  });
});

describe('with the real adapters', () => {
  const scripted = () => createFakeGate({ allow: ['user_paid'], fail: ['user_outage'] });

  it('Express (supertest): 200, 403, 503 and 401 from the scripted gate', async () => {
    const gate = scripted();
    const app = express();
    app.get('/pro', expressAccess({ gate, subject: (req) => req.get('x-user') }), (req, res) => {
      res.json({ subject: req.licenzy?.subjectRef });
    });
    await request(app).get('/pro').set('x-user', 'user_paid').expect(200, { subject: 'user_paid' });
    await request(app).get('/pro').set('x-user', 'user_free').expect(403);
    const outage = await request(app).get('/pro').set('x-user', 'user_outage').expect(503);
    expect(outage.headers['retry-after']).toBe('1');
    await request(app).get('/pro').expect(401);
    gate.allow('user_free');
    await request(app).get('/pro').set('x-user', 'user_free').expect(200);
    expect(gate.asked).toEqual(['user_paid', 'user_free', 'user_outage', 'user_outage', 'user_free']);
  });

  it('Koa (supertest on app.callback()): 200, 403, 503', async () => {
    const gate = scripted();
    const app = new Koa();
    app.use(koaAccess({ gate, subject: (ctx) => ctx.get('x-user') || undefined }));
    app.use((ctx) => {
      ctx.body = { subject: ctx.state.licenzy?.subjectRef };
    });
    const server = app.callback();
    await request(server).get('/').set('x-user', 'user_paid').expect(200, { subject: 'user_paid' });
    await request(server).get('/').set('x-user', 'user_free').expect(403);
    await request(server).get('/').set('x-user', 'user_outage').expect(503);
    gate.deny('user_paid');
    await request(server).get('/').set('x-user', 'user_paid').expect(403);
  });

  it('Fastify (app.inject): 200, 403, 503', async () => {
    const gate = scripted();
    const app = Fastify();
    await app.register(licenzyGate, { gate, subject: (req) => req.headers['x-user'] });
    app.get('/pro', { preHandler: app.requireAccess() }, async (req) => ({ subject: req.licenzy?.subjectRef }));
    try {
      const paid = await app.inject({ url: '/pro', headers: { 'x-user': 'user_paid' } });
      expect([paid.statusCode, paid.json()]).toEqual([200, { subject: 'user_paid' }]);
      expect((await app.inject({ url: '/pro', headers: { 'x-user': 'user_free' } })).statusCode).toBe(403);
      expect((await app.inject({ url: '/pro', headers: { 'x-user': 'user_outage' } })).statusCode).toBe(503);
    } finally {
      await app.close();
    }
  });
});
