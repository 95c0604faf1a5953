// Every mounting pattern our READMEs recommend, per adapter and framework major, against spellings of its paid path.
import { createServer } from 'node:http';
import type { AccessGate } from '@licenzy-gate/core';
import { requireAccess as expressRequireAccess } from '@licenzy-gate/express';
import { licenzyGate } from '@licenzy-gate/fastify';
import { requireAccess as koaRequireAccess } from '@licenzy-gate/koa';
import { mountingVariantsCase, pathVariants, useLocalLicenzy } from '@licenzy-gate/testing';
import { listen } from './support/apps.js';
import { environmentLine, table, writeDocSection } from './support/report.js';
import Router, { type RouterOptions } from '@koa/router';
import express, { type Express, type Request, type Response } from 'express';
import express4 from 'express4';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import Koa, { type Context } from 'koa';
import Koa2 from 'koa2';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

/** Only the paid handler's body holds this. */
const MARKER = 'PAID-CONTENT-a61c';

/** A started app serving one pattern: where its paid handler lives and how often it ran. */
interface MountedApp {
  url: string;
  handlerCalls(): number;
  close(): Promise<void>;
}

/** One README pattern: the README and pattern it comes from, its paid path, and how to build it on a gate. */
interface MountingPattern {
  readme: string;
  path: string;
  start(gate: AccessGate): Promise<MountedApp>;
}

/** Counts the paid handler's runs; each framework's handler calls `ran()` and answers the marker. */
function counter() {
  let calls = 0;
  return { ran: () => void calls++, handlerCalls: () => calls };
}


// ---- Express 4 and 5: the four patterns of packages/express/README.md ("Usage") ----

const expressMajors = [
  ['express 5', express],
  ['express 4', express4 as unknown as typeof express],
] as const;

function expressApp(createApp: typeof express, settings: Record<string, unknown>): Express {
  const app = createApp();
  for (const [name, value] of Object.entries(settings)) app.set(name, value);
  // Demo-only server-side auth: trusts x-demo-user (tests only).
  app.use((req, _res, next) => {
    const id = req.get('x-demo-user');
    if (id !== undefined) (req as Request & { user?: unknown }).user = { id };
    next();
  });
  return app;
}

function expressPatterns(createApp: typeof express, settings: Record<string, unknown> = {}): Record<string, MountingPattern> {
  const build = (mount: (app: Express, gate: AccessGate, paid: (req: Request, res: Response) => void) => void) =>
    async (gate: AccessGate): Promise<MountedApp> => {
      const { ran, handlerCalls } = counter();
      const app = expressApp(createApp, settings);
      mount(app, gate, (_req, res) => {
        ran();
        res.send(MARKER);
      });
      return { ...(await listen(createServer(app))), handlerCalls };
    };
  return {
    '1. one route': {
      readme: 'express README, pattern 1',
      path: '/pro/report',
      start: build((app, gate, paid) => app.get('/pro/report', expressRequireAccess({ gate }), paid)),
    },
    '2. a path prefix': {
      readme: 'express README, pattern 2',
      path: '/members/news',
      start: build((app, gate, paid) => {
        app.use('/members', expressRequireAccess({ gate }));
        app.get('/members/news', paid);
      }),
    },
    '3. a router': {
      readme: 'express README, pattern 3',
      path: '/downloads/a.pdf',
      start: build((app, gate, paid) => {
        const downloads = createApp.Router();
        downloads.use(expressRequireAccess({ gate }));
        downloads.get('/:file', paid);
        app.use('/downloads', downloads);
      }),
    },
    '4. everything registered after it': {
      readme: 'express README, pattern 4',
      path: '/api/report',
      start: build((app, gate, paid) => {
        app.get('/', (_req, res) => void res.send('free'));
        app.use(expressRequireAccess({ gate }));
        const paidApi = createApp.Router();
        paidApi.get('/report', paid);
        app.use('/api', paidApi);
      }),
    },
  };
}

// ---- Koa 2 and 3 with @koa/router: the four patterns of packages/koa/README.md ("Usage") ----

const koaMajors = [
  ['koa 3', Koa],
  ['koa 2', Koa2 as typeof Koa],
] as const;

function koaApp(KoaCtor: typeof Koa): Koa {
  const app = new KoaCtor();
  app.silent = true;
  app.use(async (ctx, next) => {
    const id = ctx.get('x-demo-user');
    if (id !== '') ctx.state.user = { id };
    await next();
  });
  return app;
}

