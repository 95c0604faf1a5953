// Runs the shared conformance suite against Fastify 5 on a real port, per-route (`preHandler`) and in global mode.
import type { AccessGate } from '@licenzy-gate/core';
import { conformanceCases, refusalConformanceCases, resolverConformanceCases, usageConformanceCases, useLocalLicenzy, type LocalLicenzy } from '@licenzy-gate/testing';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, it } from 'vitest';
import licenzyGate from '../src/index.js';

const REJECTED_KEY = 'lz_test_example_rejected_key';

interface ConformanceApp {
  app: FastifyInstance;
  gate: AccessGate;
  url: string;
  handlerCalls: Map<string, number>;
}

/** The app the suite's `ConformanceTarget` describes; `mode` picks how the paid routes are gated. */
async function buildConformanceApp(licenzy: LocalLicenzy, mode: 'per-route' | 'global'): Promise<ConformanceApp> {
  const gate = licenzy.gate({ retries: 0, circuitBreaker: false, freshInterval: 0 });
  const handlerCalls = new Map<string, number>();
  const app = Fastify();
  // Demo-only server-side auth: stands in for @fastify/jwt and puts the identity on request.user.
  app.addHook('onRequest', async (request) => {
    const user = request.headers['x-demo-user'];
    if (typeof user === 'string') (request as FastifyRequest & { user?: { id: string } }).user = { id: user };
  });
  const answer = (path: string) => async (request: FastifyRequest) => {
    handlerCalls.set(path, (handlerCalls.get(path) ?? 0) + 1);
    return { subjectRef: request.licenzy?.subjectRef, source: request.licenzy?.source };
  };
  // The routes of resolverConformanceCases: the same gate, each with its own subject resolver.
  const secret = () => new Error('resolver secret detail');
  const resolvers = {
    '/resolver/async': async (request: FastifyRequest) => request.headers['x-demo-user'],
    '/resolver/numeric': () => 4242,
    '/resolver/object': () => ({ id: 'u' }),
    '/resolver/throws': () => { throw secret(); },
    '/resolver/rejects': () => Promise.reject(secret()),
  } as const;
  // The routes of refusalConformanceCases: a hook, and delegation (which must win over the same hook).
  const upgrade = (_request: FastifyRequest, reply: FastifyReply) => reply.code(402).send({ upgrade: '/pricing' });
  app.setErrorHandler((error: { statusCode?: number; code?: string }, _request, reply) => {
    void reply.code(error.statusCode ?? 500).send({ delegated: error.code });
  });

  if (mode === 'per-route') {
    await app.register(licenzyGate, { gate });
    app.get('/free', answer('/free'));
    app.get('/pro', { preHandler: app.requireAccess() }, answer('/pro'));
    app.get('/pro/other', { preHandler: app.requireAccess() }, answer('/pro/other'));
    app.get('/pro/fresh', { preHandler: app.requireAccess({ fresh: true }) }, answer('/pro/fresh'));
    app.get('/pro/open', { preHandler: app.requireAccess({ onUnavailable: 'allow' }) }, answer('/pro/open'));
    for (const [path, subject] of Object.entries(resolvers)) app.get(path, { preHandler: app.requireAccess({ subject }) }, answer(path));
    app.get('/refusal/hook', { preHandler: app.requireAccess({ onDenied: upgrade }) }, answer('/refusal/hook'));
    app.get('/refusal/delegate', { preHandler: app.requireAccess({ onDenied: upgrade, delegateErrors: true }) }, answer('/refusal/delegate'));
    // The routes of usageConformanceCases.
    app.post('/metered', { preHandler: app.requireUsage({ units: 1 }) }, answer('/metered'));
    app.post('/metered/by-header', { preHandler: app.requireUsage({ units: (request) => Number(request.headers['x-units']) }) }, answer('/metered/by-header'));
    app.post('/metered/bad-units', { preHandler: app.requireUsage({ units: () => 0 }) }, answer('/metered/bad-units'));
  } else {
    await app.register(async (paid) => {
      await paid.register(licenzyGate, { gate, global: true });
      paid.get('/free', { config: { licenzy: false } }, answer('/free'));
      paid.get('/pro', answer('/pro'));
      paid.get('/pro/other', answer('/pro/other'));
      paid.get('/pro/fresh', { config: { licenzy: { fresh: true } } }, answer('/pro/fresh'));
      paid.get('/pro/open', { config: { licenzy: { onUnavailable: 'allow' } } }, answer('/pro/open'));
      for (const [path, subject] of Object.entries(resolvers)) paid.get(path, { config: { licenzy: { subject } } }, answer(path));
      paid.get('/refusal/hook', { config: { licenzy: { onDenied: upgrade } } }, answer('/refusal/hook'));
      paid.get('/refusal/delegate', { config: { licenzy: { onDenied: upgrade, delegateErrors: true } } }, answer('/refusal/delegate'));
      // The routes of usageConformanceCases: metered routes opt out of the global access gate (they charge instead).
      paid.post('/metered', { config: { licenzy: false }, preHandler: paid.requireUsage({ units: 1 }) }, answer('/metered'));
      paid.post('/metered/by-header', { config: { licenzy: false }, preHandler: paid.requireUsage({ units: (request) => Number(request.headers['x-units']) }) }, answer('/metered/by-header'));
      paid.post('/metered/bad-units', { config: { licenzy: false }, preHandler: paid.requireUsage({ units: () => 0 }) }, answer('/metered/bad-units'));
    });
  }
  // A second plugin instance in its own context: a gate whose key Licenzy rejects.
  await app.register(async (broken) => {
    await broken.register(licenzyGate, { apiKey: REJECTED_KEY, baseUrl: licenzy.mock.url, retries: 0, global: mode === 'global' });
    broken.get('/misconfigured', mode === 'global' ? {} : { preHandler: broken.requireAccess() }, answer('/misconfigured'));
  });

  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, gate, url, handlerCalls };
}

describe.each(['per-route', 'global'] as const)('conformance, Fastify 5 (%s)', (mode) => {
  const licenzy = useLocalLicenzy({ hooks: { beforeAll, afterAll, afterEach } });
  let target: ConformanceApp;

  beforeAll(async () => {
    target = await buildConformanceApp(licenzy, mode);
  });
  afterAll(async () => {
    await target?.app.close();
  });

  for (const conformanceCase of [...conformanceCases, ...resolverConformanceCases, ...refusalConformanceCases, ...usageConformanceCases]) {
    it(conformanceCase.name, async () => {
      await conformanceCase.fn({
        url: target.url,
        mock: licenzy.mock,
        invalidate: (subjectRef) => void target.gate.invalidate(subjectRef),
        handlerCalls: (path) => target.handlerCalls.get(path) ?? 0,
      });
    });
  }
});
