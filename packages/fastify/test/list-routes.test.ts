// listRoutes over Fastify apps: global mode, per-route preHandlers, opt-outs (the webhook route's own), prefixes, and
// ungated routes in encapsulated contexts where the plugin was never registered. Each gated claim is checked over
// inject: an anonymous request to a route listed as gated is refused.
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createAccessGate, licenzyGate, listRoutes, webhookHandler } from '../src/index.js';

// Never called: listing reads the app, and anonymous requests are refused before any Licenzy call.
const gate = createAccessGate({ apiKey: 'lz_test_inventory', baseUrl: 'http://127.0.0.1:9' });
const table = (rows: ReturnType<typeof listRoutes>) => rows.map((row) => `${row.method} ${row.path} → ${String(row.gate)}${row.via ? ` via ${row.via}` : ''}`);
const ok = async () => ({ ok: true });

/** Every route listed as gated answers an anonymous request with 401; every route listed null answers 200. */
async function expectClaimsHold(app: FastifyInstance): Promise<void> {
  for (const row of listRoutes(app)) {
    if (row.path.includes(':') || row.path.includes('*') || row.path.startsWith('/webhooks')) continue;
    const reply = await app.inject({ method: row.method as 'GET', url: row.path });
    if (row.gate === 'access' || row.gate === 'usage') expect(reply.statusCode, `${row.method} ${row.path}`).toBe(401);
    if (row.gate === null) expect(reply.statusCode, `${row.method} ${row.path}`).toBe(200);
  }
}

describe('listRoutes (fastify)', () => {
  let app: FastifyInstance | undefined;
  afterEach(() => app?.close());

  it('global mode gates every route of its context and its children; opt-outs (the webhook route opts out by itself) are not gated', async () => {
    app = Fastify();
    app.get('/early', ok);
    await app.register(async (free) => {
      free.get('/hidden', ok); // registered before the gate, yet Fastify runs the root's preHandlers in it
    }, { prefix: '/before' });
    await app.register(licenzyGate, { gate, global: true });
    app.get('/pro/report', ok);
    app.get('/health', { config: { licenzy: false } }, ok);
    await app.register(async (child) => {
      child.get('/deep', ok);
    }, { prefix: '/child' });
    await app.register(webhookHandler({ gate, scheme: 'standard-webhooks', secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }), { prefix: '/webhooks/licenzy' });
    await app.ready();
    expect(table(listRoutes(app))).toEqual([
      'GET /early → access via global',
      'GET /before/hidden → access via global',
      'GET /pro/report → access via global',
      'GET /health → null via opt-out',
      'GET /child/deep → access via global',
      'POST /webhooks/licenzy → null via opt-out',
    ]);
    await expectClaimsHold(app);
  });

  it('per-route preHandlers, usage, and a context where the plugin was never registered', async () => {
    app = Fastify();
    await app.register(async (paid) => {
      await paid.register(licenzyGate, { gate });
      paid.get('/report', { preHandler: paid.requireAccess() }, ok);
      paid.post('/reports', { preHandler: [paid.requireUsage({ units: 1 })] }, ok);
      paid.get('/forgot', ok);
    }, { prefix: '/pro' });
    await app.register(async (other) => {
      other.get('/leak', ok);
    }, { prefix: '/other' });
    await app.ready();
    const rows = listRoutes(app);
    expect(table(rows)).toEqual(['GET /pro/report → access via route', 'POST /pro/reports → usage via route', 'GET /pro/forgot → null', 'GET /other/leak → null']);
    expect(rows[0]).toEqual({ method: 'GET', path: '/pro/report', gate: 'access', reportOnly: false, via: 'route' });
    await expectClaimsHold(app);
  });

  it('a global gate registered in a sibling context gates only that context', async () => {
    app = Fastify();
    await app.register(async (paid) => {
      await paid.register(licenzyGate, { gate, global: true });
      paid.get('/a', ok);
    }, { prefix: '/paid' });
    app.get('/b', ok);
    await app.ready();
    expect(table(listRoutes(app))).toEqual(['GET /paid/a → access via global', 'GET /b → null']);
    await expectClaimsHold(app);
  });

  it('reads reportOnly from the registration and from the route (global mode and per route)', async () => {
    app = Fastify();
    await app.register(licenzyGate, { gate, global: true, reportOnly: true });
    app.get('/beta', ok);
    app.get('/enforced', { config: { licenzy: { reportOnly: false } } }, ok);
    app.get('/rollout', { preHandler: app.requireAccess({ reportOnly: () => true }) }, ok);
    await app.ready();
    expect(listRoutes(app).map((row) => [row.path, row.gate, row.reportOnly, row.via])).toEqual([
      ['/beta', 'access', true, 'global'],
      ['/enforced', 'access', false, 'global'],
      ['/rollout', 'access', true, 'global'],
    ]);
  });

  it('lists a route it did not record from printRoutes(), as unknown', () => {
    const printed = '└── /\n    ├── pro/report (GET, HEAD)\n    └── free (GET, HEAD, POST)\n';
    const rows = listRoutes({ printRoutes: () => printed } as unknown as FastifyInstance);
    expect(table(rows)).toEqual(['GET /pro/report → unknown', 'GET /free → unknown', 'POST /free → unknown']);
    expect(rows[0]?.note).toMatch(/recordRoutes/);
  });

  it('refuses what is not a Fastify app', () => {
    expect(() => listRoutes({} as FastifyInstance)).toThrow(/Fastify app/);
  });
});