function koaPatterns(KoaCtor: typeof Koa, routerOptions: RouterOptions = {}): Record<string, MountingPattern> {
  const build = (mount: (app: Koa, gate: AccessGate, paid: (ctx: Context) => void) => void) =>
    async (gate: AccessGate): Promise<MountedApp> => {
      const { ran, handlerCalls } = counter();
      const app = koaApp(KoaCtor);
      mount(app, gate, (ctx) => {
        ran();
        ctx.body = MARKER;
      });
      return { ...(await listen(createServer(app.callback()))), handlerCalls };
    };
  return {
    '1. one route': {
      readme: 'koa README, pattern 1',
      path: '/pro/report',
      start: build((app, gate, paid) => {
        const router = new Router(routerOptions);
        router.get('/pro/report', koaRequireAccess({ gate }), paid);
        app.use(router.routes());
      }),
    },
    '2. a path prefix of a router': {
      readme: 'koa README, pattern 2',
      path: '/members/news',
      start: build((app, gate, paid) => {
        const router = new Router(routerOptions);
        router.use('/members', koaRequireAccess({ gate }));
        router.get('/members/news', paid);
        app.use(router.routes());
      }),
    },
    '3. a whole prefixed router, sensitive: true': {
      readme: 'koa README, pattern 3',
      path: '/downloads/a.pdf',
      start: build((app, gate, paid) => {
        const downloads = new Router({ ...routerOptions, prefix: '/downloads', sensitive: true });
        downloads.use(koaRequireAccess({ gate }));
        downloads.get('/:file', paid);
        app.use(downloads.routes());
      }),
    },
    '4. everything mounted after it': {
      readme: 'koa README, pattern 4',
      path: '/api/report',
      start: build((app, gate, paid) => {
        app.use(koaRequireAccess({ gate }));
        const paidApi = new Router(routerOptions);
        paidApi.get('/api/report', paid);
        app.use(paidApi.routes());
      }),
    },
  };
}

// ---- Fastify 5: the patterns of packages/fastify/README.md ("Usage") ----

function fastifyPatterns(routerOptions: Record<string, boolean> = {}): Record<string, MountingPattern> {
  const build = (mount: (app: FastifyInstance, gate: AccessGate, paid: () => string) => Promise<void>) =>
    async (gate: AccessGate): Promise<MountedApp> => {
      const { ran, handlerCalls } = counter();
      const app = Fastify({ routerOptions });
      app.addHook('onRequest', async (request) => {
        const id = request.headers['x-demo-user'];
        if (typeof id === 'string') (request as FastifyRequest & { user?: unknown }).user = { id };
      });
      await mount(app, gate, () => {
        ran();
        return MARKER;
      });
      const url = await app.listen({ port: 0, host: '127.0.0.1' });
      return { url, handlerCalls, close: () => app.close() };
    };
  return {
    'per route: preHandler: app.requireAccess()': {
      readme: 'fastify README, per route',
      path: '/pro/report',
      start: build(async (app, gate, paid) => {
        await app.register(licenzyGate, { gate });
        app.get('/pro/report', { preHandler: app.requireAccess() }, paid);
      }),
    },
    'a whole context: global: true': {
      readme: 'fastify README, global',
      path: '/pro/report',
      start: build(async (app, gate, paid) => {
        await app.register(async (scope) => {
          await scope.register(licenzyGate, { gate, global: true });
          scope.get('/pro/report', paid);
          scope.get('/pro/pricing', { config: { licenzy: false } }, () => 'free');
        });
        app.get('/', () => 'home');
      }),
    },
    'another gate for a sub-app': {
      readme: 'fastify README, sub-app',
      path: '/partner/feed',
      start: build(async (app, gate, paid) => {
        await app.register(async (partner) => {
          await partner.register(licenzyGate, { gate });
          partner.get('/partner/feed', { preHandler: partner.requireAccess() }, paid);
        });
      }),
    },
  };
}

// ---- The runs ----

const licenzy = useLocalLicenzy({ hooks: { beforeAll, afterAll, afterEach }, gate: { retries: 0, circuitBreaker: false } });

/** Patterns that held, for docs/reliability.md. */
const held: Array<{ setup: string; name: string; readme: string; variants: number }> = [];

function runPatterns(setup: string, patterns: Record<string, MountingPattern>): void {
  for (const [name, pattern] of Object.entries(patterns)) {
    it(`${name} (${pattern.readme}): ${mountingVariantsCase.name}`, async () => {
      const gate = licenzy.gate();
      const app = await pattern.start(gate);
      try {
        await mountingVariantsCase.fn({ url: app.url, mock: licenzy.mock, path: pattern.path, marker: MARKER, handlerCalls: app.handlerCalls });
        held.push({ setup, name, readme: pattern.readme, variants: pathVariants(pattern.path).length });
      } finally {
        await app.close();
      }
    });
  }
}

afterAll(() => {
  if (held.length === 0) return;
  const rows = held.map((h) => [h.setup, h.name, h.readme, `${h.variants} × 2 identities: held`]);
  writeDocSection('mounting', `## Mounting patterns against path variants

${environmentLine()}

Every mounting pattern a README of ours recommends, per framework major and routing option, requested without
identity and as an unpaid user in every variant of its path (letter case, trailing slash, doubled slashes,
percent-encoded letters, encoded slash, dot segments, query, \`HEAD\`, \`OPTIONS\`): the paid handler never ran
(\`tests/reliability/mounting-patterns.test.ts\`, \`mountingVariantsCase\` from \`@licenzy-gate/testing\`).

Found and closed: a prefixed \`@koa/router\` with \`router.use(requireAccess())\` matched \`use()\` case-sensitively
and its routes case-insensitively, so \`GET /DOWNLOADS/a.pdf\` skipped the gate. The Koa README now requires
\`sensitive: true\` for that pattern; a test pins the unsafe default so the warning stays true.

${table(['Framework (options)', 'Pattern', 'README', 'Variants'], rows)}`);
});

// Each major with its defaults and with the routing options that change how paths match; every pattern must hold.
const expressSettings = [{}, { 'case sensitive routing': true }, { 'strict routing': true }];
const koaRouterOptions: RouterOptions[] = [{}, { sensitive: true }, { strict: true }];
const fastifyRouterOptions: Array<Record<string, boolean>> = [{}, { caseSensitive: false, ignoreTrailingSlash: true, ignoreDuplicateSlashes: true }];
const named = (options: object) => (Object.keys(options).length === 0 ? 'defaults' : JSON.stringify(options));

for (const [major, createApp] of expressMajors) {
  for (const settings of expressSettings) {
    describe(`mounting patterns on ${major} (${named(settings)})`, () => runPatterns(`${major} (${named(settings)})`, expressPatterns(createApp, settings)));
  }
}
for (const [major, KoaCtor] of koaMajors) {
  for (const routerOptions of koaRouterOptions) {
    describe(`mounting patterns on ${major} with @koa/router (${named(routerOptions)})`, () => runPatterns(`${major} + @koa/router (${named(routerOptions)})`, koaPatterns(KoaCtor, routerOptions)));
  }
}
for (const routerOptions of fastifyRouterOptions) {
  describe(`mounting patterns on fastify 5 (${named(routerOptions)})`, () => runPatterns(`fastify 5 (${named(routerOptions)})`, fastifyPatterns(routerOptions)));
}

describe('bug: a prefixed @koa/router with router.use(requireAccess()) is bypassed by letter case (issue #8)', () => {
  // @koa/router compiles a prefixed router's use() middleware to a case-sensitive RegExp (`^/downloads(?:/|$)`) but
  // its routes case-insensitively (path-to-regexp, sensitive: false by default), so GET /DOWNLOADS/a.pdf skipped the
  // gate and reached the route. `strict: true` does not change it; `sensitive: true` makes both sides agree, and is
  // what the Koa README now requires for this pattern. This pins the framework behaviour the README warns about:
  // if @koa/router ever matches use() like its routes, this fails and the warning can go.
  for (const [major, KoaCtor] of koaMajors) {
    for (const routerOptions of [{}, { strict: true }] as RouterOptions[]) {
      it(`is unsafe without sensitive: true on ${major} (${named(routerOptions)}), as the Koa README says`, async () => {
        const gate = licenzy.gate();
        const { ran, handlerCalls } = counter();
        const app = koaApp(KoaCtor);
        const downloads = new Router({ ...routerOptions, prefix: '/downloads' });
        downloads.use(koaRequireAccess({ gate }));
        downloads.get('/:file', (ctx) => {
          ran();
          ctx.body = MARKER;
        });
        app.use(downloads.routes());
        const running = { ...(await listen(createServer(app.callback()))), handlerCalls };
        try {
          await expect(mountingVariantsCase.fn({ url: running.url, mock: licenzy.mock, path: '/downloads/a.pdf', marker: MARKER, handlerCalls }))
            .rejects.toThrow(/GET \/DOWNLOADS\/a\.pdf \(first segment in upper case, anonymous\) → 200, paid handler ran 1×/);
        } finally {
          await running.close();
        }
      });
    }
  }
});
